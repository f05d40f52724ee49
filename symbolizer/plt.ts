// PLT entries as the synthetic symbols objdump shows (`puts@plt`, `*ABS*+0x9f550@plt` for
// IRELATIVE slots). Each stub in .plt, .plt.sec and .plt.got jumps through a GOT slot
// (`jmp *disp32(%rip)`, opcode ff 25, possibly after endbr64 / a bnd prefix); the relocation
// that fills that slot (.rela.plt JUMP_SLOT / IRELATIVE, .rela.dyn GLOB_DAT) names the target.
import type { ElfFile, SectionHeader } from './elf-file';
import { R_X86_64, SHT } from './elf-constants';
import { readRelocations } from './relocations';
import { readSymbols, type ElfSymbol } from './symbols';

export interface PltEntry {
  /** `name@plt` */
  name: string;
  /** The imported function's name (or `*ABS*+0x...` for an IRELATIVE slot). */
  target: string;
  address: bigint;
  size: number;
  /** Which stub section it lives in. */
  section: '.plt' | '.plt.sec' | '.plt.got';
}

/** Names of the functions each GOT slot is filled with. */
function gotSlotNames(elf: ElfFile, dynsym: ElfSymbol[] | undefined): Map<bigint, string> {
  const names = new Map<bigint, string>();
  const symbolName = (index: number): string | undefined => (index > 0 ? dynsym?.[index - 1]?.name : undefined);
  for (const section of elf.sections) {
    if (section.type !== SHT.SHT_RELA || !(section.name === '.rela.plt' || section.name === '.rela.dyn')) continue;
    for (const r of readRelocations(elf, section)) {
      if (r.type === R_X86_64.R_X86_64_JUMP_SLOT || r.type === R_X86_64.R_X86_64_GLOB_DAT) {
        const name = symbolName(r.symbol);
        if (name) names.set(r.offset, name);
      } else if (r.type === R_X86_64.R_X86_64_IRELATIVE && section.name === '.rela.plt') {
        names.set(r.offset, `*ABS*+0x${r.addend.toString(16)}`);
      }
    }
  }
  return names;
}

/** The GOT slot a PLT stub jumps through, or undefined when it holds no `jmp *disp32(%rip)`. */
function stubSlot(code: Uint8Array, at: number, size: number, address: bigint): bigint | undefined {
  for (let k = 0; k + 6 <= size; k++) {
    if (code[at + k] === 0xff && code[at + k + 1] === 0x25) {
      const disp = code[at + k + 2] | (code[at + k + 3] << 8) | (code[at + k + 4] << 16) | (code[at + k + 5] << 24);
      return address + BigInt(k + 6) + BigInt(disp);
    }
  }
  return undefined;
}

/** The PLT stubs of `elf` that jump to a named function, in address order. */
export function readPltEntries(elf: ElfFile, dynsym = readSymbols(elf, '.dynsym')): PltEntry[] {
  const stubSections = elf.sections.filter(
    (s): s is SectionHeader & { name: PltEntry['section'] } => (s.name === '.plt' || s.name === '.plt.sec' || s.name === '.plt.got') && s.type === SHT.SHT_PROGBITS,
  );
  if (stubSections.length === 0) return [];
  const slots = gotSlotNames(elf, dynsym);
  const out: PltEntry[] = [];
  for (const section of stubSections) {
    const code = elf.sectionData(section)!;
    const size = section.entsize > 0 ? section.entsize : section.name === '.plt.got' ? 8 : 16;
    // .plt starts with PLT0, the lazy-binding trampoline.
    for (let at = section.name === '.plt' ? 16 : 0; at + size <= code.length; at += size) {
      const address = section.addr + BigInt(at);
      const slot = stubSlot(code, at, size, address);
      const target = slot === undefined ? undefined : slots.get(slot);
      if (target) out.push({ name: `${target}@plt`, target, address, size, section: section.name });
    }
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
