// ELF constants with the spec's spellings (System V gABI, x86-64 psABI, <elf.h>).

export const SHT = {
  SHT_NULL: 0, SHT_PROGBITS: 1, SHT_SYMTAB: 2, SHT_STRTAB: 3, SHT_RELA: 4, SHT_HASH: 5,
  SHT_DYNAMIC: 6, SHT_NOTE: 7, SHT_NOBITS: 8, SHT_REL: 9, SHT_DYNSYM: 11,
  SHT_INIT_ARRAY: 14, SHT_FINI_ARRAY: 15, SHT_GNU_HASH: 0x6ffffff6, SHT_GNU_versym: 0x6fffffff,
} as const;

export const SHF = { SHF_WRITE: 0x1, SHF_ALLOC: 0x2, SHF_EXECINSTR: 0x4, SHF_COMPRESSED: 0x800 } as const;

export const PT = { PT_NULL: 0, PT_LOAD: 1, PT_DYNAMIC: 2, PT_INTERP: 3, PT_NOTE: 4, PT_PHDR: 6, PT_GNU_EH_FRAME: 0x6474e550 } as const;
export const PF = { PF_X: 1, PF_W: 2, PF_R: 4 } as const;

export const ET = { ET_NONE: 0, ET_REL: 1, ET_EXEC: 2, ET_DYN: 3, ET_CORE: 4 } as const;
export const EM_X86_64 = 62;
export const ELFCOMPRESS_ZLIB = 1;
export const ELFCOMPRESS_ZSTD = 2;

/** Reverse lookup for messages: name of a value in a constants table, or `PREFIX_unknown(0x..)`. */
export function constantName(table: Record<string, number>, value: number, prefix: string): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return `${prefix}_unknown(0x${value.toString(16)})`;
}
