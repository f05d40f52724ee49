// .gnu_debuglink: the file name of a separate debug file and the CRC-32 of its contents.
import * as fs from 'node:fs';
import { ByteReader } from './byte-reader';
import { crc32 } from './crc32';
import type { ElfFile } from './elf-file';

export interface DebugLink {
  /** The debug file's base name, e.g. "postgres.debug". */
  file: string;
  crc: number;
}

/** The .gnu_debuglink of `elf`, if any: a NUL-terminated name padded to 4 bytes, then the CRC. */
export function readDebugLink(elf: ElfFile): DebugLink | undefined {
  const data = elf.sectionData('.gnu_debuglink');
  if (!data || data.length === 0) return undefined;
  const r = new ByteReader(data, '.gnu_debuglink');
  const file = r.cstring();
  r.seek((r.offset + 3) & ~3);
  return { file, crc: r.u32() };
}

/** CRC-32 of a whole file, read in 1 MiB chunks. */
export function fileCrc32(path: string): number {
  const fd = fs.openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let crc = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n <= 0) break;
      crc = crc32(chunk.subarray(0, n), crc);
    }
    return crc;
  } finally {
    fs.closeSync(fd);
  }
}
