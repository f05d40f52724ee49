// Builds the out-of-line copy of an instruction displaced by a breakpoint, so a hit costs one
// stop: the tracer points rip at the copy and continues; the copy ends by jumping back. The
// copy must behave as the original would at its original address, so rip-relative operands are
// re-aimed and relative branches become absolute jumps through 8-byte literals in the slot.
import { decodeInstruction, type DecodedInstruction } from './x86-decode';

/** Bytes one displaced instruction may occupy in a code area. */
export const SLOT_SIZE = 32;

/**
 * Set rip to the slot and continue; the slot returns to the original code by itself. Nothing is
 * single-stepped: a thread stepped when utap dies would keep trapping after every system call.
 */
export type DisplacedPlan = { mode: 'jump'; bytes: Uint8Array };

export class CannotDisplace extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CannotDisplace';
  }
}

const JMP_ABS = [0xff, 0x25, 0, 0, 0, 0]; // jmp *0(%rip); the 8-byte target follows

function u64(value: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((value >> (8n * i)) & 0xffn));
  return out;
}

function i32(value: bigint): number[] {
  if (value < -(2n ** 31n) || value >= 2n ** 31n) throw new CannotDisplace('code area is more than 2 GiB from the probed instruction');
  return u64(BigInt.asUintN(32, value)).slice(0, 4);
}

function readRelative(bytes: Uint8Array, d: DecodedInstruction): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return BigInt(d.relSize === 1 ? view.getInt8(d.relOffset) : view.getInt32(d.relOffset, true));
}

function jumpAbsolute(target: bigint): number[] {
  return [...JMP_ABS, ...u64(target)];
}

/** The original instruction with a rip-relative displacement re-aimed from `slot`. */
function relocatedCopy(original: Uint8Array, d: DecodedInstruction, address: bigint, slot: bigint): number[] {
  const copy = [...original.subarray(0, d.length)];
  if (d.ripDisplacementOffset >= 0) {
    const view = new DataView(original.buffer, original.byteOffset, original.byteLength);
    const displacement = BigInt(view.getInt32(d.ripDisplacementOffset, true));
    const target = address + BigInt(d.length) + displacement;
    const moved = target - (slot + BigInt(d.length));
    copy.splice(d.ripDisplacementOffset, 4, ...i32(moved));
  }
  return copy;
}

/**
 * Plans the displaced execution of the instruction starting at `original[0]` (read from the
 * binary, not from memory holding our int3), located at `address` in the process, for a slot
 * at `slot`. Throws CannotDisplace when the instruction cannot run elsewhere.
 */
export function planDisplaced(original: Uint8Array, address: bigint, slot: bigint): DisplacedPlan {
  const d = decodeInstruction(original);
  const next = address + BigInt(d.length);
  let bytes: number[];
  switch (d.control) {
    case 'int3':
      throw new CannotDisplace('the instruction is itself a breakpoint (int3)');
    case 'none':
      bytes = [...relocatedCopy(original, d, address, slot), ...jumpAbsolute(next)];
      break;
    case 'jmp-rel':
      bytes = jumpAbsolute(next + readRelative(original, d));
      break;
    case 'call-rel': {
      // push *6(%rip) (the original return address); jmp *8(%rip) (the callee); two literals
      const target = next + readRelative(original, d);
      bytes = [0xff, 0x35, 6, 0, 0, 0, 0xff, 0x25, 8, 0, 0, 0, ...u64(next), ...u64(target)];
      break;
    }
    case 'jcc-rel':
    case 'loop-rel': {
      // jcc/loop +14 over "jmp fall-through"; then "jmp target"
      const target = next + readRelative(original, d);
      // (a loop/jrcxz keeps its prefixes and opcode; a jcc becomes its short form)
      const head = d.control === 'jcc-rel' ? [0x70 | d.condition, 14] : [...original.subarray(0, d.relOffset), 14];
      bytes = [...head, ...jumpAbsolute(next), ...jumpAbsolute(target)];
      break;
    }
    case 'call-indirect': {
      // push *L(%rip) (the original return address, a literal after the jump); then the same
      // operand as a jump (ff /2 → ff /4), re-aimed from where the jump sits in the slot
      if (d.usesStackPointer) throw new CannotDisplace('an indirect call through the stack pointer cannot run out of line');
      const modrm = original[d.modrmOffset];
      if (((modrm >> 3) & 7) !== 2) throw new CannotDisplace('a far indirect call cannot run out of line');
      const asJump = Uint8Array.from(original);
      asJump[d.modrmOffset] = (modrm & ~0x38) | (4 << 3);
      const jump = relocatedCopy(asJump, d, address, slot + 6n);
      bytes = [0xff, 0x35, ...i32(BigInt(jump.length)), ...jump, ...u64(next)];
      break;
    }
  }
  if (bytes.length > SLOT_SIZE) throw new CannotDisplace(`out-of-line copy needs ${bytes.length} bytes`);
  return { mode: 'jump', bytes: Uint8Array.from(bytes) };
}
