// Small builders for the machine-level IR that target lowering emits (long, reg, userRead,
// binary, compare), folding constants as they go so a location like `DW_OP_fbreg -20` under a
// CFA of `rsp + 8` becomes `rsp + -12`, not a tower of additions. Also the ValueDomain that lets
// the symbolizer's expression evaluator compute with these trees.
import type { BinaryOp, CompareOp, Expr, RegName, SourceLoc } from '../ir/ir';
import type { ValueDomain } from '../../symbolizer/dwarf/evaluation';
import type { BinaryOperator, UnaryOperator } from '../../symbolizer/dwarf/op';

export class ExprBuilder {
  constructor(readonly loc: SourceLoc) {}

  long(value: bigint): Expr {
    return { op: 'long', type: 'long', value: BigInt.asIntN(64, value), loc: this.loc };
  }

  reg(reg: RegName): Expr {
    return { op: 'reg', type: 'long', reg, loc: this.loc };
  }

  read(addr: Expr, size: 1 | 2 | 4 | 8, signed: boolean): Expr {
    return { op: 'userRead', type: 'long', addr, size, signed, loc: this.loc };
  }

  constantOf(e: Expr): bigint | undefined {
    return e.op === 'long' ? e.value : undefined;
  }

  binary(operator: BinaryOp, left: Expr, right: Expr): Expr {
    const a = this.constantOf(left);
    const b = this.constantOf(right);
    if (a !== undefined && b !== undefined) {
      const folded = foldBinary(operator, a, b);
      if (folded !== undefined) return this.long(folded);
    }
    if (b === 0n && (operator === '+' || operator === '-' || operator === '|' || operator === '^' || operator === '<<' || operator === '>>' || operator === '>>>')) return left;
    if (a === 0n && (operator === '+' || operator === '|' || operator === '^')) return right;
    if (b === 1n && (operator === '*' || operator === '/')) return left;
    // (x + c1) + c2 → x + (c1 + c2): keeps address arithmetic flat.
    if ((operator === '+' || operator === '-') && b !== undefined && left.op === 'binary' && left.operator === '+' && left.right.op === 'long') {
      const c = operator === '+' ? left.right.value + b : left.right.value - b;
      return this.binary('+', left.left, this.long(c));
    }
    if (operator === '-' && b !== undefined) return this.binary('+', left, this.long(-b));
    return { op: 'binary', type: 'long', operator, left, right, loc: this.loc };
  }

  add(left: Expr, right: Expr | bigint): Expr {
    return this.binary('+', left, typeof right === 'bigint' ? this.long(right) : right);
  }

  compare(operator: CompareOp, left: Expr, right: Expr): Expr {
    const a = this.constantOf(left);
    const b = this.constantOf(right);
    if (a !== undefined && b !== undefined) {
      const r = { '==': a === b, '!=': a !== b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b }[operator];
      return this.long(r ? 1n : 0n);
    }
    return { op: 'compare', type: 'long', operator, left, right, loc: this.loc };
  }

  /** Bits [bitOffset, bitOffset + bitSize) of a 64-bit value, zero- or sign-extended. */
  bits(value: Expr, bitOffset: number, bitSize: number, signed: boolean): Expr {
    if (bitOffset === 0 && bitSize >= 64) return value;
    if (signed) {
      // Move the field to the top, then shift it down arithmetically.
      const up = 64 - bitOffset - bitSize;
      return this.binary('>>', this.binary('<<', value, this.long(BigInt(up))), this.long(BigInt(64 - bitSize)));
    }
    const shifted = this.binary('>>>', value, this.long(BigInt(bitOffset)));
    return bitOffset + bitSize >= 64 ? shifted : this.binary('&', shifted, this.long((1n << BigInt(bitSize)) - 1n));
  }
}

function foldBinary(operator: BinaryOp, a: bigint, b: bigint): bigint | undefined {
  const u = (x: bigint): bigint => BigInt.asUintN(64, x);
  switch (operator) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0n ? undefined : a / b;
    case '%': return b === 0n ? undefined : a % b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<': return b < 0n || b >= 64n ? undefined : a << b;
    case '>>': return b < 0n || b >= 64n ? undefined : BigInt.asIntN(64, a) >> b;
    case '>>>': return b < 0n || b >= 64n ? undefined : u(a) >> b;
  }
}

const BINARY: Record<Exclude<BinaryOperator, 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'>, BinaryOp> = {
  plus: '+', minus: '-', mul: '*', div: '/', mod: '%', and: '&', or: '|', xor: '^', shl: '<<', shr: '>>>', shra: '>>',
};
const COMPARE: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', CompareOp> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** The evaluator's arithmetic over IR trees. */
export function exprDomain(b: ExprBuilder): ValueDomain<Expr> {
  return {
    constant: (v) => b.long(v),
    asConstant: (v) => b.constantOf(v),
    unary(operator: UnaryOperator, v: Expr): Expr {
      switch (operator) {
        case 'neg': return b.binary('-', b.long(0n), v);
        case 'not': return b.binary('^', v, b.long(-1n));
        case 'abs': {
          const c = b.constantOf(v);
          if (c !== undefined) return b.long(c < 0n ? -c : c);
          return { op: 'conditional', type: 'long', test: b.compare('<', v, b.long(0n)), then: b.binary('-', b.long(0n), v), else: v, loc: b.loc };
        }
      }
    },
    binary(operator: BinaryOperator, left: Expr, right: Expr): Expr {
      if (operator in COMPARE) return b.compare(COMPARE[operator as keyof typeof COMPARE], left, right);
      return b.binary(BINARY[operator as keyof typeof BINARY], left, right);
    },
  };
}
