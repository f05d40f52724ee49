// The location-expression evaluator: a resumable state machine in the shape of gimli's
// `Evaluation`. It knows nothing of processes. Whenever it needs something from outside — a
// register, a memory word, the frame base, the CFA, an entry value, a relocated address — it
// stops and says so; the caller answers with `resume(value)`. When the expression is done it
// returns the pieces of the value (in a register, in memory at an address, a computed value,
// implicit bytes, or nothing: optimized out).
//
// Values are generic: a live reader uses bigint (ConcreteDomain below); a code generator uses
// expression trees and answers "need register 5" with "the node that reads rdi".
import { ByteReader } from '../byte-reader';
import { DecodeError } from '../decode-error';
import { decodeOperation, type BinaryOperator, type Operation, type UnaryOperator } from './op';

/** How the evaluator computes on values of type V. */
export interface ValueDomain<V> {
  constant(value: bigint): V;
  /** The value as a constant if it is one (needed to take a branch). */
  asConstant(value: V): bigint | undefined;
  unary(operator: UnaryOperator, value: V): V;
  /** Arithmetic on address-sized values; comparisons give 1 or 0. */
  binary(operator: BinaryOperator, left: V, right: V): V;
}

export type PieceLocation<V> =
  | { kind: 'register'; register: number }
  | { kind: 'memory'; address: V }
  /** DW_OP_stack_value: the value itself, computed. */
  | { kind: 'value'; value: V }
  | { kind: 'implicit'; bytes: Uint8Array }
  /** A pointer that was optimized away, to the value of the variable at DIE `die`. */
  | { kind: 'implicitPointer'; die: number; byteOffset: bigint }
  /** No location: this part of the value is optimized out. */
  | { kind: 'empty' };

export interface Piece<V> {
  /** Size of this piece; undefined for a single-piece expression (the whole object). */
  sizeBits?: number;
  /** DW_OP_bit_piece: bits to skip at the start of the location. */
  offsetBits: number;
  location: PieceLocation<V>;
}

/** What the evaluator needs next, or its result. */
export type EvaluationStep<V> =
  | { kind: 'register'; register: number }
  | { kind: 'memory'; address: V; size: number }
  | { kind: 'frameBase' }
  | { kind: 'callFrameCfa' }
  /** The value `expression` (a location in the caller's terms, usually a register) had on function entry. */
  | { kind: 'entryValue'; expression: Uint8Array }
  /** A link-time address (DW_OP_addr / addrx) to be turned into a run-time one (add the load bias). */
  | { kind: 'relocate'; address: bigint }
  | { kind: 'complete'; pieces: Piece<V>[] };

export interface EvaluationOptions {
  addressSize?: number;
  offsetSize?: 4 | 8;
  /** Unit offset, to make DW_OP_const_type/regval_type references absolute. */
  unitOffset?: number;
  version?: number;
  /** Resolves DW_OP_addrx / DW_OP_constx through the unit's .debug_addr. */
  addressAt?: (index: number) => bigint;
  /** Where the expression's bytes are, for error messages. */
  section?: string;
  offset?: number;
  /** Maximum operations executed (loops made of DW_OP_skip/bra end here). Default 10000. */
  maxOperations?: number;
}

/** The expression cannot be evaluated: malformed, unsupported, or over the operation cap. */
export class EvaluationError extends DecodeError {
  constructor(section: string, offset: number, detail: string, readonly reason: 'malformed' | 'unsupported' | 'limit') {
    super(section, offset, detail);
    this.name = 'EvaluationError';
  }
}

type Pending =
  | { kind: 'none' }
  | { kind: 'push'; add?: bigint }
  | { kind: 'done' };

export class Evaluation<V> {
  private readonly r: ByteReader;
  private readonly stack: V[] = [];
  private readonly pieces: Piece<V>[] = [];
  private pending: Pending = { kind: 'none' };
  /** A location chosen by reg/stack_value/implicit ops, waiting for a piece op or the end. */
  private location?: PieceLocation<V>;
  private executed = 0;
  private readonly addressSize: number;
  private readonly maxOperations: number;

  constructor(readonly bytes: Uint8Array, readonly domain: ValueDomain<V>, private readonly options: EvaluationOptions = {}) {
    this.r = new ByteReader(bytes, options.section ?? 'expression', options.offset ?? 0);
    this.addressSize = options.addressSize ?? 8;
    this.maxOperations = options.maxOperations ?? 10000;
  }

  /** Pushes an initial value (DW_AT_data_member_location-style expressions start with one). */
  pushInitial(value: V): this {
    this.stack.push(value);
    return this;
  }

  /** Starts (or continues) evaluation. */
  evaluate(): EvaluationStep<V> {
    if (this.pending.kind === 'done') throw this.error('evaluation already complete', 'malformed');
    if (this.pending.kind !== 'none') throw this.error('evaluation is waiting for an answer; call resume()', 'malformed');
    return this.run();
  }

  /** Answers the last request (register value, memory value, frame base, CFA, entry value, relocated address). */
  resume(value: V): EvaluationStep<V> {
    const p = this.pending;
    if (p.kind !== 'push') throw this.error('resume() without a pending request', 'malformed');
    this.pending = { kind: 'none' };
    this.stack.push(p.add ? this.domain.binary('plus', value, this.domain.constant(p.add)) : value);
    return this.run();
  }

  private error(detail: string, reason: EvaluationError['reason'], at = this.r.offset): EvaluationError {
    return new EvaluationError(this.r.section, this.r.base + at, detail, reason);
  }

  private pop(): V {
    const v = this.stack.pop();
    if (v === undefined) throw this.error('expression stack underflow', 'malformed');
    return v;
  }

  private ask(step: Exclude<EvaluationStep<V>, { kind: 'complete' }>, add?: bigint): EvaluationStep<V> {
    this.pending = { kind: 'push', add: add === 0n ? undefined : add };
    return step;
  }

  private run(): EvaluationStep<V> {
    const d = this.domain;
    const r = this.r;
    while (!r.atEnd()) {
      if (++this.executed > this.maxOperations) throw this.error(`more than ${this.maxOperations} operations executed`, 'limit');
      const at = r.offset;
      let op: Operation;
      try {
        op = decodeOperation(r, this.addressSize, this.options.offsetSize ?? 4, this.options.unitOffset ?? 0, this.options.version ?? 5);
      } catch (e) {
        if (e instanceof DecodeError) throw this.error(e.detail, 'malformed', at);
        throw e;
      }
      if (this.location && op.kind !== 'piece') {
        throw this.error(`a ${this.location.kind} location must end the expression or a piece`, 'malformed', at);
      }
      switch (op.kind) {
        case 'address': return this.ask({ kind: 'relocate', address: op.address });
        case 'addressIndex': {
          if (!this.options.addressAt) throw this.error('DW_OP_addrx without a .debug_addr table', 'malformed', at);
          return this.ask({ kind: 'relocate', address: this.options.addressAt(op.index) });
        }
        case 'constantIndex': {
          if (!this.options.addressAt) throw this.error('DW_OP_constx without a .debug_addr table', 'malformed', at);
          this.stack.push(d.constant(this.options.addressAt(op.index)));
          break;
        }
        case 'literal': this.stack.push(d.constant(BigInt.asUintN(64, op.value))); break;
        case 'typedConstant': {
          let v = 0n;
          for (let i = op.bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(op.bytes[i]);
          this.stack.push(d.constant(BigInt.asUintN(64, v)));
          break;
        }
        case 'register': this.location = { kind: 'register', register: op.register }; break;
        case 'registerOffset': return this.ask({ kind: 'register', register: op.register }, op.offset);
        case 'registerValue': return this.ask({ kind: 'register', register: op.register });
        case 'frameOffset': return this.ask({ kind: 'frameBase' }, op.offset);
        case 'callFrameCfa': return this.ask({ kind: 'callFrameCfa' });
        case 'entryValue': return this.ask({ kind: 'entryValue', expression: op.expression });
        case 'deref': {
          if (op.size < 1 || op.size > 8) throw this.error(`dereference of ${op.size} bytes`, 'unsupported', at);
          return this.ask({ kind: 'memory', address: this.pop(), size: op.size });
        }
        case 'dup': { const v = this.pop(); this.stack.push(v, v); break; }
        case 'drop': this.pop(); break;
        case 'over': {
          if (this.stack.length < 2) throw this.error('expression stack underflow', 'malformed', at);
          this.stack.push(this.stack[this.stack.length - 2]);
          break;
        }
        case 'pick': {
          if (op.index >= this.stack.length) throw this.error(`DW_OP_pick ${op.index} beyond a stack of ${this.stack.length}`, 'malformed', at);
          this.stack.push(this.stack[this.stack.length - 1 - op.index]);
          break;
        }
        case 'swap': { const a = this.pop(); const b = this.pop(); this.stack.push(a, b); break; }
        case 'rot': { const a = this.pop(); const b = this.pop(); const c = this.pop(); this.stack.push(a, c, b); break; }
        case 'unary': this.stack.push(d.unary(op.operator, this.pop())); break;
        case 'binary': {
          const right = this.pop();
          const left = this.pop();
          if ((op.operator === 'div' || op.operator === 'mod') && d.asConstant(right) === 0n) throw this.error(`DW_OP_${op.operator} by zero`, 'malformed', at);
          this.stack.push(d.binary(op.operator, left, right));
          break;
        }
        case 'plusConstant': this.stack.push(d.binary('plus', this.pop(), d.constant(op.value))); break;
        case 'skip': this.jump(op.target, at); break;
        case 'branch': {
          const cond = d.asConstant(this.pop());
          if (cond === undefined) throw this.error('DW_OP_bra on a value only known at run time', 'unsupported', at);
          if (cond !== 0n) this.jump(op.target, at);
          break;
        }
        case 'convert': break; // integral conversions do not change the bits we carry
        case 'nop': break;
        case 'stackValue': this.location = { kind: 'value', value: this.pop() }; break;
        case 'implicitValue': this.location = { kind: 'implicit', bytes: op.bytes }; break;
        case 'implicitPointer': this.location = { kind: 'implicitPointer', die: op.die, byteOffset: op.byteOffset }; break;
        case 'piece': {
          let location = this.location;
          if (!location) location = this.stack.length ? { kind: 'memory', address: this.pop() } : { kind: 'empty' };
          this.pieces.push({ sizeBits: op.sizeBits, offsetBits: op.offsetBits, location });
          this.location = undefined;
          this.stack.length = 0;
          break;
        }
        case 'unsupported': throw this.error(`${op.name}: ${op.reason}`, 'unsupported', at);
      }
    }
    this.pending = { kind: 'done' };
    if (this.location || this.pieces.length === 0) {
      const location: PieceLocation<V> = this.location ?? (this.stack.length ? { kind: 'memory', address: this.pop() } : { kind: 'empty' });
      if (this.pieces.length === 0) return { kind: 'complete', pieces: [{ offsetBits: 0, location }] };
      this.pieces.push({ offsetBits: 0, location });
    }
    return { kind: 'complete', pieces: this.pieces };
  }

  private jump(target: number, at: number): void {
    if (target < 0 || target > this.bytes.length) throw this.error(`branch to ${target} outside the ${this.bytes.length}-byte expression`, 'malformed', at);
    this.r.seek(target);
  }
}

/** 64-bit two's-complement arithmetic on bigints, as a live reader computes. */
export const ConcreteDomain: ValueDomain<bigint> = {
  constant: (v) => BigInt.asUintN(64, v),
  asConstant: (v) => v,
  unary(operator, v) {
    const s = BigInt.asIntN(64, v);
    switch (operator) {
      case 'abs': return BigInt.asUintN(64, s < 0n ? -s : s);
      case 'neg': return BigInt.asUintN(64, -s);
      case 'not': return BigInt.asUintN(64, ~v);
    }
  },
  binary(operator, a, b) {
    const sa = BigInt.asIntN(64, a);
    const sb = BigInt.asIntN(64, b);
    const u = (x: bigint): bigint => BigInt.asUintN(64, x);
    switch (operator) {
      case 'plus': return u(a + b);
      case 'minus': return u(a - b);
      case 'mul': return u(a * b);
      case 'div': return u(sa / sb);
      case 'mod': return u(a % b);
      case 'and': return a & b;
      case 'or': return a | b;
      case 'xor': return a ^ b;
      case 'shl': return b >= 64n ? 0n : u(a << b);
      case 'shr': return b >= 64n ? 0n : a >> b;
      case 'shra': return u(sa >> (b >= 64n ? 63n : b));
      case 'eq': return sa === sb ? 1n : 0n;
      case 'ne': return sa !== sb ? 1n : 0n;
      case 'lt': return sa < sb ? 1n : 0n;
      case 'le': return sa <= sb ? 1n : 0n;
      case 'gt': return sa > sb ? 1n : 0n;
      case 'ge': return sa >= sb ? 1n : 0n;
    }
  },
};

/** Answers to an evaluator's requests, for drivers that can answer them all synchronously. */
export interface EvaluationAnswers<V> {
  register(register: number): V;
  memory(address: V, size: number): V;
  frameBase(): V;
  callFrameCfa(): V;
  entryValue(expression: Uint8Array): V;
  relocate(address: bigint): V;
}

/** Runs an evaluation to the end, answering each request from `answers`. */
export function evaluateWith<V>(evaluation: Evaluation<V>, answers: EvaluationAnswers<V>): Piece<V>[] {
  let step = evaluation.evaluate();
  for (;;) {
    switch (step.kind) {
      case 'complete': return step.pieces;
      case 'register': step = evaluation.resume(answers.register(step.register)); break;
      case 'memory': step = evaluation.resume(answers.memory(step.address, step.size)); break;
      case 'frameBase': step = evaluation.resume(answers.frameBase()); break;
      case 'callFrameCfa': step = evaluation.resume(answers.callFrameCfa()); break;
      case 'entryValue': step = evaluation.resume(answers.entryValue(step.expression)); break;
      case 'relocate': step = evaluation.resume(answers.relocate(step.address)); break;
    }
  }
}
