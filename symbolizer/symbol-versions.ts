// GNU symbol versioning (.gnu.version, .gnu.version_d, .gnu.version_r): which version each
// dynamic symbol carries, as nm -D and readelf show it (`malloc@@GLIBC_2.2.5` for the default
// version of a definition, `memcpy@GLIBC_2.2.5` for a hidden one or an import).
import { ByteReader, stringAt } from './byte-reader';
import type { ElfFile, SectionHeader } from './elf-file';
import { SHT, VER_NDX, VERSYM_HIDDEN } from './elf-constants';

export interface SymbolVersion {
  name: string;
  /** Not the default version (versym bit 15), or a version required from another file: nm prints one `@`. */
  hidden: boolean;
}

/** A version index's name, and whether it is required from another file (vs defined here). */
export interface VersionName {
  name: string;
  required: boolean;
}

/** Names of version indexes, from the definitions and the requirements of one file. */
export function readVersionNames(elf: ElfFile): Map<number, VersionName> {
  const names = new Map<number, VersionName>();
  for (const section of elf.sections) {
    if (section.type === SHT.SHT_GNU_verdef) readDefinitions(elf, section, names);
    else if (section.type === SHT.SHT_GNU_verneed) readRequirements(elf, section, names);
  }
  return names;
}

function linkedStrings(elf: ElfFile, section: SectionHeader): Uint8Array {
  const strtab = elf.sections[section.link];
  return (strtab && elf.sectionData(strtab)) ?? new Uint8Array();
}

/** Elf64_Verdef chain: vd_ndx names the version; its first Elf64_Verdaux holds the name. */
function readDefinitions(elf: ElfFile, section: SectionHeader, names: Map<number, VersionName>): void {
  const data = elf.sectionData(section)!;
  const strings = linkedStrings(elf, section);
  const r = new ByteReader(data, section.name);
  let at = 0;
  for (let guard = 0; guard < 65536; guard++) {
    r.seek(at);
    r.u16(); // vd_version
    r.u16(); // vd_flags
    const ndx = r.u16();
    const cnt = r.u16();
    r.u32(); // vd_hash
    const aux = r.u32();
    const next = r.u32();
    if (cnt > 0) {
      r.seek(at + aux);
      names.set(ndx, { name: stringAt(strings, r.u32(), section.name), required: false });
    }
    if (next === 0) break;
    at += next;
  }
}

/** Elf64_Verneed chain: each Elf64_Vernaux's vna_other is a version index used by imports. */
function readRequirements(elf: ElfFile, section: SectionHeader, names: Map<number, VersionName>): void {
  const data = elf.sectionData(section)!;
  const strings = linkedStrings(elf, section);
  const r = new ByteReader(data, section.name);
  let at = 0;
  for (let guard = 0; guard < 65536; guard++) {
    r.seek(at);
    r.u16(); // vn_version
    const cnt = r.u16();
    r.u32(); // vn_file
    const aux = r.u32();
    const next = r.u32();
    let auxAt = at + aux;
    for (let i = 0; i < cnt; i++) {
      r.seek(auxAt);
      r.u32(); // vna_hash
      r.u16(); // vna_flags
      const other = r.u16();
      const name = r.u32();
      const auxNext = r.u32();
      names.set(other, { name: stringAt(strings, name, section.name), required: true });
      if (auxNext === 0) break;
      auxAt += auxNext;
    }
    if (next === 0) break;
    at += next;
  }
}

/**
 * The version of each entry of .dynsym (by symbol index), or undefined when the file has no
 * .gnu.version. Local and global indexes (0, 1) carry no version.
 */
export function readDynamicSymbolVersions(elf: ElfFile): Array<SymbolVersion | undefined> | undefined {
  const versym = elf.sections.find((s) => s.type === SHT.SHT_GNU_versym);
  if (!versym) return undefined;
  const data = elf.sectionData(versym)!;
  const names = readVersionNames(elf);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Array<SymbolVersion | undefined> = [];
  for (let i = 0; i + 2 <= data.length; i += 2) {
    const raw = view.getUint16(i, true);
    const index = raw & ~VERSYM_HIDDEN;
    if (index === VER_NDX.VER_NDX_LOCAL || index === VER_NDX.VER_NDX_GLOBAL) {
      out.push(undefined);
      continue;
    }
    const version = names.get(index);
    // readelf and nm print `name@VER` for a hidden version and for one required from another
    // file (even when the symbol is defined here, as a copy-relocated `stdout` is).
    out.push(version === undefined ? undefined : { name: version.name, hidden: (raw & VERSYM_HIDDEN) !== 0 || version.required });
  }
  return out;
}
