// Script values as JavaScript source: long literals, string literals, the zero of a type, and
// the calls of long.ts's arithmetic the generated code makes for each binary operator.
import type { BinaryOp } from '../../ir/ir';
import * as L from '../long';

export function longLiteral(value: bigint | number): string {
  const v = L.toLong(value);
  const text = typeof v === 'bigint' ? `${v}n` : String(v);
  return v < 0 ? `(${text})` : text;
}

/** A literal as the C string SystemTap makes of it: "a\0b" is "a". */
export function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

export function zeroOf(type: string): string {
  return type === 'string' ? '""' : '0';
}

const BINARY_FN: Record<BinaryOp, string> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'divz', '%': 'modz', '<<': 'shl', '>>': 'shr', '>>>': 'ushr', '&': 'and', '|': 'or', '^': 'xor',
};

/**
 * `left op right` on longs; division and modulo take the location their "division by 0" names
 * (asked for only then: naming a location adds it to the module's table).
 */
export function binaryCall(op: BinaryOp, left: string, right: string, loc: () => string): string {
  const fn = BINARY_FN[op];
  if (op === '/' || op === '%') return `${fn}(${left}, ${right}, ${loc()})`;
  return `${fn}(${left}, ${right})`;
}
