// An ELF64 little-endian file: header, section headers, program headers, and section contents
// read on demand (pread, cached), inflating SHF_COMPRESSED sections. Symbols, notes and the
// rest live in their own modules on top of this one.
import * as fs from 'node:fs';
import { ByteReader, stringAt } from './byte-reader';
import { DecodeError } from './decode-error';
import { ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD, EM_X86_64, SHF, SHT } from './elf-constants';

export interface ElfHeader {
  type: number;
  machine: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: bigint;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: bigint;
}

/** Where the bytes come from: a file read with pread, or bytes already in memory (tests). */
type ByteSource = { kind: 'file'; fd: number; size: number } | { kind: 'memory'; bytes: Uint8Array };

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: SectionHeader[];
  readonly programHeaders: ProgramHeader[];
  private readonly sectionCache = new Map<number, Uint8Array>();

  private constructor(
    readonly path: string,
    private readonly source: ByteSource,
  ) {
    const size = source.kind === 'file' ? source.size : source.bytes.length;
    const ident = this.read(0, Math.min(64, size), 'ELF header');
    if (ident.length < 16 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw new DecodeError('ELF header', 0, 'not an ELF file (bad magic)');
    }
    if (ident[4] !== 2) throw new DecodeError('ELF header', 4, 'only 64-bit ELF is supported');
    if (ident[5] !== 1) throw new DecodeError('ELF header', 5, 'only little-endian ELF is supported');
    if (ident.length < 64) throw new DecodeError('ELF header', ident.length, 'file ends inside the ELF header');
    const r = new ByteReader(ident, 'ELF header');
    r.seek(16);
    const type = r.u16();
    const machine = r.u16();
    r.u32(); // e_version
    const entry = r.u64();
    const phoff = r.u64Number();
    const shoff = r.u64Number();
    r.u32(); // e_flags
    r.u16(); // e_ehsize
    const phentsize = r.u16();
    const phnum = r.u16();
    const shentsize = r.u16();
    let shnum = r.u16();
    let shstrndx = r.u16();
    if (machine !== EM_X86_64) throw new DecodeError('ELF header', 18, `machine ${machine} is not x86-64`);
    // Extended numbering: counts that do not fit live in section header 0.
    if (shoff !== 0 && (shnum === 0 || shstrndx === 0xffff)) {
      const first = new ByteReader(this.read(shoff, 64, 'section headers'), 'section headers', shoff);
      first.seek(32);
      const s0size = first.u64Number();
      first.seek(40);
      const s0link = first.u32();
      if (shnum === 0) shnum = s0size;
      if (shstrndx === 0xffff) shstrndx = s0link;
    }
    this.header = { type, machine, entry, phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx };
    this.programHeaders = this.readProgramHeaders();
    this.sections = this.readSectionHeaders();
  }

  /** Opens an ELF file; throws DecodeError if it is not a readable ELF64 LE x86-64 file. */
  static open(path: string): ElfFile {
    const fd = fs.openSync(path, 'r');
    try {
      return new ElfFile(path, { kind: 'file', fd, size: fs.fstatSync(fd).size });
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  static fromBytes(bytes: Uint8Array, path = '<memory>'): ElfFile {
    return new ElfFile(path, { kind: 'memory', bytes });
  }

  close(): void {
    if (this.source.kind === 'file') fs.closeSync(this.source.fd);
  }

  get fileSize(): number {
    return this.source.kind === 'file' ? this.source.size : this.source.bytes.length;
  }

  /** `length` bytes at file offset `offset`; fails if the file is shorter (truncated). */
  read(offset: number, length: number, what: string): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.fileSize) {
      throw new DecodeError(what, offset, `needs bytes ${offset}..${offset + length} but the file has ${this.fileSize} (truncated?)`);
    }
    if (this.source.kind === 'memory') return this.source.bytes.subarray(offset, offset + length);
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.source.fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new DecodeError(what, offset + done, 'unexpected end of file');
      done += n;
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  }

  private readProgramHeaders(): ProgramHeader[] {
    const { phoff, phnum, phentsize } = this.header;
    if (phoff === 0 || phnum === 0) return [];
    const r = new ByteReader(this.read(phoff, phnum * phentsize, 'program headers'), 'program headers', phoff);
    const out: ProgramHeader[] = [];
    for (let i = 0; i < phnum; i++) {
      r.seek(i * phentsize);
      const type = r.u32();
      const flags = r.u32();
      const offset = r.u64Number();
      const vaddr = r.u64();
      const paddr = r.u64();
      const filesz = r.u64Number();
      const memsz = r.u64Number();
      const align = r.u64();
      out.push({ type, flags, offset, vaddr, paddr, filesz, memsz, align });
    }
    return out;
  }

  private readSectionHeaders(): SectionHeader[] {
    const { shoff, shnum, shentsize, shstrndx } = this.header;
    if (shoff === 0 || shnum === 0) return [];
    const r = new ByteReader(this.read(shoff, shnum * shentsize, 'section headers'), 'section headers', shoff);
    const raw: Array<Omit<SectionHeader, 'name'> & { nameOffset: number }> = [];
    for (let index = 0; index < shnum; index++) {
      r.seek(index * shentsize);
      const nameOffset = r.u32();
      const type = r.u32();
      const flags = r.u64();
      const addr = r.u64();
      const offset = r.u64Number();
      const size = r.u64Number();
      const link = r.u32();
      const info = r.u32();
      const addralign = r.u64();
      const entsize = r.u64Number();
      raw.push({ index, nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize });
    }
    const strtab = raw[shstrndx];
    const names = strtab && strtab.type !== SHT.SHT_NOBITS ? this.read(strtab.offset, strtab.size, 'section names') : new Uint8Array();
    return raw.map(({ nameOffset, ...s }) => ({ ...s, name: names.length ? stringAt(names, nameOffset, '.shstrtab') : '' }));
  }

  /** First section with this name. */
  section(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /**
   * Contents of a section (inflated if SHF_COMPRESSED), cached. NOBITS sections read as empty.
   * Accepts a header or a name; a missing name gives undefined.
   */
  sectionData(which: SectionHeader | string): Uint8Array | undefined {
    const s = typeof which === 'string' ? this.section(which) : which;
    if (!s) return undefined;
    const cached = this.sectionCache.get(s.index);
    if (cached) return cached;
    let data = s.type === SHT.SHT_NOBITS ? new Uint8Array() : this.read(s.offset, s.size, s.name);
    if (s.flags & BigInt(SHF.SHF_COMPRESSED)) data = inflateSection(s.name, data);
    this.sectionCache.set(s.index, data);
    return data;
  }
}

/** Decompresses an SHF_COMPRESSED section body (Elf64_Chdr then the compressed stream). */
function inflateSection(name: string, data: Uint8Array): Uint8Array {
  const r = new ByteReader(data, name);
  const chType = r.u32();
  r.u32(); // ch_reserved
  const chSize = r.u64Number();
  r.u64(); // ch_addralign
  const body = data.subarray(r.offset);
  let out: Buffer;
  try {
    // Loaded here: few binaries compress their sections, and node:zlib costs start-up.
    const zlib = require('node:zlib') as typeof import('node:zlib');
    if (chType === ELFCOMPRESS_ZLIB) out = zlib.inflateSync(body);
    else if (chType === ELFCOMPRESS_ZSTD && typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function') {
      out = (zlib as unknown as { zstdDecompressSync(b: Uint8Array): Buffer }).zstdDecompressSync(body);
    } else throw new DecodeError(name, 0, `compression type ${chType} is not supported (only zlib)`);
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(name, 24, `cannot inflate: ${(error as Error).message}`);
  }
  if (out.length !== chSize) throw new DecodeError(name, 8, `inflated to ${out.length} bytes, header says ${chSize}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
