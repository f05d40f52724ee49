// Whether a probe site can take a 5-byte `jmp rel32` to a trampoline, decided from the bytes of
// the whole function (read from the file, never from memory that may hold our own patches):
// the jump replaces every instruction that starts in its 5 bytes, so
//   - no branch of the function may land inside the replaced bytes (except on their first byte,
//     where the jump itself is),
//   - each replaced instruction must run correctly from the trampoline (relocate.ts decides),
//   - and the replaced bytes must lie inside the function.
// A site that fails any of these is placed as a breakpoint instead; the reason says why (-v).
// Indirect branches (switch tables) are not followed: at a function's entry a table never
// targets the prologue's first bytes; a site inside a function with an indirect jump is refused.
import { decodeInstruction, DecodeFailure, type DecodedInstruction } from '../ptrace/x86-decode';

/** Bytes of `jmp rel32`. */
export const JUMP_SIZE = 5;

export interface DisplacedInstruction {
  /** Offset from the site. */
  offset: number;
  decoded: DecodedInstruction;
}

export type PatchAnalysis =
  | { ok: true; displaced: DisplacedInstruction[]; /** bytes the jump replaces (whole instructions) */ length: number }
  | { ok: false; reason: string };

function refuse(reason: string): PatchAnalysis {
  return { ok: false, reason };
}

function relativeTarget(code: Uint8Array, at: number, d: DecodedInstruction): number {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const rel = d.relSize === 1 ? view.getInt8(at + d.relOffset) : view.getInt32(at + d.relOffset, true);
  return at + d.length + rel;
}

/** An indirect jmp (ff /4, ff /5): its targets are not in the code. */
function isIndirectJump(code: Uint8Array, at: number, d: DecodedInstruction): boolean {
  if (d.modrmOffset < 0 || code[at + d.opcodeOffset] !== 0xff) return false;
  const reg = (code[at + d.modrmOffset] >> 3) & 7;
  return reg === 4 || reg === 5;
}

/**
 * Analyses the site at `siteOffset` inside `fn`, the bytes of the function that holds it (its
 * symbol's extent). Offsets are relative to the function's start.
 */
export function analysePatchSite(fn: Uint8Array, siteOffset: number): PatchAnalysis {
  if (fn.length < JUMP_SIZE) return refuse(`the function is ${fn.length} bytes long, shorter than the ${JUMP_SIZE}-byte jump`);
  if (siteOffset + JUMP_SIZE > fn.length) return refuse(`the site is ${fn.length - siteOffset} bytes before the function's end, fewer than the ${JUMP_SIZE}-byte jump`);
  // Decode the whole function, collecting instruction starts and relative branch targets.
  const starts = new Set<number>();
  const targets: Array<{ from: number; to: number }> = [];
  let indirectJump = -1;
  for (let at = 0; at < fn.length; ) {
    let d: DecodedInstruction;
    try {
      d = decodeInstruction(fn, at);
    } catch (error) {
      if (error instanceof DecodeFailure) {
        // bytes that do not decode may hide a branch into the site: refuse
        return refuse(`the function does not decode at +0x${at.toString(16)} (${error.message})`);
      }
      throw error;
    }
    starts.add(at);
    if (d.relSize > 0) targets.push({ from: at, to: relativeTarget(fn, at, d) });
    if (indirectJump < 0 && isIndirectJump(fn, at, d)) indirectJump = at;
    at += d.length;
  }
  if (!starts.has(siteOffset)) return refuse(`the site +0x${siteOffset.toString(16)} is not at an instruction boundary of the function`);
  if (siteOffset !== 0 && indirectJump >= 0) return refuse(`the function has an indirect jump (at +0x${indirectJump.toString(16)}) whose targets cannot be known, and the site is not its entry`);
  // The instructions the jump replaces.
  const displaced: DisplacedInstruction[] = [];
  let length = 0;
  while (length < JUMP_SIZE) {
    const d = decodeInstruction(fn, siteOffset + length);
    displaced.push({ offset: length, decoded: d });
    length += d.length;
  }
  for (const t of targets) {
    if (t.to > siteOffset && t.to < siteOffset + length) {
      return refuse(`a branch at +0x${t.from.toString(16)} targets +0x${t.to.toString(16)}, inside the ${length} bytes the jump replaces`);
    }
  }
  return { ok: true, displaced, length };
}
