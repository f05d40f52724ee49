// Which reads an event-mode handler's kernel program does at the hit (tracer/engine/uprobe/
// event-reads.ts): every userRead / userString whose address the kernel can compute, each after
// the reads its address uses, once; and a sentence naming the first read it cannot do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, Stmt } from '../../tracer/ir/ir';
import { eventReads } from '../../tracer/engine/uprobe/event-reads';
import { exprKey } from '../../tracer/bpf-codegen/expr-key';
import { assign, at, bin, block, call, ctx, del, entry, ex, glob, iff, incdec, lit, local, ProgramBuilder, reg, ret, uread, ustr, whilst, cmp, long } from '../support/ir-builder';

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
  const bad = reads(ex(call(0, [ctx('walltime_ns')])), false, (b) => b.fn('f', [long('p')], [long('p')], 'long', ret(uread(local(0), 8))));
  assert.match(bad.refusal!, /takes its address from walltime_ns\(\)/);
});

test('a script function\'s parameters are its arguments, call by call; one it assigns, or a recursive call\'s, is refused', () => {
  const f = (b: ProgramBuilder) => b.fn('f', [long('p')], [long('p')], 'long', ret(uread(bin('+', local(0), lit(8)), 8)));
  const two = reads(block(ex(call(0, [reg('rdi')])), ex(call(0, [reg('rsi')])), ex(call(0, [reg('rdi')]))), false, f);
  assert.is(two.refusal, undefined);
  assert.equal(two.reads.map((r) => exprKey((r as Extract<Expr, { op: 'userRead' }>).addr)), [exprKey(bin('+', reg('rdi'), lit(8))), exprKey(bin('+', reg('rsi'), lit(8)))]);
  // Through a handler local set once, and a nested call passing its own parameter on.
  const nested = reads(block(ex(assign({ kind: 'local', slot: 0 }, reg('rdx'))), ex(call(1, [local(0)]))), false, (b) => {
    f(b);
    b.fn('g', [long('q')], [long('q')], 'long', ret(call(0, [local(0)])));
  });
  assert.is(nested.refusal, undefined);
  assert.equal(nested.reads.map((r) => exprKey((r as Extract<Expr, { op: 'userRead' }>).addr)), [exprKey(bin('+', reg('rdx'), lit(8)))]);
  const assigned = reads(ex(call(0, [reg('rdi')])), false, (b) => b.fn('f', [long('p')], [long('p')], 'long', block(ex(assign({ kind: 'local', slot: 0 }, lit(1), '+=')), ret(uread(local(0), 8)))));
  assert.match(assigned.refusal!, /a local variable/);
  const recursive = reads(ex(call(0, [reg('rdi')])), false, (b) => b.fn('f', [long('p')], [long('p')], 'long', ret(bin('+', uread(local(0), 8), call(0, [uread(local(0), 8)])))));
  assert.match(recursive.refusal!, /a local variable/);
});

test('a local set once, by a plain = at the top level before the read, counts as its value: the kernel reads through that expression', () => {
  const p = { kind: 'local', slot: 0 } as const;
  const q = { kind: 'local', slot: 1 } as const;
  // p = $req->name (a read itself); q = p + 8; user_string(q): two reads, the string's address is p's read + 8.
  const name = uread(bin('+', reg('rdi'), lit(16)), 8);
  const r = reads(block(ex(assign(p, name)), ex(assign(q, bin('+', local(0), lit(8)))), ex(ustr(local(1)))));
  assert.is(r.refusal, undefined);
  assert.equal(r.reads.map((e) => e.op), ['userRead', 'userString']);
  assert.is(exprKey((r.reads[1] as Extract<Expr, { op: 'userString' }>).addr), exprKey(bin('+', name, lit(8))));
});

test('a local set twice, by ++, by delete, inside an if, by a compound assignment, or only after the read: still refused', () => {
  const p = { kind: 'local', slot: 0 } as const;
  const read = ex(ustr(local(0)));
  const refused = [
    block(ex(assign(p, reg('rdi'))), iff(reg('rax'), ex(assign(p, reg('rsi')))), read),
    block(ex(assign(p, reg('rdi'))), ex(incdec(p, 1, false)), read),
    block(ex(assign(p, reg('rdi'))), del({ kind: 'local', slot: 0 }), read),
    block(iff(reg('rax'), ex(assign(p, reg('rdi')))), read),
    block(ex(assign(p, reg('rdi'), '+=')), read),
    block(read, ex(assign(p, reg('rdi')))),
    block(ex(assign(p, glob(0))), read),
  ];
  for (const body of refused) assert.match(reads(body).refusal!, /takes its address from (a local variable|a global)/);
});

test.run();
