import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConcreteDomain, Evaluation, EvaluationError, evaluateWith, type EvaluationAnswers, type Piece } from '../../../symbolizer/dwarf/evaluation';
import { DW_OP } from '../../../symbolizer/dwarf/op-constants';

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const expr = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());

/** A little machine: registers by DWARF number, 8-byte words of memory, a frame base and CFA. */
const machine = (over: Partial<EvaluationAnswers<bigint>> = {}): EvaluationAnswers<bigint> & { asked: string[] } => {
  const asked: string[] = [];
  const regs: Record<number, bigint> = { 5: 0x1000n, 7: 0x7ff0n, 6: 0x7ff8n };
  const memory: Record<string, bigint> = { '4096': 0x1122334455667788n, '32752': 0xdeadbeefn };
  return {
    asked,
    register: (n) => { asked.push(`reg${n}`); return regs[n] ?? 0n; },
    memory: (a, size) => {
      asked.push(`mem${a}/${size}`);
      const word = memory[a.toString()] ?? 0n;
      return size === 8 ? word : word & ((1n << BigInt(size * 8)) - 1n);
    },
    frameBase: () => { asked.push('fb'); return 0x8000n; },
    callFrameCfa: () => { asked.push('cfa'); return 0x9000n; },
    entryValue: () => { asked.push('entry'); return 77n; },
    relocate: (a) => { asked.push('reloc'); return a + 0x555500000000n; },
    ...over,
  };
};
const run = (bytes: Uint8Array, m = machine()): Piece<bigint>[] => evaluateWith(new Evaluation(bytes, ConcreteDomain), m);

test('DW_OP_reg5 names a register location without asking for its value', () => {
  const m = machine();
  assert.equal(run(expr(DW_OP.DW_OP_reg5), m), [{ offsetBits: 0, location: { kind: 'register', register: 5 } }]);
  assert.equal(m.asked, []);
});

test('DW_OP_regx, DW_OP_breg7 -8, DW_OP_bregx', () => {
  assert.equal(run(expr(DW_OP.DW_OP_regx, uleb(17)))[0].location, { kind: 'register', register: 17 });
  assert.equal(run(expr(DW_OP.DW_OP_breg7, sleb(-8)))[0].location, { kind: 'memory', address: 0x7ff0n - 8n });
  assert.equal(run(expr(DW_OP.DW_OP_bregx, uleb(6), sleb(16)))[0].location, { kind: 'memory', address: 0x7ff8n + 16n });
});

test('DW_OP_fbreg asks for the frame base; call_frame_cfa for the CFA', () => {
  const m = machine();
  assert.equal(run(expr(DW_OP.DW_OP_fbreg, sleb(-20)), m)[0].location, { kind: 'memory', address: 0x8000n - 20n });
  assert.equal(run(expr(DW_OP.DW_OP_call_frame_cfa), m)[0].location, { kind: 'memory', address: 0x9000n });
  assert.equal(m.asked, ['fb', 'cfa']);
});

test('the evaluator is resumable: each request waits for its answer', () => {
  const ev = new Evaluation(expr(DW_OP.DW_OP_breg5, sleb(0), DW_OP.DW_OP_deref, DW_OP.DW_OP_lit4, DW_OP.DW_OP_plus, DW_OP.DW_OP_stack_value), ConcreteDomain);
  let step = ev.evaluate();
  assert.equal(step, { kind: 'register', register: 5 });
  assert.throws(() => ev.evaluate(), (e: unknown) => e instanceof EvaluationError);
  step = ev.resume(0x1000n);
  assert.equal(step, { kind: 'memory', address: 0x1000n, size: 8 });
  step = ev.resume(40n);
  assert.equal(step, { kind: 'complete', pieces: [{ offsetBits: 0, location: { kind: 'value', value: 44n } }] });
});

test('literals, constants and arithmetic with 64-bit wrap-around', () => {
  const value = (bytes: Uint8Array) => {
    const loc = run(bytes)[0].location;
    assert.is(loc.kind, 'value');
    return (loc as { value: bigint }).value;
  };
  assert.is(value(expr(DW_OP.DW_OP_lit31, DW_OP.DW_OP_stack_value)), 31n);
  assert.is(value(expr(DW_OP.DW_OP_const1s, 0xff, DW_OP.DW_OP_stack_value)), 0xffffffffffffffffn);
  assert.is(value(expr(DW_OP.DW_OP_const2u, 0x34, 0x12, DW_OP.DW_OP_stack_value)), 0x1234n);
  assert.is(value(expr(DW_OP.DW_OP_const4s, 0xfe, 0xff, 0xff, 0xff, DW_OP.DW_OP_stack_value)), BigInt.asUintN(64, -2n));
  assert.is(value(expr(DW_OP.DW_OP_const8u, [1, 0, 0, 0, 0, 0, 0, 0x80], DW_OP.DW_OP_stack_value)), 0x8000000000000001n);
  assert.is(value(expr(DW_OP.DW_OP_consts, sleb(-100), DW_OP.DW_OP_lit3, DW_OP.DW_OP_div, DW_OP.DW_OP_stack_value)), BigInt.asUintN(64, -33n));
  assert.is(value(expr(DW_OP.DW_OP_constu, uleb(300), DW_OP.DW_OP_lit7, DW_OP.DW_OP_mod, DW_OP.DW_OP_stack_value)), 6n);
  assert.is(value(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit2, DW_OP.DW_OP_minus, DW_OP.DW_OP_stack_value)), 0xffffffffffffffffn);
  assert.is(value(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_neg, DW_OP.DW_OP_abs, DW_OP.DW_OP_stack_value)), 1n);
  assert.is(value(expr(DW_OP.DW_OP_lit0, DW_OP.DW_OP_not, DW_OP.DW_OP_lit4, DW_OP.DW_OP_shr, DW_OP.DW_OP_stack_value)), 0x0fffffffffffffffn);
  assert.is(value(expr(DW_OP.DW_OP_lit0, DW_OP.DW_OP_not, DW_OP.DW_OP_lit4, DW_OP.DW_OP_shra, DW_OP.DW_OP_stack_value)), 0xffffffffffffffffn);
  assert.is(value(expr(DW_OP.DW_OP_lit3, DW_OP.DW_OP_lit5, DW_OP.DW_OP_shl, DW_OP.DW_OP_lit6, DW_OP.DW_OP_or, DW_OP.DW_OP_lit15, DW_OP.DW_OP_and, DW_OP.DW_OP_lit1, DW_OP.DW_OP_xor, DW_OP.DW_OP_stack_value)), 7n);
  assert.is(value(expr(DW_OP.DW_OP_lit6, DW_OP.DW_OP_lit7, DW_OP.DW_OP_mul, DW_OP.DW_OP_plus_uconst, uleb(100), DW_OP.DW_OP_stack_value)), 142n);
  assert.is(value(expr(DW_OP.DW_OP_lit2, DW_OP.DW_OP_lit3, DW_OP.DW_OP_lt, DW_OP.DW_OP_lit2, DW_OP.DW_OP_lit3, DW_OP.DW_OP_ge, DW_OP.DW_OP_plus, DW_OP.DW_OP_stack_value)), 1n);
});

test('stack operations: dup, drop, over, pick, swap, rot', () => {
  const top = (bytes: Uint8Array) => (run(bytes)[0].location as { value: bigint }).value;
  assert.is(top(expr(DW_OP.DW_OP_lit5, DW_OP.DW_OP_dup, DW_OP.DW_OP_plus, DW_OP.DW_OP_stack_value)), 10n);
  assert.is(top(expr(DW_OP.DW_OP_lit5, DW_OP.DW_OP_lit6, DW_OP.DW_OP_drop, DW_OP.DW_OP_stack_value)), 5n);
  assert.is(top(expr(DW_OP.DW_OP_lit5, DW_OP.DW_OP_lit6, DW_OP.DW_OP_over, DW_OP.DW_OP_stack_value)), 5n);
  assert.is(top(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit2, DW_OP.DW_OP_lit3, DW_OP.DW_OP_pick, 2, DW_OP.DW_OP_stack_value)), 1n);
  assert.is(top(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit2, DW_OP.DW_OP_swap, DW_OP.DW_OP_minus, DW_OP.DW_OP_stack_value)), 1n);
  // rot: (1 2 3) → (3 1 2): top is 2.
  assert.is(top(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit2, DW_OP.DW_OP_lit3, DW_OP.DW_OP_rot, DW_OP.DW_OP_stack_value)), 2n);
  assert.is(top(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit2, DW_OP.DW_OP_lit3, DW_OP.DW_OP_rot, DW_OP.DW_OP_drop, DW_OP.DW_OP_drop, DW_OP.DW_OP_stack_value)), 3n);
});

test('deref and deref_size read through the caller', () => {
  const m = machine();
  assert.equal(run(expr(DW_OP.DW_OP_breg5, sleb(0), DW_OP.DW_OP_deref_size, 4, DW_OP.DW_OP_stack_value), m)[0].location, { kind: 'value', value: 0x55667788n });
  assert.equal(m.asked, ['reg5', 'mem4096/4']);
});

test('branches: bra taken and not taken, skip, and a loop stopped by the operation cap', () => {
  const top = (bytes: Uint8Array) => (run(bytes)[0].location as { value: bigint }).value;
  // lit1; bra +1 (over lit7); lit9; stack_value → 9 when taken
  assert.is(top(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_bra, 1, 0, DW_OP.DW_OP_lit7, DW_OP.DW_OP_lit9, DW_OP.DW_OP_stack_value)), 9n);
  // lit0; bra +1 → not taken: lit7, lit9 → top 9, below 7
  assert.is(top(expr(DW_OP.DW_OP_lit0, DW_OP.DW_OP_bra, 1, 0, DW_OP.DW_OP_lit7, DW_OP.DW_OP_drop, DW_OP.DW_OP_lit9, DW_OP.DW_OP_stack_value)), 9n);
  assert.is(top(expr(DW_OP.DW_OP_skip, 1, 0, DW_OP.DW_OP_lit7, DW_OP.DW_OP_lit3, DW_OP.DW_OP_stack_value)), 3n);
  const loop = expr(DW_OP.DW_OP_skip, 0xfd, 0xff);
  assert.throws(() => evaluateWith(new Evaluation(loop, ConcreteDomain, { maxOperations: 50 }), machine()), (e: unknown) => e instanceof EvaluationError && e.reason === 'limit');
});

test('pieces: registers and memory, bit_piece, and an empty piece (optimized out part)', () => {
  const pieces = run(expr(DW_OP.DW_OP_reg0, DW_OP.DW_OP_piece, uleb(4), DW_OP.DW_OP_breg7, sleb(8), DW_OP.DW_OP_piece, uleb(4), DW_OP.DW_OP_piece, uleb(8), DW_OP.DW_OP_reg1, DW_OP.DW_OP_bit_piece, uleb(3), uleb(5)));
  assert.equal(pieces, [
    { sizeBits: 32, offsetBits: 0, location: { kind: 'register', register: 0 } },
    { sizeBits: 32, offsetBits: 0, location: { kind: 'memory', address: 0x7ff8n } },
    { sizeBits: 64, offsetBits: 0, location: { kind: 'empty' } },
    { sizeBits: 3, offsetBits: 5, location: { kind: 'register', register: 1 } },
  ]);
});

test('stack_value, implicit_value, implicit_pointer, and the empty expression', () => {
  assert.equal(run(expr(DW_OP.DW_OP_implicit_value, 3, 1, 2, 3))[0].location, { kind: 'implicit', bytes: new Uint8Array([1, 2, 3]) });
  assert.equal(run(expr(DW_OP.DW_OP_implicit_pointer, [0x40, 0, 0, 0], sleb(4)))[0].location, { kind: 'implicitPointer', die: 0x40, byteOffset: 4n });
  assert.equal(run(expr())[0].location, { kind: 'empty' });
  assert.throws(() => run(expr(DW_OP.DW_OP_reg0, DW_OP.DW_OP_lit1)), (e: unknown) => e instanceof EvaluationError && e.reason === 'malformed');
});

test('entry_value and GNU_entry_value ask the caller; addr asks for relocation; addrx/constx use .debug_addr', () => {
  const m = machine();
  assert.equal(run(expr(DW_OP.DW_OP_entry_value, 1, DW_OP.DW_OP_reg5, DW_OP.DW_OP_stack_value), m)[0].location, { kind: 'value', value: 77n });
  assert.equal(run(expr(DW_OP.DW_OP_GNU_entry_value, 1, DW_OP.DW_OP_reg5, DW_OP.DW_OP_stack_value), m)[0].location, { kind: 'value', value: 77n });
  assert.equal(run(expr(DW_OP.DW_OP_addr, [0x10, 0x40, 0, 0, 0, 0, 0, 0]), m)[0].location, { kind: 'memory', address: 0x555500004010n });
  const table = (i: number): bigint => [0x2000n, 0x3000n][i];
  const withAddr = (bytes: Uint8Array) => evaluateWith(new Evaluation(bytes, ConcreteDomain, { addressAt: table }), machine())[0].location;
  assert.equal(withAddr(expr(DW_OP.DW_OP_addrx, uleb(1))), { kind: 'memory', address: 0x555500003000n });
  assert.equal(withAddr(expr(DW_OP.DW_OP_constx, uleb(0), DW_OP.DW_OP_stack_value)), { kind: 'value', value: 0x2000n });
});

test('unsupported and malformed expressions fail with a reason', () => {
  const reason = (bytes: Uint8Array) => {
    try {
      run(bytes);
    } catch (e) {
      assert.instance(e, EvaluationError);
      return [(e as EvaluationError).reason, (e as EvaluationError).detail];
    }
    return undefined;
  };
  const tls = reason(expr(DW_OP.DW_OP_const8u, [0, 0, 0, 0, 0, 0, 0, 0], DW_OP.DW_OP_GNU_push_tls_address));
  assert.equal(tls?.[0], 'unsupported');
  assert.match(String(tls?.[1]), /thread-local/);
  assert.equal(reason(expr(DW_OP.DW_OP_plus))?.[0], 'malformed');
  assert.equal(reason(expr(0xe5))?.[0], 'malformed');
  assert.equal(reason(expr(DW_OP.DW_OP_lit1, DW_OP.DW_OP_lit0, DW_OP.DW_OP_div))?.[0], 'malformed');
  assert.equal(reason(expr(DW_OP.DW_OP_const4u, 1, 2))?.[0], 'malformed');
});

test('a symbolic domain: the same evaluator builds expressions instead of numbers', () => {
  type Sym = string;
  const domain = {
    constant: (v: bigint): Sym => v.toString(),
    asConstant: (v: Sym) => (/^\d+$/.test(v) ? BigInt(v) : undefined),
    unary: (op: string, v: Sym): Sym => `${op}(${v})`,
    binary: (op: string, a: Sym, b: Sym): Sym => `(${a} ${op} ${b})`,
  };
  const pieces = evaluateWith(new Evaluation(expr(DW_OP.DW_OP_fbreg, sleb(-24), DW_OP.DW_OP_deref, DW_OP.DW_OP_plus_uconst, uleb(8)), domain), {
    register: (n) => `reg${n}`,
    memory: (a, size) => `[${a}]${size}`,
    frameBase: () => '(rsp + 8)',
    callFrameCfa: () => 'cfa',
    entryValue: () => 'entry',
    relocate: (a) => `reloc(${a})`,
  });
  assert.equal(pieces[0].location, { kind: 'memory', address: '([((rsp + 8) plus -24)]8 plus 8)' });
});

test.run();
