// ELF constants with the spec's spellings (System V gABI, x86-64 psABI, <elf.h>).

export const SHT = {
  SHT_NULL: 0, SHT_PROGBITS: 1, SHT_SYMTAB: 2, SHT_STRTAB: 3, SHT_RELA: 4, SHT_HASH: 5,
  SHT_DYNAMIC: 6, SHT_NOTE: 7, SHT_NOBITS: 8, SHT_REL: 9, SHT_DYNSYM: 11,
  SHT_INIT_ARRAY: 14, SHT_FINI_ARRAY: 15, SHT_GNU_HASH: 0x6ffffff6, SHT_GNU_verdef: 0x6ffffffd,
  SHT_GNU_verneed: 0x6ffffffe, SHT_GNU_versym: 0x6fffffff,
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

/** Symbol binding (st_info >> 4). */
export const STB = { STB_LOCAL: 0, STB_GLOBAL: 1, STB_WEAK: 2, STB_GNU_UNIQUE: 10 } as const;
/** Symbol type (st_info & 0xf). */
export const STT = {
  STT_NOTYPE: 0, STT_OBJECT: 1, STT_FUNC: 2, STT_SECTION: 3, STT_FILE: 4, STT_COMMON: 5, STT_TLS: 6,
  STT_GNU_IFUNC: 10,
} as const;
/** Symbol visibility (st_other & 3). */
export const STV = { STV_DEFAULT: 0, STV_INTERNAL: 1, STV_HIDDEN: 2, STV_PROTECTED: 3 } as const;
/** Special section indexes. */
export const SHN = { SHN_UNDEF: 0, SHN_LORESERVE: 0xff00, SHN_ABS: 0xfff1, SHN_COMMON: 0xfff2, SHN_XINDEX: 0xffff } as const;

/** Symbol version indexes in .gnu.version (versym). */
export const VER_NDX = { VER_NDX_LOCAL: 0, VER_NDX_GLOBAL: 1 } as const;
/** versym bit marking a non-default (hidden) version: `name@VER` rather than `name@@VER`. */
export const VERSYM_HIDDEN = 0x8000;
export const VER_FLG_BASE = 0x1;

/** .dynamic tags utap reads. */
export const DT = {
  DT_NULL: 0, DT_NEEDED: 1, DT_PLTRELSZ: 2, DT_STRTAB: 5, DT_SYMTAB: 6, DT_RELA: 7, DT_STRSZ: 10,
  DT_SONAME: 14, DT_RPATH: 15, DT_JMPREL: 23, DT_RUNPATH: 29, DT_FLAGS_1: 0x6ffffffb,
} as const;
/** DT_FLAGS_1 bit of position-independent executables. */
export const DF_1_PIE = 0x08000000;

/** x86-64 relocation types found in .rela.plt / .rela.dyn. */
export const R_X86_64 = {
  R_X86_64_NONE: 0, R_X86_64_64: 1, R_X86_64_COPY: 5, R_X86_64_GLOB_DAT: 6, R_X86_64_JUMP_SLOT: 7,
  R_X86_64_RELATIVE: 8, R_X86_64_IRELATIVE: 37,
} as const;

/** Note types of the "GNU" owner. */
export const NT_GNU = { NT_GNU_ABI_TAG: 1, NT_GNU_HWCAP: 2, NT_GNU_BUILD_ID: 3, NT_GNU_GOLD_VERSION: 4, NT_GNU_PROPERTY_TYPE_0: 5 } as const;
