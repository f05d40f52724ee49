// What a symbol cache entry was made from, by content. A build-id names a build, but nothing
// stops two different files from carrying the same one (a linker given --build-id=0x..., a binary
// patched after linking, a planted file), and an entry made from the other file would move
// probes. So each entry records the SHA-256 of the bytes its value was computed from, and is used
// only when the file at hand hashes the same.
//
// Not the whole file: .text and .rodata (most of a binary) never reach a cached value. Hashed are
// the ELF header, the program and section header tables (every address and offset), the section
// names and
// - for `symbols`: the symbol, string, relocation, version, dynamic and note sections and the PLT
//   stubs — everything SymbolTable.fromElf and the debug-file search read;
// - for `dwarf`: the .debug_* sections (compressed or not) and their relocations.
// Measured on this machine: libc.so.6's symbol part is 168 kB of its 1.9 MB and hashes in ~0.3 ms.
import type { ElfFile, SectionHeader } from './elf-file';
import { SHT } from './elf-constants';

export type FingerprintPart = 'symbols' | 'dwarf';

const SHT_SYMTAB_SHNDX = 18;

const SYMBOL_TYPES = new Set<number>([
  SHT.SHT_SYMTAB,
  SHT.SHT_DYNSYM,
  SHT.SHT_STRTAB,
  SHT_SYMTAB_SHNDX,
  SHT.SHT_RELA,
  SHT.SHT_REL,
  SHT.SHT_DYNAMIC,
  SHT.SHT_NOTE,
  SHT.SHT_GNU_versym,
  SHT.SHT_GNU_verdef,
  SHT.SHT_GNU_verneed,
]);
const SYMBOL_NAMES = new Set(['.plt', '.plt.sec', '.plt.got', '.gnu_debuglink', '.gnu_debugaltlink']);

function wanted(elf: ElfFile, part: FingerprintPart, s: SectionHeader): boolean {
  if (s.type === SHT.SHT_NOBITS) return false;
  if (s.index === elf.header.shstrndx) return true; // the section names
  if (part === 'symbols') return SYMBOL_TYPES.has(s.type) || SYMBOL_NAMES.has(s.name);
  return /^\.(z?debug_|rela?\.debug_)/.test(s.name);
}

/** Bytes read at a time, so a 100 MB .debug_info is not held twice. */
const CHUNK = 4 << 20;

const memo = new WeakMap<ElfFile, Map<FingerprintPart, string>>();

/** The hex SHA-256 of what `part` of `elf` is computed from (memoized per open file). */
export function contentFingerprint(elf: ElfFile, part: FingerprintPart): string {
  let parts = memo.get(elf);
  if (!parts) memo.set(elf, (parts = new Map()));
  const known = parts.get(part);
  if (known) return known;
  // Loaded here, not at start: node:crypto costs ~3 ms, paid only by a run that uses the cache.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha256');
  const add = (offset: number, length: number, what: string): void => {
    for (let done = 0; done < length; done += CHUNK) hash.update(elf.read(offset + done, Math.min(CHUNK, length - done), what));
  };
  const { phoff, phnum, phentsize, shoff, shnum, shentsize } = elf.header;
  hash.update(`${part}\0`);
  add(0, Math.min(64, elf.fileSize), 'ELF header');
  if (phoff) add(phoff, phnum * phentsize, 'program headers');
  if (shoff) add(shoff, shnum * shentsize, 'section headers');
  for (const s of elf.sections) {
    if (!wanted(elf, part, s)) continue;
    hash.update(`\0${s.index}\0`);
    add(s.offset, s.size, s.name);
  }
  const digest = hash.digest('hex');
  parts.set(part, digest);
  return digest;
}
