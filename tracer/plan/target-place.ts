// Where a target value lives once its DWARF location has been evaluated for one pc — in memory
// at an address expression, in a register, computed, implicit bytes, or split into pieces — and
// how to read any run of its bits as an IR expression. Members, array elements and bitfields are
// bit ranges of such a place.
import type { Expr, RegName } from '../ir/ir';
import { describeRegister, registerName } from '../../symbolizer/dwarf/registers';
import type { Piece } from '../../symbolizer/dwarf/evaluation';
import type { ExprBuilder } from './target-exprs';

export type Place =
  | { kind: 'memory'; address: Expr }
  | { kind: 'register'; reg: RegName }
  | { kind: 'value'; value: Expr }
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: Array<{ place: Place; sizeBits: number; offsetBits: number }> }
  /** Not readable: `why` completes "the value ..." (e.g. "is optimized out here"). */
  | { kind: 'unavailable'; why: string };

/** A failure to lower that the caller turns into a UtapError at the script location. */
export class LoweringProblem extends Error {
  constructor(message: string, readonly status: 1 | 2) {
    super(message);
    this.name = 'LoweringProblem';
  }
}

/** The place the evaluator's pieces describe. */
export function placeOfPieces(pieces: Piece<Expr>[]): Place {
  const one = (p: Piece<Expr>): Place => {
    const loc = p.location;
    switch (loc.kind) {
      case 'memory': return { kind: 'memory', address: loc.address };
      case 'register': {
        const reg = registerName(loc.register);
        return reg ? { kind: 'register', reg } : { kind: 'unavailable', why: `is in ${describeRegister(loc.register)}, which utap cannot read` };
      }
      case 'value': return { kind: 'value', value: loc.value };
      case 'implicit': return { kind: 'implicit', bytes: loc.bytes };
      case 'implicitPointer': return { kind: 'unavailable', why: 'is a pointer the compiler optimized away (DW_OP_implicit_pointer)' };
      case 'empty': return { kind: 'unavailable', why: 'is optimized out here' };
    }
  };
  if (pieces.length === 1 && pieces[0].sizeBits === undefined) return one(pieces[0]);
  return { kind: 'pieces', pieces: pieces.map((p) => ({ place: one(p), sizeBits: p.sizeBits ?? 64, offsetBits: p.offsetBits })) };
}

const SIZES = [1, 2, 4, 8] as const;

/** The IR reading bits [bitOffset, bitOffset + bitSize) of `place`, zero- or sign-extended to 64. */
export function readBits(b: ExprBuilder, place: Place, bitOffset: number, bitSize: number, signed: boolean): Expr {
  if (bitSize > 64) throw new LoweringProblem(`a value of ${bitSize} bits does not fit a script long`, 1);
  switch (place.kind) {
    case 'memory': {
      if (bitOffset % 8 === 0 && (bitSize === 8 || bitSize === 16 || bitSize === 32 || bitSize === 64)) {
        return b.read(b.add(place.address, BigInt(bitOffset / 8)), (bitSize / 8) as 1 | 2 | 4 | 8, signed);
      }
      const start = Math.floor(bitOffset / 8);
      const shift = bitOffset % 8;
      const size = SIZES.find((s) => s * 8 >= shift + bitSize);
      if (!size) throw new LoweringProblem(`a bitfield spanning ${shift + bitSize} bits cannot be read`, 1);
      return b.bits(b.read(b.add(place.address, BigInt(start)), size, false), shift, bitSize, signed);
    }
    case 'register':
      if (bitOffset + bitSize > 64) throw new LoweringProblem(`bits ${bitOffset}..${bitOffset + bitSize} lie outside register ${place.reg}`, 2);
      return b.bits(b.reg(place.reg), bitOffset, bitSize, signed);
    case 'value':
      if (bitOffset + bitSize > 64) throw new LoweringProblem('a computed value has only 64 bits', 2);
      return b.bits(place.value, bitOffset, bitSize, signed);
    case 'implicit': {
      let v = 0n;
      for (let i = place.bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(place.bytes[i]);
      let field = (v >> BigInt(bitOffset)) & ((1n << BigInt(bitSize)) - 1n);
      if (signed && bitSize < 64 && field & (1n << BigInt(bitSize - 1))) field -= 1n << BigInt(bitSize);
      return b.long(field);
    }
    case 'pieces': {
      let position = 0;
      let result: Expr | undefined;
      for (const piece of place.pieces) {
        const start = Math.max(position, bitOffset);
        const end = Math.min(position + piece.sizeBits, bitOffset + bitSize);
        if (start < end) {
          const part = readBits(b, piece.place, piece.offsetBits + (start - position), end - start, false);
          const shifted = b.binary('<<', part, b.long(BigInt(start - bitOffset)));
          result = result ? b.binary('|', result, shifted) : shifted;
        }
        position += piece.sizeBits;
      }
      if (!result) throw new LoweringProblem('the value is only partly described by its location (no piece covers it)', 2);
      return signed && bitSize < 64 ? b.bits(result, 0, bitSize, true) : result;
    }
    case 'unavailable':
      throw new LoweringProblem(`the value ${place.why}`, 2);
  }
}

/** The place of bits [bitOffset, ...) of `place` as a place of its own, when that is simple. */
export function offsetPlace(b: ExprBuilder, place: Place, bitOffset: number): { place: Place; bitOffset: number } {
  if (place.kind === 'memory' && bitOffset >= 8) {
    const bytes = Math.floor(bitOffset / 8);
    return { place: { kind: 'memory', address: b.add(place.address, BigInt(bytes)) }, bitOffset: bitOffset - bytes * 8 };
  }
  return { place, bitOffset };
}
