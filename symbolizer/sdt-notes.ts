// SystemTap SDT markers (<sys/sdt.h>, DTrace-style USDT): one `stapsdt` note of type 3 per marker
// in `.note.stapsdt`, giving the marker's pc, the link-time address of `.stapsdt.base` when the
// note was written (a prelinked file moved since: the difference is added to every address), the
// semaphore (a 2-byte counter the program tests before computing a marker's arguments, 0 when
// the marker has none), provider, name and the argument string (`-4@%eax 8@-16(%rbp)`), which
// sdt-args.ts decodes. Only the notes are read: no debug information is needed.
import { ByteReader } from './byte-reader';
import type { ElfFile } from './elf-file';
import { parseNotes } from './notes';

/** The note type of a stapsdt note (sys/sdt.h: _SDT_NOTE_TYPE). */
export const NT_STAPSDT = 3;

export interface SdtMarker {
  provider: string;
  name: string;
  /** Link-time address of the marker's nop, adjusted for .stapsdt.base. */
  pc: bigint;
  /** Link-time address of the marker's semaphore (unsigned short), undefined without one. */
  semaphore?: bigint;
  /** The argument string as the note holds it, e.g. `-4@%eax 8@-16(%rbp)`. */
  args: string;
}

/** Every SDT marker of `elf`, in note order. */
export function readSdtMarkers(elf: ElfFile): SdtMarker[] {
  const section = elf.section('.note.stapsdt');
  const notes = section ? parseNotes(elf.sectionData(section)!, section.name, Number(section.addralign)).filter((n) => n.owner === 'stapsdt') : [];
  if (!notes.length) return [];
  // prelink moves a file after link time without rewriting the notes; .stapsdt.base moves with it.
  const baseSection = elf.section('.stapsdt.base');
  const out: SdtMarker[] = [];
  for (const note of notes) {
    if (note.type !== NT_STAPSDT) continue;
    const r = new ByteReader(note.desc, '.note.stapsdt');
    const pc = r.u64();
    const base = r.u64();
    const semaphore = r.u64();
    const provider = r.cstring();
    const name = r.cstring();
    const args = r.atEnd() ? '' : r.cstring();
    const delta = baseSection && base ? baseSection.addr - base : 0n;
    out.push({ provider, name, pc: pc + delta, ...(semaphore !== 0n && { semaphore: semaphore + delta }), args: args.trim() });
  }
  return out;
}
