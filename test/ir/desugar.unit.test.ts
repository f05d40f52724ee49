// The shared desugaring pass (tracer/ir/desugar.ts): the shapes it produces, that it is
// idempotent, and — run through the real front end, planner and userspace runtime — that the
// rewritten scripts still compute what SystemTap computes (postfix values, wrap-around, shift
// counts modulo 64).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desugarExpr, desugarProgram } from '../../tracer/ir/desugar';
import type { Expr } from '../../tracer/ir/ir';
import { compileScript } from '../../tracer/lang/compile';
import { assign, bin, incdec, L, lit, local, reg } from '../support/ir-builder';
import { runProgram } from '../support/run-plan';

/** An expression as compact text, for shape assertions. */
function show(e: Expr): string {
  switch (e.op) {
    case 'long':
      return String(e.value);
    case 'local':
      return `v${e.slot}`;
    case 'reg':
      return e.reg;
    case 'global':
      return `g${e.global}`;
    case 'binary':
      return `(${show(e.left)} ${e.operator} ${show(e.right)})`;
    case 'unary':
      return `${e.operator}${show(e.operand)}`;
    case 'assign': {
      const t = e.target;
      const target = t.kind === 'local' ? `v${t.slot}` : t.kind === 'global' ? `g${t.global}` : t.kind === 'element' ? `g${t.global}[${t.keys.map(show).join(', ')}]` : t.kind;
      return `(${target} ${e.operator} ${show(e.value)})`;
    }
    case 'incdec':
      return e.prefix ? `(${e.delta > 0 ? '++' : '--'}...)` : `(...${e.delta > 0 ? '++' : '--'})`;
    default:
      return e.op;
  }
}

test('++ and -- become += of ±1; a postfix whose value is used subtracts the step again', () => {
  assert.is(show(desugarExpr(incdec(L.local(0), 1, true))), '(v0 += 1)');
  assert.is(show(desugarExpr(incdec(L.local(0), 1, false))), '((v0 += 1) - 1)');
  assert.is(show(desugarExpr(incdec(L.global(2), -1, false))), '((g2 += -1) - -1)');
  assert.is(show(desugarExpr(incdec(L.global(2), -1, true))), '(g2 += -1)');
  // As a statement (or a for step) the old value is nobody's: x++ is x += 1.
  assert.is(show(desugarExpr(incdec(L.local(0), 1, false), false)), '(v0 += 1)');
});

test('-= becomes += of the negated value; a literal is negated here, with wrap-around', () => {
  assert.is(show(desugarExpr(assign(L.local(0), lit(5), '-='))), '(v0 += -5)');
  assert.is(show(desugarExpr(assign(L.local(0), reg('rdi'), '-='))), '(v0 += -rdi)');
  assert.is(show(desugarExpr(assign(L.local(0), lit(-0x8000000000000000n), '-='))), '(v0 += -9223372036854775808)');
});

test('other compound assignments stay one update of their place (keys evaluated once)', () => {
  assert.is(show(desugarExpr(assign(L.local(0), lit(3), '*='))), '(v0 *= 3)');
  assert.is(show(desugarExpr(assign(L.element(1, [incdec(L.local(0), 1, false)]), lit(3), '|='))), '(g1[((v0 += 1) - 1)] |= 3)');
});

test('shift counts are taken modulo 64: literals folded, anything else and-ed with 63', () => {
  assert.is(show(desugarExpr(bin('<<', reg('rdi'), lit(70)))), '(rdi << 6)');
  assert.is(show(desugarExpr(bin('>>', reg('rdi'), lit(-1)))), '(rdi >> 63)');
  assert.is(show(desugarExpr(bin('>>>', reg('rdi'), lit(63)))), '(rdi >>> 63)');
  assert.is(show(desugarExpr(bin('<<', reg('rdi'), reg('rsi')))), '(rdi << (rsi & 63))');
  assert.is(show(desugarExpr(assign(L.local(0), local(1), '<<='))), '(v0 <<= (v1 & 63))');
  // Other operators keep their right operand.
  assert.is(show(desugarExpr(bin('&', reg('rdi'), lit(70)))), '(rdi & 70)');
});

const SCRIPT = `
global n, a, s
probe begin {
  n = 0x7fffffffffffffff
  old = n++                      # the old value; n wraps to INT64_MIN
  printf("%d %d\\n", old, n)
  m = -0x7fffffffffffffff - 1
  m -= 1                         # wraps to INT64_MAX
  k = 5
  j = k-- + --k                  # 5 + 3
  printf("%d %d %d\\n", m, j, k)
  for (i = 0; i < 3; i++) a[i]++
  a[1] += 10
  a[2] -= 4
  printf("%d %d %d\\n", a[0], a[1], a[2])
  x = 1
  sh = 70
  printf("%d %d %d %d\\n", x << sh, -256 >> 68, -1 >>> 60, x << -1)
  y = 3
  y <<= 65
  z = 12
  z *= 3
  z /= 5
  s = "ab"
  s .= "cd"
  printf("%d %d %s\\n", y, z, s)
}`;

test('desugared scripts compute what SystemTap computes (front end → plan → runtime)', () => {
  const program = compileScript({ text: SCRIPT, file: 'd.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false });
  const run = runProgram(program);
  assert.is(run.stderr, '');
  assert.is(run.stdout, [
    '9223372036854775807 -9223372036854775808',
    '9223372036854775807 8 3',
    '1 11 -3',
    '64 -16 15 -9223372036854775808',
    '6 7 abcd',
    '',
  ].join('\n'));
});

test('the pass is idempotent and leaves its input alone', () => {
  const program = compileScript({ text: SCRIPT, file: 'd.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false });
  const before = JSON.stringify(program, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  const once = desugarProgram(program);
  assert.is(JSON.stringify(program, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)), before);
  const text = (p: unknown) => JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  assert.is(text(desugarProgram(once)), text(once));
  assert.not.match(text(once), /"op":"incdec"/);
  assert.not.match(text(once), /"operator":"-="/);
});

test.run();
