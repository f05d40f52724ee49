// Where a function of a fixture lives, for engine tests that place probes without the
// probe-point resolver: its link-time address (from `nm`) and the file offset of that address
// (from the PT_LOAD segment holding it).
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../symbolizer/elf-file';

const PT_LOAD = 1;

export interface SymbolSite {
  vaddr: bigint;
  fileOffset: bigint;
}

export function symbolSite(binary: string, name: string): SymbolSite {
  const out = execFileSync('nm', ['--defined-only', binary], { encoding: 'latin1' });
  const line = out.split('\n').find((l) => l.split(' ')[2] === name);
  if (!line) throw new Error(`${binary} has no symbol ${name}`);
  const vaddr = BigInt(`0x${line.split(' ')[0]}`);
  const elf = ElfFile.open(binary);
  try {
    for (const ph of elf.programHeaders) {
      if (ph.type === PT_LOAD && vaddr >= ph.vaddr && vaddr < ph.vaddr + BigInt(ph.memsz)) {
        return { vaddr, fileOffset: vaddr - ph.vaddr + BigInt(ph.offset) };
      }
    }
  } finally {
    elf.close();
  }
  throw new Error(`${name} (0x${vaddr.toString(16)}) is in no PT_LOAD segment of ${binary}`);
}
