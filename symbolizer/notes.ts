// ELF notes (SHT_NOTE sections, or PT_NOTE segments when a file has no section headers) and the
// GNU build-id, the identity by which debug files and utap's caches find a binary.
import { ByteReader } from './byte-reader';
import type { ElfFile } from './elf-file';
import { NT_GNU, PT, SHT } from './elf-constants';

export interface ElfNote {
  /** Owner, e.g. "GNU". */
  owner: string;
  type: number;
  desc: Uint8Array;
}

/** Notes of one note section or segment body; entries are padded to `align` (4, or 8 for some GNU notes). */
export function parseNotes(data: Uint8Array, where: string, align = 4): ElfNote[] {
  const pad = align === 8 ? 8 : 4;
  const up = (n: number) => (n + pad - 1) & ~(pad - 1);
  const r = new ByteReader(data, where);
  const out: ElfNote[] = [];
  while (r.remaining >= 12) {
    const namesz = r.u32();
    const descsz = r.u32();
    const type = r.u32();
    const nameStart = r.offset;
    const nameBytes = r.bytesView(namesz);
    r.seek(Math.min(nameStart + up(namesz), r.length));
    const descStart = r.offset;
    const desc = r.bytesView(descsz);
    r.seek(Math.min(descStart + up(descsz), r.length));
    const end = nameBytes.indexOf(0);
    out.push({ owner: Buffer.from(end < 0 ? nameBytes : nameBytes.subarray(0, end)).toString('latin1'), type, desc });
  }
  return out;
}

/** Every note of the file: from its note sections, else from its PT_NOTE segments. */
export function readNotes(elf: ElfFile): ElfNote[] {
  const sections = elf.sections.filter((s) => s.type === SHT.SHT_NOTE);
  if (sections.length) return sections.flatMap((s) => parseNotes(elf.sectionData(s)!, s.name, Number(s.addralign)));
  return elf.programHeaders
    .filter((p) => p.type === PT.PT_NOTE)
    .flatMap((p) => parseNotes(elf.read(p.offset, p.filesz, 'PT_NOTE'), 'PT_NOTE', Number(p.align)));
}

/** The GNU build-id as lowercase hex, or undefined when the file has none. */
export function readBuildId(elf: ElfFile): string | undefined {
  // The build-id note has its own section in every GNU-linked file; look there first (cheap).
  const section = elf.section('.note.gnu.build-id');
  const notes = section ? parseNotes(elf.sectionData(section)!, section.name, Number(section.addralign)) : readNotes(elf);
  const note = notes.find((n) => n.owner === 'GNU' && n.type === NT_GNU.NT_GNU_BUILD_ID);
  return note && note.desc.length ? Buffer.from(note.desc).toString('hex') : undefined;
}
