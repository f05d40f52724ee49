// Script semantics through the real session and compiled handlers, on hand-built IR.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  agg, assign, at, bin, block, brk, builtin, call, cat, cmp, cond, cont, ctx, del, ex, exit, FILE, foreach, forLoop, get, glob, iff, incdec, isIn, L,
  lit, local, long, next, print, printf, printHist, ProgramBuilder, ret, sprintf, statsAdd, str, string, un, whilst, and, or,
} from '../support/ir-builder';
import { runProgram } from '../support/run-plan';

test('begin, exit(), end: in that order, status 0', () => {
  const b = new ProgramBuilder();
  const f = b.format('%s\n');
  b.probe(['begin'], [], printf(f, [str('begin')]), exit(), printf(f, [str('after exit, same handler')]));
  b.probe(['begin'], [], printf(f, [str('a part of the same combined begin point runs')]));
  b.probe(['begin(1)'], [], printf(f, [str('a later begin point is skipped after exit()')]));
  b.probe(['end'], [], printf(f, [str('end')]));
  const r = runProgram(b.build());
  assert.is(r.stdout, 'begin\nafter exit, same handler\na part of the same combined begin point runs\nend\n');
  assert.is(r.status, 0);
  assert.is(r.session.endReason, 'exit');
});

test('begin(N) sequence numbers order begin probes', () => {
  const b = new ProgramBuilder();
  b.probe(['begin'], [], print([str('b')]));
  b.probe(['begin(-5)'], [], print([str('a')]));
  b.probe(['begin(10)'], [], print([str('c')]), exit());
  assert.is(runProgram(b.build()).stdout, 'abc');
});

test('arithmetic, comparison, logic, strings, conditional', () => {
  const b = new ProgramBuilder();
  const f = b.format('%d %d %d %d %d %d %s %d\n');
  b.probe(['begin'], [long('x'), string('s')],
    ex(assign(L.local(0), lit(7))),
    ex(assign(L.local(1), str('ab'), '=', 'string')),
    ex(assign(L.local(1), str('cd'), '.=', 'string')),
    printf(f, [
      bin('*', local(0), lit(6)),
      bin('%', un('-', local(0)), lit(3)),
      cmp('<', str('abc'), str('abd')),
      and(local(0), lit(0)),
      or(lit(0), local(0)),
      un('!', local(0)),
      cat(local(1, 'string'), cond(cmp('==', local(0), lit(7)), str('!'), str('?'))),
      bin('>>', lit(-16), lit(2)),
    ]),
    exit());
  assert.is(runProgram(b.build()).stdout, '42 -1 1 0 1 0 abcd! -4\n');
});

test('compound assignment and ++/-- on locals, globals and elements', () => {
  const b = new ProgramBuilder();
  const n = b.scalar('n', 'long', 10n);
  const a = b.array('a', ['string', 'long']);
  const f = b.format('%d %d %d %d %d %d\n');
  b.probe(['begin'], [long('x'), long('y')],
    ex(assign(L.global(n), lit(5), '+=')),
    ex(assign(L.element(a, [str('k'), lit(1)]), lit(3), '*=')), // missing element reads 0
    ex(incdec(L.element(a, [str('k'), lit(2)]), 1, false)),
    ex(assign(L.local(0), incdec(L.global(n), 1, false))), // x = n++ → 15, n 16
    ex(assign(L.local(1), incdec(L.local(0), -1, true))), // y = --x → 14
    printf(f, [glob(n), get(a, [str('k'), lit(1)]), get(a, [str('k'), lit(2)]), local(0), local(1), isIn(a, [str('k'), lit(1)])]),
    exit());
  assert.is(runProgram(b.build()).stdout, '16 0 1 14 14 1\n');
});

test('arrays: missing keys read 0 without creating, delete element / array', () => {
  const b = new ProgramBuilder();
  const a = b.array('a', ['long']);
  const f = b.format('%d %d %d\n');
  b.probe(['begin'], [long('v')],
    ex(assign(L.local(0), get(a, [lit(99)]))),
    printf(f, [local(0), isIn(a, [lit(99)]), lit(0)]),
    ex(assign(L.element(a, [lit(1)]), lit(11))),
    ex(assign(L.element(a, [lit(2)]), lit(22))),
    del({ kind: 'element', global: a, keys: [lit(1)] }),
    printf(f, [isIn(a, [lit(1)]), isIn(a, [lit(2)]), get(a, [lit(2)])]),
    del({ kind: 'array', global: a }),
    printf(f, [isIn(a, [lit(2)]), get(a, [lit(2)]), lit(0)]),
    exit());
  assert.is(runProgram(b.build()).stdout, '0 0 0\n0 1 22\n0 0 0\n');
});

test('while, for, break, continue', () => {
  const b = new ProgramBuilder();
  const f = b.format('%d ');
  b.probe(['begin'], [long('i'), long('sum')],
    forLoop(ex(assign(L.local(0), lit(0))), cmp('<', local(0), lit(10)), incdec(L.local(0), 1, false), block(
      iff(cmp('==', local(0), lit(3)), cont()),
      iff(cmp('==', local(0), lit(7)), brk()),
      printf(f, [local(0)]),
    )),
    whilst(cmp('<', local(1), lit(100)), ex(assign(L.local(1), lit(40), '+='))),
    printf(f, [local(1)]),
    exit());
  assert.is(runProgram(b.build()).stdout, '0 1 2 4 5 6 120 ');
});

test('functions: parameters, locals, recursion, string results', () => {
  const b = new ProgramBuilder();
  const fib = b.declare();
  b.define(fib, 'fib', [long('n')], [], 'long', block(
    iff(cmp('<', local(0), lit(2)), ret(local(0))),
    ret(bin('+', call(fib, [bin('-', local(0), lit(1))]), call(fib, [bin('-', local(0), lit(2))]))),
  ), true);
  const greet = b.fn('greet', [string('who')], [string('t')], 'string', block(
    ex(assign(L.local(1), cat(str('hi '), local(0, 'string')), '=', 'string')),
    ret(local(1, 'string')),
  ));
  const f = b.format('%d %s\n');
  b.probe(['begin'], [], printf(f, [call(fib, [lit(10)]), call(greet, [str('bob')], 'string')]), exit());
  assert.is(runProgram(b.build()).stdout, '55 hi bob\n');
});

test('next leaves the handler, also from inside a function', () => {
  const b = new ProgramBuilder();
  const leave = b.fn('leave', [], [], 'void', block(next(), print([str('not here')])));
  b.probe(['begin'], [], print([str('a')]), ex(call(leave, [], 'void')), print([str('not here either')]));
  b.probe(['begin'], [], print([str('b')]), next(), print([str('no')]));
  b.probe(['begin'], [], print([str('c')], true), exit());
  assert.is(runProgram(b.build()).stdout, 'abc\n');
});

test('statistics: aggregates with integer @avg, histograms printed', () => {
  const b = new ProgramBuilder();
  const s = b.stats('s');
  const f = b.format('count=%d sum=%d min=%d max=%d avg=%d\n');
  b.probe(['begin'], [long('i')],
    forLoop(ex(assign(L.local(0), lit(1))), cmp('<=', local(0), lit(10)), incdec(L.local(0), 1, false), statsAdd({ global: s }, local(0))),
    statsAdd({ global: s }, lit(-4)),
    printf(f, [agg('count', s), agg('sum', s), agg('min', s), agg('max', s), agg('avg', s)]),
    printHist({ global: s }, { kind: 'log' }),
    exit());
  const r = runProgram(b.build());
  assert.is(r.stdout, `count=11 sum=51 min=-4 max=10 avg=4
value |-------------------------------------------------- count
  -16 |                                                   0
   -8 |                                                   0
   -4 |@                                                  1
   -2 |                                                   0
   -1 |                                                   0
    0 |                                                   0
    1 |@                                                  1
    2 |@@                                                 2
    4 |@@@@                                               4
    8 |@@@                                                3
   16 |                                                   0
   32 |                                                   0

`);
});

test('@count/@sum of empty statistics are 0; delete of a stats global empties it', () => {
  const b = new ProgramBuilder();
  const s = b.stats('s');
  const a = b.array('a', ['string'], 'stats');
  const f = b.format('%d %d %d %d\n');
  b.probe(['begin'], [],
    statsAdd({ global: s }, lit(5)),
    del({ kind: 'global', global: s }),
    printf(f, [agg('count', s), agg('sum', s), agg('count', a, [str('x')]), agg('sum', a, [str('x')])]),
    exit());
  assert.is(runProgram(b.build()).stdout, '0 0 0 0\n');
});

function sortedFixture() {
  const b = new ProgramBuilder();
  const a = b.array('a', ['string', 'long']);
  const init = (k: string, n: number, v: number) => ex(assign(L.element(a, [str(k), lit(n)]), lit(v)));
  return { b, a, inits: [init('b', 2, 30), init('a', 9, 10), init('c', 1, 20), init('a', 1, 40)] };
}

test('foreach: insertion order, sorted by each key part and by value, with limits', () => {
  const cases: Array<[Parameters<typeof foreach>[3], string]> = [
    [{}, 'b2=30 a9=10 c1=20 a1=40 '],
    [{ sort: { by: 'key', part: 0, direction: 'asc' } }, 'a9=10 a1=40 b2=30 c1=20 '],
    [{ sort: { by: 'key', part: 1, direction: 'desc' } }, 'a9=10 b2=30 c1=20 a1=40 '],
    [{ sort: { by: 'value', direction: 'asc' } }, 'a9=10 c1=20 b2=30 a1=40 '],
    [{ sort: { by: 'value', direction: 'desc' }, limit: lit(2) }, 'a1=40 b2=30 '],
    [{ limit: lit(1) }, 'b2=30 '],
    [{ limit: lit(0) }, ''],
  ];
  for (const [opts, expected] of cases) {
    const { b, a, inits } = sortedFixture();
    const f = b.format('%s%d=%d ');
    b.probe(['begin'], [string('k'), long('n'), long('v')], ...inits,
      foreach(a, [0, 1], printf(f, [local(0, 'string'), local(1), local(2)]), { ...opts, value: 2 }),
      exit());
    assert.is(runProgram(b.build()).stdout, expected, JSON.stringify(opts, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
  }
});

test('foreach over a statistics array sorts by @count by default, or by a named aggregate', () => {
  const b = new ProgramBuilder();
  const q = b.array('q', ['string'], 'stats');
  const add = (k: string, v: number) => statsAdd({ global: q, keys: [str(k)] }, lit(v));
  const f = b.format('%s:%d/%d ');
  const nl = b.format('\n');
  b.probe(['begin'], [string('k')],
    add('x', 100), add('y', 1), add('y', 3), add('z', 7), add('z', 7), add('z', 7),
    foreach(q, [0], printf(f, [local(0, 'string'), agg('count', q, [local(0, 'string')]), agg('avg', q, [local(0, 'string')])]), { sort: { by: 'value', direction: 'desc' } }),
    printf(nl, []),
    foreach(q, [0], printf(f, [local(0, 'string'), agg('count', q, [local(0, 'string')]), agg('avg', q, [local(0, 'string')])]), { sort: { by: 'value', direction: 'desc', aggregate: 'avg' }, limit: lit(2) }),
    exit());
  assert.is(runProgram(b.build()).stdout, 'z:3/7 y:2/2 x:1/100 \nx:1/100 z:3/7 ');
});

test('strings are cut to MAXSTRINGLEN - 1 bytes', () => {
  const b = new ProgramBuilder();
  const f = b.format('%s|%d\n');
  b.probe(['begin'], [string('s')],
    ex(assign(L.local(0), str('0123456789'), '=', 'string')),
    ex(assign(L.local(0), str('abcdef'), '.=', 'string')),
    printf(f, [local(0, 'string'), builtin('strlen', [local(0, 'string')], 'long')]),
    printf(f, [sprintf(b.format('%s%s', ['string', 'string']), [local(0, 'string'), local(0, 'string')]), lit(0)]),
    exit());
  assert.is(runProgram(b.build({ maxStringLen: 13 })).stdout, '0123456789ab|12\n0123456789ab|0\n');
});

test('string builtins', () => {
  const b = new ProgramBuilder();
  const f = b.format('%s|%d|%d|%d|%d|%s|%s|%s|%d\n');
  b.probe(['begin'], [],
    printf(f, [
      builtin('substr', [str('hello world'), lit(6), lit(3)], 'string'),
      builtin('isinstr', [str('hello'), str('ell')], 'long'),
      builtin('strtol', [str('0x1f'), lit(16)], 'long'),
      builtin('strtol', [str('-0755'), lit(0)], 'long'),
      builtin('strtol', [str('12abc'), lit(10)], 'long'),
      builtin('str_replace', [str('a-b-c'), str('-'), str('::')], 'string'),
      builtin('text_str', [str('tab\there "q"')], 'string'),
      builtin('text_strn', [str('abcdefghij'), lit(8), lit(1)], 'string'),
      builtin('stringat', [str('AB'), lit(1)], 'long'),
    ]),
    exit());
  assert.is(runProgram(b.build()).stdout, 'wor|1|31|-493|12|a::b::c|tab\\there \\"q\\"|"abc"...|66\n');
});

test('print and println', () => {
  const b = new ProgramBuilder();
  b.probe(['begin'], [], print([lit(-5)]), print([str('x'), lit(3)], true), print([], true), exit());
  assert.is(runProgram(b.build()).stdout, '-5x3\n\n');
});

test('timers fire while running, end probes after stop()', () => {
  const b = new ProgramBuilder();
  const n = b.scalar('n');
  const f = b.format('tick %d\n');
  b.probe(['timer.ms(100)'], [], ex(incdec(L.global(n), 1, true)), printf(f, [glob(n)]));
  b.probe(['end'], [], printf(b.format('end %d\n'), [glob(n)]));
  const r = runProgram(b.build(), {
    drive: (s) => {
      s.timer(0);
      s.timer(0);
      s.stop('SIGINT');
      s.timer(0); // ignored once stopped
    },
  });
  assert.is(r.stdout, 'tick 1\ntick 2\nend 2\n');
  assert.is(r.status, 0);
  assert.is(r.session.endReason, 'SIGINT');
});

test('pp() names the probe point that fired, one handler for several points', () => {
  const b = new ProgramBuilder();
  b.probe(['begin', 'end', 'timer.s(5)'], [], print([ctx('pp', 'string')], true));
  const r = runProgram(b.build(), { drive: (s) => s.timer(0) });
  assert.is(r.stdout, 'begin\ntimer.s(5)\nend\n');
});

test.run();
