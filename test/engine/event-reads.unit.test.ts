// Which reads an event-mode handler's kernel program does at the hit (tracer/engine/uprobe/
// event-reads.ts): every userRead / userString whose address the kernel can compute, each after
// the reads its address uses, once; and a sentence naming the first read it cannot do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, Stmt } from '../../tracer/ir/ir';
import { eventReads } from '../../tracer/engine/uprobe/event-reads';
import { at, bin, block, call, ctx, entry, ex, glob, iff, lit, local, ProgramBuilder, reg, ret, uread, ustr, whilst, cmp, long } from '../support/ir-builder';

function reads(body: Stmt, entryInKernel = false, functions: (b: ProgramBuilder) => void = () => undefined) {
  const b = new ProgramBuilder();
  b.scalar('g');
  functions(b);
  return eventReads(b.build(), { stmts: [body], exprs: [] }, entryInKernel);
}

test('a $p->a->b chain: the inner read first, each read once however often the handler does it', () => {
  const inner = uread(bin('+', reg('rdi'), lit(8)), 8);
  const outer = uread(bin('+', inner, lit(16)), 4, true, at(3, 9));
  const r = reads(block(ex(outer), iff(cmp('>', outer, lit(0)), ex(ustr(inner)))));
  assert.is(r.refusal, undefined);
  assert.equal(r.reads.map((e) => e.op), ['userRead', 'userRead', 'userString']);
  assert.equal(r.reads[0], inner);
});

test('addresses from registers, constants, tid()/uaddr(), conditionals, and user_string_n lengths are hoistable', () => {
  const addr = (e: Expr) => ustr(e, uread(reg('rsi'), 4));
  const r = reads(block(ex(addr(bin('+', reg('rdi'), bin('*', ctx('tid'), lit(0))))), ex(uread({ op: 'conditional', type: 'long', test: reg('rax'), then: reg('rdi'), else: ctx('uaddr'), loc: at() }, 8))));
  assert.is(r.refusal, undefined);
  assert.is(r.reads.length, 3);
});

test('entry values: hoistable only when the kernel keeps them', () => {
  const body = ex(ustr(entry(0)));
  assert.is(reads(body, true).refusal, undefined);
  assert.match(reads(body, false).refusal!, /its user_string at test\.stp:\d+:\d+ takes its address from a value captured at function entry that the kernel does not keep/);
});

test('a local, a global, a function result, a clock: refused with a sentence naming the read', () => {
  assert.match(reads(ex(ustr(local(0), undefined, at(4, 7)))).refusal!, /^its user_string at test\.stp:4:7 takes its address from a local variable, which exists only when utap runs the handler/);
  assert.match(reads(ex(uread(glob(0), 8, false, at(5, 2)))).refusal!, /^its 8-byte read at test\.stp:5:2 takes its address from a global/);
  assert.match(reads(ex(uread(call(0, []), 2))).refusal!, /takes its address from a function result/);
  assert.match(reads(ex(uread(ctx('walltime_ns'), 2))).refusal!, /takes its address from walltime_ns\(\)/);
  // A loop variable is a local.
  assert.match(reads(whilst(cmp('<', local(0), lit(4)), ex(uread(bin('+', reg('rdi'), local(0)), 1)))).refusal!, /a local variable/);
});

test('reads inside the script functions the handler calls count too', () => {
  const r = reads(ex(call(0, [])), false, (b) => b.fn('f', [], [long('x')], 'long', ret(uread(reg('rbp'), 8))));
  assert.is(r.refusal, undefined);
  assert.is(r.reads.length, 1);
  const bad = reads(ex(call(0, [reg('rdi')])), false, (b) => b.fn('f', [long('p')], [long('p')], 'long', ret(uread(local(0), 8))));
  assert.match(bad.refusal!, /a local variable/);
});

test.run();
