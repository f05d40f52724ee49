// RELA relocation sections (.rela.plt, .rela.dyn) as plain data.
import { DecodeError } from './decode-error';
import type { ElfFile, SectionHeader } from './elf-file';
import { SHT } from './elf-constants';

export interface Relocation {
  /** r_offset: the address the relocation patches (a GOT slot for JUMP_SLOT / GLOB_DAT). */
  offset: bigint;
  /** R_X86_64_* */
  type: number;
  /** Index into the symbol table named by the section's sh_link (0: none). */
  symbol: number;
  addend: bigint;
}

const RELA_SIZE = 24;

export function readRelocations(elf: ElfFile, section: SectionHeader): Relocation[] {
  if (section.type !== SHT.SHT_RELA) throw new DecodeError(section.name, 0, 'not a RELA section');
  const data = elf.sectionData(section)!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Relocation[] = [];
  for (let at = 0; at + RELA_SIZE <= data.length; at += RELA_SIZE) {
    const info = view.getBigUint64(at + 8, true);
    out.push({ offset: view.getBigUint64(at, true), type: Number(info & 0xffffffffn), symbol: Number(info >> 32n), addend: view.getBigInt64(at + 16, true) });
  }
  return out;
}
