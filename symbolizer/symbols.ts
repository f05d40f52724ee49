// ELF symbol tables (.symtab, .dynsym): every Elf64_Sym with its name, value, size, binding,
// type, visibility, section index and — for dynamic symbols — its GNU version.
import { stringAt } from './byte-reader';
import { DecodeError } from './decode-error';
import type { ElfFile, SectionHeader } from './elf-file';
import { SHN, SHT, STT } from './elf-constants';
import { readDynamicSymbolVersions } from './symbol-versions';

export interface ElfSymbol {
  /** Index in its table (0 is the null symbol, which is never returned). */
  index: number;
  name: string;
  value: bigint;
  size: number;
  /** STB_* */
  binding: number;
  /** STT_* */
  type: number;
  /** STV_* */
  visibility: number;
  /** st_shndx: a section index, or SHN_UNDEF (an import), SHN_ABS, SHN_COMMON. */
  section: number;
  /** Dynamic symbols only: the GNU version name, e.g. GLIBC_2.2.5. */
  version?: string;
  /** The version is not the default (`name@VER`) — or it is required from another file. */
  versionHidden?: boolean;
}

export type SymbolTableName = '.symtab' | '.dynsym';

const SYM_SIZE = 24;
const SHT_SYMTAB_SHNDX = 18;

/** The symbols of `.symtab` or `.dynsym` (undefined when the file has no such table). */
export function readSymbols(elf: ElfFile, table: SymbolTableName): ElfSymbol[] | undefined {
  const type = table === '.symtab' ? SHT.SHT_SYMTAB : SHT.SHT_DYNSYM;
  const section = elf.sections.find((s) => s.type === type);
  if (!section) return undefined;
  const data = elf.sectionData(section)!;
  if (section.entsize !== 0 && section.entsize !== SYM_SIZE) throw new DecodeError(section.name, 0, `symbol entry size ${section.entsize}, expected ${SYM_SIZE}`);
  const strtabHeader = elf.sections[section.link];
  if (!strtabHeader || strtabHeader.type !== SHT.SHT_STRTAB) throw new DecodeError(section.name, 0, `sh_link ${section.link} is not a string table`);
  const strings = elf.sectionData(strtabHeader)!;
  const extended = extendedIndexes(elf, section);
  const versions = table === '.dynsym' ? readDynamicSymbolVersions(elf) : undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = Math.floor(data.length / SYM_SIZE);
  const out: ElfSymbol[] = [];
  const stringTableName = strtabHeader.name || 'string table';
  for (let index = 1; index < count; index++) {
    const at = index * SYM_SIZE;
    const nameOffset = view.getUint32(at, true);
    const info = data[at + 4];
    const other = data[at + 5];
    let shndx = view.getUint16(at + 6, true);
    if (shndx === SHN.SHN_XINDEX && extended) shndx = extended.getUint32(index * 4, true);
    const size = view.getBigUint64(at + 16, true);
    const symbol: ElfSymbol = {
      index,
      name: nameOffset === 0 ? '' : stringAt(strings, nameOffset, stringTableName),
      value: view.getBigUint64(at + 8, true),
      size: size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size),
      binding: info >> 4,
      type: info & 0xf,
      visibility: other & 3,
      section: shndx,
    };
    const version = versions?.[index];
    if (version) {
      symbol.version = version.name;
      symbol.versionHidden = version.hidden || shndx === SHN.SHN_UNDEF;
    }
    out.push(symbol);
  }
  return out;
}

/** SHT_SYMTAB_SHNDX: full section indexes for symbols whose st_shndx is SHN_XINDEX. */
function extendedIndexes(elf: ElfFile, symtab: SectionHeader): DataView | undefined {
  const section = elf.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
  const data = section && elf.sectionData(section);
  return data ? new DataView(data.buffer, data.byteOffset, data.byteLength) : undefined;
}

/** The name as nm -D prints it: `malloc@@GLIBC_2.2.5`, `memcpy@GLIBC_2.2.5`, or the bare name. */
export function versionedName(symbol: ElfSymbol): string {
  // A version definition's own marker symbol (`GLIBC_2.10`, SHN_ABS) is printed bare.
  if (!symbol.version || (symbol.version === symbol.name && symbol.section === SHN.SHN_ABS)) return symbol.name;
  return `${symbol.name}${symbol.versionHidden ? '@' : '@@'}${symbol.version}`;
}

/** Defined code: a function or an indirect function (IFUNC resolver) with an address in a section. */
export function isFunctionSymbol(symbol: ElfSymbol): boolean {
  return (symbol.type === STT.STT_FUNC || symbol.type === STT.STT_GNU_IFUNC) && isDefined(symbol);
}

export function isDefined(symbol: ElfSymbol): boolean {
  return symbol.section !== SHN.SHN_UNDEF && symbol.section !== SHN.SHN_COMMON;
}
