// Reads a script or tapset file with a bound: at most MAX_SCRIPT_BYTES, read in chunks, so
// /dev/zero, a FIFO that never ends or a file that keeps growing cannot make utap's memory grow
// without end. The bound is far above any real script (SystemTap's whole tapset library is
// ~2 MB over hundreds of files; its largest file is ~100 KB) and keeps every pass of a script
// at the limit within seconds (measured: 1 MiB scripts of 45k probes, 52k statements in one
// handler or 24k chained functions compile and run in 1.5-4 s, under 400 MB).
import * as fs from 'node:fs';
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';

export const MAX_SCRIPT_BYTES = 1 << 20;

const CHUNK = 64 * 1024;

/** The text of `file`, refused in one sentence when it cannot be read or is larger than MAX_SCRIPT_BYTES. */
export function readSourceFile(file: string, encoding: BufferEncoding, what = 'script file'): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw unreadable(file, what, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new UtapError(`cannot read ${what} '${file}': it is a directory.`, EXIT_SCRIPT_ERROR);
    if (stat.isFile() && stat.size > MAX_SCRIPT_BYTES) throw tooLarge(file, what);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, CHUNK, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw unreadable(file, what, error);
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_SCRIPT_BYTES) throw tooLarge(file, what);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString(encoding);
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses -e text over the same bound. */
export function checkSourceText(text: string, name: string): void {
  if (Buffer.byteLength(text) > MAX_SCRIPT_BYTES) throw new UtapError(`the script ${name} is larger than ${MAX_SCRIPT_BYTES} bytes (1 MiB), the most utap reads; split it into tapset files (-I DIR).`, EXIT_SCRIPT_ERROR);
}

function tooLarge(file: string, what: string): UtapError {
  return new UtapError(`${what} '${file}' is larger than ${MAX_SCRIPT_BYTES} bytes (1 MiB), the most utap reads; is it the right file? A larger script can be split into tapset files (-I DIR).`, EXIT_SCRIPT_ERROR);
}

function unreadable(file: string, what: string, error: unknown): UtapError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code ?? (error as Error).message;
  return new UtapError(`cannot read ${what} '${file}': ${why}.`, EXIT_SCRIPT_ERROR);
}
