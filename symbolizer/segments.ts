// Where code lives: link-time virtual addresses ↔ file offsets through the PT_LOAD segments
// (uprobes and breakpoints in a PIE are placed by file offset), and the load bias of a file
// mapped into a process (run-time address = link-time address + bias).
import type { ElfFile, ProgramHeader } from './elf-file';
import { ET, PT } from './elf-constants';
import type { Mapping } from './proc-maps';

export function loadSegments(elf: ElfFile): ProgramHeader[] {
  return elf.programHeaders.filter((p) => p.type === PT.PT_LOAD);
}

/** The file offset of link-time address `vaddr`, or undefined when no segment holds file bytes there. */
export function vaddrToFileOffset(segments: ProgramHeader[], vaddr: bigint): bigint | undefined {
  for (const p of segments) {
    if (p.type !== PT.PT_LOAD) continue;
    if (vaddr >= p.vaddr && vaddr < p.vaddr + BigInt(p.filesz)) return vaddr - p.vaddr + BigInt(p.offset);
  }
  return undefined;
}

/** The link-time address of file offset `offset`, or undefined when no segment loads it. */
export function fileOffsetToVaddr(segments: ProgramHeader[], offset: bigint): bigint | undefined {
  for (const p of segments) {
    if (p.type !== PT.PT_LOAD) continue;
    if (offset >= BigInt(p.offset) && offset < BigInt(p.offset + p.filesz)) return offset - BigInt(p.offset) + p.vaddr;
  }
  return undefined;
}

/** ET_DYN: a PIE executable or a shared library, loaded at an address chosen at run time. */
export function isRelocatable(elf: ElfFile): boolean {
  return elf.header.type === ET.ET_DYN;
}

/**
 * The load bias of a file from its mappings in a process: a mapping whose file offset lies in a
 * PT_LOAD segment fixes it (bias = start - (p_vaddr + offset - p_offset)). Undefined when no
 * mapping matches a segment (then the mappings are not of this file).
 */
export function loadBias(segments: ProgramHeader[], mappings: Mapping[], pageSize = 4096n): bigint | undefined {
  for (const m of mappings) {
    for (const p of segments) {
      if (p.type !== PT.PT_LOAD || p.filesz === 0) continue;
      const segmentOffset = BigInt(p.offset);
      const pageStart = segmentOffset - (segmentOffset % pageSize);
      if (m.offset >= pageStart && m.offset < segmentOffset + BigInt(p.filesz)) {
        return BigInt.asUintN(64, m.start - (p.vaddr + m.offset - segmentOffset));
      }
    }
  }
  return undefined;
}
