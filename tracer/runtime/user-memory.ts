// Reading and writing the target's memory through a ProbeContext, turning a MemoryFault into
// the script's runtime error at the node's location.
import type { SourceLoc } from '../ir/ir';
import { fromBytesLE, toBytesLE, toUnsigned, type Long } from './long';
import { MemoryFault, type ProbeContext } from './probe-context';
import { fromBytes } from './script-string';
import { MESSAGES, NoThreadError, ScriptRuntimeError } from './runtime-error';

const PAGE_SIZE = 4096;
const PAGE_MASK = 4095n;

function address(value: Long): bigint {
  return toUnsigned(value);
}

function rethrow(error: unknown, message: string, loc: SourceLoc): never {
  if (error instanceof MemoryFault) throw new ScriptRuntimeError(message, loc);
  if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
  throw error;
}

/** `size` bytes at `addr`, zero- or sign-extended. */
export function readUser(ctx: ProbeContext, addr: Long, size: 1 | 2 | 4 | 8, signed: boolean, loc: SourceLoc): Long {
  const at = address(addr);
  let bytes: Uint8Array;
  try {
    bytes = ctx.readMemory(at, size);
  } catch (error) {
    rethrow(error, MESSAGES.readFault(at, size), loc);
  }
  if (bytes.length < size) throw new ScriptRuntimeError(MESSAGES.readFault(at, size), loc);
  return fromBytesLE(bytes, size, signed);
}

/**
 * The NUL-terminated string at `addr`, at most `maxBytes` bytes. Reads page by page, so a string
 * that ends just before an unmapped page is read without a fault, as the kernel's
 * strncpy_from_user does.
 */
export function readUserString(ctx: ProbeContext, addr: Long, maxBytes: number, loc: SourceLoc): string {
  const start = address(addr);
  let text = '';
  let at = start;
  try {
    while (text.length < maxBytes) {
      const toPageEnd = PAGE_SIZE - Number(at & PAGE_MASK);
      const want = Math.min(toPageEnd, maxBytes - text.length);
      const bytes = ctx.readMemory(at, want);
      if (bytes.length === 0) throw new MemoryFault(at, want);
      const nul = bytes.indexOf(0);
      const end = nul === -1 ? bytes.length : nul;
      text += fromBytes(bytes, end);
      if (nul !== -1) break;
      at += BigInt(bytes.length);
    }
  } catch (error) {
    rethrow(error, MESSAGES.userStringFault(start), loc);
  }
  return text;
}

/** Guru mode: stores the low `size` bytes of `value` at `addr`. */
export function writeUser(ctx: ProbeContext, addr: Long, value: Long, size: 1 | 2 | 4 | 8, loc: SourceLoc): void {
  const at = address(addr);
  try {
    ctx.writeMemory(at, toBytesLE(value, size));
  } catch (error) {
    rethrow(error, MESSAGES.writeFault(at, size), loc);
  }
}
