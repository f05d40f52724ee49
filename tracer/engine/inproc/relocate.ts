// The instructions a jump patch replaces, rebuilt to run at the end of a trampoline exactly as
// they would have at the site: rip-relative operands re-aimed at the same data, relative
// branches re-targeted (rel32 forms: a trampoline is within 1 GiB of its module), a call pushing
// the original return address. What cannot be rebuilt that way is refused, with the reason.
import type { DisplacedInstruction } from './patch-site';

export class CannotRelocate extends Error {}

function i32(value: bigint, what: string): number[] {
  if (value < -(2n ** 31n) || value >= 2n ** 31n) throw new CannotRelocate(`${what} is more than 2 GiB from the trampoline`);
  const v = Number(BigInt.asUintN(32, value));
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
}

export function u64Bytes(value: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((BigInt.asUintN(64, value) >> (8n * i)) & 0xffn));
  return out;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * The replaced instructions (`code` holds the original bytes from the site on), rebuilt to start
 * at address `at`, followed by `jmp` back to the first byte after them. `site` is the original
 * address of code[0].
 */
export function relocateDisplaced(code: Uint8Array, displaced: DisplacedInstruction[], site: bigint, at: bigint): Uint8Array {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const out: number[] = [];
  const literals: Array<{ patchAt: number; value: bigint }> = [];
  const end = displaced.length ? displaced[displaced.length - 1].offset + displaced[displaced.length - 1].decoded.length : 0;
  const here = () => at + BigInt(out.length);
  for (const [i, { offset, decoded: d }] of displaced.entries()) {
    const original = site + BigInt(offset);
    const next = original + BigInt(d.length);
    const bytes = code.subarray(offset, offset + d.length);
    const last = i === displaced.length - 1;
    const rel = () => BigInt(d.relSize === 1 ? view.getInt8(offset + d.relOffset) : view.getInt32(offset + d.relOffset, true));
    switch (d.control) {
      case 'none': {
        const copy = [...bytes];
        if (d.ripDisplacementOffset >= 0) {
          const target = next + BigInt(view.getInt32(offset + d.ripDisplacementOffset, true));
          copy.splice(d.ripDisplacementOffset, 4, ...i32(target - (here() + BigInt(d.length)), 'the data a rip-relative operand addresses'));
        }
        out.push(...copy);
        break;
      }
      case 'jmp-rel':
        out.push(0xe9, ...i32(next + rel() - (here() + 5n), 'the jump target'));
        break;
      case 'jcc-rel':
        out.push(0x0f, 0x80 | d.condition, ...i32(next + rel() - (here() + 6n), 'the branch target'));
        break;
      case 'call-rel': {
        // the return address pushed must be the original one, outside the replaced bytes
        if (!last) throw new CannotRelocate(`a call (${hex(bytes)}) is followed by other replaced instructions, so its return address would point inside the jump`);
        literals.push({ patchAt: out.length + 2, value: next });
        out.push(0xff, 0x35, 0, 0, 0, 0); // push *lit(%rip)
        out.push(0xe9, ...i32(next + rel() - (here() + 5n), 'the call target'));
        break;
      }
      case 'loop-rel':
        throw new CannotRelocate(`a loop/jrcxz instruction (${hex(bytes)}) has only an 8-bit reach`);
      case 'call-indirect':
        throw new CannotRelocate(`an indirect call (${hex(bytes)}) would return into the trampoline`);
      case 'int3':
        throw new CannotRelocate('the instruction is a breakpoint (int3)');
    }
  }
  out.push(0xe9, ...i32(site + BigInt(end) - (here() + 5n), 'the return to the function'));
  for (const literal of literals) {
    const from = at + BigInt(literal.patchAt + 4); // the push is 6 bytes, its disp32 at +2
    const disp = i32(at + BigInt(out.length) - from, 'a literal');
    out.splice(literal.patchAt, 4, ...disp);
    out.push(...u64Bytes(literal.value));
  }
  return Uint8Array.from(out);
}
