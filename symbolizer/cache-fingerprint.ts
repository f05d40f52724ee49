// What a symbol cache entry was made from, by content. A build-id names a build, but nothing
// stops two different files from carrying the same one (a linker given --build-id=0x..., a binary
// patched after linking, a planted file), and an entry made from the other file would move
// probes. So each entry records the bytes its value was computed from (their SHA-256 when there
// are more than 64 kB), and is used only when the file at hand gives the same.
//
// Not the whole file: .text and .rodata (most of a binary) never reach a cached value. Covered are
// the ELF header, the program and section header tables (every address and offset), the section
// names and
// - for `symbols`: the symbol, string, relocation, version, dynamic and note sections and the PLT
//   stubs — everything SymbolTable.fromElf and the debug-file search read;
// - for `dwarf`: the .debug_* sections (compressed or not) and their relocations.
// Measured on this machine: libc.so.6's symbol part is 119 kB of its 1.9 MB and hashes in ~0.3 ms
// (after ~2.8 ms loading node:crypto); a small program's (counter: 7 kB with the headers) is kept
// whole. test/symbolizer/cache-fingerprint.test.ts flips single bytes in real files.
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

/**
 * Up to this many bytes, the fingerprint is the bytes themselves (base64): compared exactly, and
 * without node:crypto, whose loading (~2.8 ms here) would cost more than parsing a small file.
 */
const RAW_LIMIT = 64 << 10;

const memo = new WeakMap<ElfFile, Map<FingerprintPart, string>>();

/** [offset, length, what] of every byte range `part` of `elf` is computed from. */
function ranges(elf: ElfFile, part: FingerprintPart): Array<[number, number, string]> {
  const { phoff, phnum, phentsize, shoff, shnum, shentsize } = elf.header;
  const out: Array<[number, number, string]> = [[0, Math.min(64, elf.fileSize), 'ELF header']];
  if (phoff) out.push([phoff, phnum * phentsize, 'program headers']);
  if (shoff) out.push([shoff, shnum * shentsize, 'section headers']);
  for (const s of elf.sections) if (wanted(elf, part, s)) out.push([s.offset, s.size, s.name]);
  return out;
}

/**
 * What `part` of `elf` is computed from, as a string to compare (memoized per open file): the
 * bytes themselves when few (`raw:` base64), else their SHA-256 (`sha256:` hex). Section
 * boundaries are in the section headers, which are part of it.
 */
export function contentFingerprint(elf: ElfFile, part: FingerprintPart): string {
  let parts = memo.get(elf);
  if (!parts) memo.set(elf, (parts = new Map()));
  const known = parts.get(part);
  if (known) return known;
  const pieces = ranges(elf, part);
  const total = pieces.reduce((sum, [, length]) => sum + length, 0);
  let fingerprint: string;
  if (total <= RAW_LIMIT) {
    fingerprint = `raw:${Buffer.concat(pieces.map(([offset, length, what]) => elf.read(offset, length, what))).toString('base64')}`;
  } else {
    // Loaded here, not at start, and only for big inputs: node:crypto costs ~2.8 ms.
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const hash = createHash('sha256');
    for (const [offset, length, what] of pieces) {
      for (let done = 0; done < length; done += CHUNK) hash.update(elf.read(offset + done, Math.min(CHUNK, length - done), what));
    }
    fingerprint = `sha256:${hash.digest('hex')}`;
  }
  parts.set(part, fingerprint);
  return fingerprint;
}
