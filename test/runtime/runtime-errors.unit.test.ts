// Every runtime error: SystemTap's message, the script location with its line, the error probes
// run instead of the end probes, and status 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Stmt } from '../../tracer/ir/ir';
import {
  agg, assign, at, bin, block, call, ex, error, exit, glob, iff, incdec, L, lit, local, long, print, printHist, ProgramBuilder, ret, statsAdd, str, whilst, cmp, forLoop,
} from '../support/ir-builder';
import { runProgram } from '../support/run-plan';

const SOURCE = ['probe begin {', '  x = 10 / y', '  println("after")', '}', '  another line'].join('\n');

/** A program whose begin probe runs `body`, with end and error probes that say they ran. */
function failing(build: (b: ProgramBuilder) => Stmt[], limits = {}) {
  const b = new ProgramBuilder();
  b.source = SOURCE;
  const body = build(b);
  b.probe(['begin'], [long('x'), long('y')], ...body, print([str('after')], true));
  b.probe(['end'], [], print([str('end ran')], true));
  b.probe(['error'], [], print([str('error probe ran')], true));
  return runProgram(b.build(limits));
}

test('division by zero: one line naming the token and its location (as SystemTap), error probes instead of end, status 1', () => {
  const r = failing(() => [ex(assign(L.local(0), bin('/', lit(10), local(1), at(2, 10))))]);
  assert.is(r.stderr, "ERROR: division by 0 near operator '/' at test.stp:2:10\nWARNING: Number of errors: 1, skipped probes: 0\n");
  assert.is(r.stdout, 'error probe ran\n');
  assert.is(r.status, 1);
  assert.is(r.session.endReason, 'error');
});

test('modulo by zero', () => {
  const r = failing(() => [ex(bin('%', lit(10), lit(0), at(2, 3)))]);
  assert.match(r.stderr, /^ERROR: division by 0 near (?:[^\n]* at )?test.stp:2:3\n/);
  assert.is(r.status, 1);
});

test('MAXACTION: an endless loop is stopped (begin probes get 10× MAXACTION, as in SystemTap)', () => {
  const r = failing(() => [whilst(lit(1), block(), at(3, 3))], { maxAction: 50 });
  assert.match(r.stderr, /^ERROR: MAXACTION exceeded near (?:[^\n]* at )?test.stp:3:3\n/);
  assert.is(r.stdout, 'error probe ran\n');
  assert.is(r.status, 1);
  // 400 iterations of one statement fit 10 × 50 in a begin probe.
  const ok = failing(() => [forLoop(ex(assign(L.local(0), lit(0))), cmp('<', local(0), lit(200)), incdec(L.local(0), 1, false), block())], { maxAction: 50 });
  assert.is(ok.status, 0);
  assert.is(ok.stdout, 'after\nend ran\n');
});

test('MAXACTION counts in timer probes without the interruptible allowance', () => {
  const b = new ProgramBuilder();
  b.probe(['timer.ms(1)'], [long('i')], forLoop(ex(assign(L.local(0), lit(0))), cmp('<', local(0), lit(100)), incdec(L.local(0), 1, false), block(), at(7, 2)));
  b.probe(['error'], [], print([str('error probe ran')], true));
  const r = runProgram(b.build({ maxAction: 50 }), { drive: (s) => s.timer(0) });
  assert.match(r.stderr, /^ERROR: MAXACTION exceeded near (?:[^\n]* at )?test.stp:7:2\n/);
  assert.is(r.status, 1);
});

test('MAXNESTING: runaway recursion', () => {
  const b = new ProgramBuilder();
  const f = b.declare();
  b.define(f, 'down', [long('n')], [], 'long', ret(bin('+', call(f, [bin('+', local(0), lit(1))]), lit(1))), true);
  b.functions[f].loc = at(4, 1);
  b.probe(['begin'], [], ex(call(f, [lit(0)])));
  b.probe(['end'], [], print([str('end ran')], true));
  const r = runProgram(b.build({ maxNesting: 5 }));
  assert.match(r.stderr, /^ERROR: MAXNESTING exceeded near (?:[^\n]* at )?test.stp:4:1\n/);
  assert.is(r.stdout, '');
  assert.is(r.status, 1);
});

test('a full array: MAXMAPENTRIES or the declared size', () => {
  const fill = (b: ProgramBuilder, a: number): Stmt[] => [
    forLoop(ex(assign(L.local(0), lit(0))), cmp('<', local(0), lit(10)), incdec(L.local(0), 1, false), ex(assign(L.element(a, [local(0)]), lit(1), '=', 'long', at(2, 5)))),
  ];
  let r = failing((b) => fill(b, b.array('a', ['long'], 'long', 4)));
  assert.match(r.stderr, /^ERROR: Array overflow, check size limit \(4\) near (?:[^\n]* at )?test.stp:2:5\n/);
  assert.is(r.status, 1);
  const b2 = new ProgramBuilder();
  b2.limits.maxMapEntries = 3;
  const a2 = b2.array('a', ['long']);
  b2.probe(['begin'], [long('i')], ...fill(b2, a2));
  r = runProgram(b2.build());
  assert.match(r.stderr, /^ERROR: Array overflow, check MAXMAPENTRIES near (?:[^\n]* at )?test.stp:2:5\n/);
  // Updating an existing key of a full array is fine.
  const b3 = new ProgramBuilder();
  const a3 = b3.array('a', ['long'], 'long', 1);
  b3.probe(['begin'], [], ex(assign(L.element(a3, [lit(1)]), lit(1))), ex(assign(L.element(a3, [lit(1)]), lit(2))), exit());
  assert.is(runProgram(b3.build()).status, 0);
});

test('a full statistics array', () => {
  const r = failing((b) => {
    const q = b.array('q', ['long'], 'stats', 2);
    return [statsAdd({ global: q, keys: [lit(1)] }, lit(1)), statsAdd({ global: q, keys: [lit(2)] }, lit(1)), statsAdd({ global: q, keys: [lit(3)] }, lit(1), at(2, 4))];
  });
  assert.match(r.stderr, /^ERROR: Array overflow, check size limit \(2\) near (?:[^\n]* at )?test.stp:2:4\n/);
});

test('@min/@max/@avg of empty statistics, and printing an empty histogram', () => {
  for (const fn of ['min', 'max', 'avg'] as const) {
    const r = failing((b) => [ex(agg(fn, b.stats('s'), undefined, at(2, 7)))]);
    assert.match(r.stderr, /^ERROR: empty aggregate near (?:[^\n]* at )?test.stp:2:7\n/, fn);
    assert.is(r.status, 1);
  }
  const r = failing((b) => [printHist({ global: b.stats('s') }, { kind: 'log' }, at(2, 2))]);
  assert.match(r.stderr, /^ERROR: empty aggregate near (?:[^\n]* at )?test.stp:2:2\n/);
});

test('error("...") raised by the script', () => {
  const r = failing(() => [error(str('bad thing'), at(3, 3))]);
  assert.is(r.stderr, "ERROR: bad thing near identifier 'println' at test.stp:3:3\nWARNING: Number of errors: 1, skipped probes: 0\n");
  assert.is(r.stdout, 'error probe ran\n');
  assert.is(r.status, 1);
});

test('an error in an end probe runs the error probes', () => {
  const b = new ProgramBuilder();
  b.probe(['begin'], [], exit());
  b.probe(['end'], [], print([str('end 1')], true), ex(bin('/', lit(1), lit(0), at(1, 1))));
  b.probe(['end'], [], print([str('end 2')], true));
  b.probe(['error'], [], print([str('error ran')], true));
  const r = runProgram(b.build());
  assert.is(r.stdout, 'end 1\nerror ran\n');
  assert.is(r.status, 1);
});

test('output printed before the error is kept', () => {
  const b = new ProgramBuilder();
  const s = b.scalar('s');
  b.probe(['begin'], [], print([str('first')], true), ex(bin('/', glob(s), glob(s), at(1, 1))));
  const r = runProgram(b.build());
  assert.is(r.stdout, 'first\n');
  assert.is(r.status, 1);
});

test.run();
