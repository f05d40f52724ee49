// The planner: probe points sorted into begin/end/error/timers, timer periods, sequence numbers,
// process probes refused plainly without a resolver, StatsUse completed from the handlers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UtapError } from '../../tracer/errors';
import { buildPlan } from '../../tracer/plan/plan';
import { agg, print, printHist, ProgramBuilder, statsAdd, lit, str, foreach, local } from '../support/ir-builder';

test('points are partitioned; one probe with several points gives one planned handler per point', () => {
  const b = new ProgramBuilder();
  b.probe(['begin', 'end', 'error', 'timer.s(5)'], [], print([str('x')]));
  b.probe(['timer.ms(250)', 'timer.us(10)', 'timer.ns(7)', 'timer.hz(100)', 'timer.sec(2)'], [], print([str('y')]));
  b.probe(['never'], [], print([str('z')]));
  const plan = buildPlan(b.build());
  assert.equal([plan.begin.length, plan.end.length, plan.error.length, plan.sites.length], [1, 1, 1, 0]);
  assert.equal(plan.timers.map((t) => [t.pp, t.periodNs]), [
    ['timer.s(5)', 5_000_000_000n], ['timer.ms(250)', 250_000_000n], ['timer.us(10)', 10_000n], ['timer.ns(7)', 7n], ['timer.hz(100)', 10_000_000n], ['timer.sec(2)', 2_000_000_000n],
  ]);
  assert.is(plan.begin[0].handler, plan.end[0].handler, 'the handler is shared, not copied');
});

test('begin/end sequence numbers order probes, ties in script order', () => {
  const b = new ProgramBuilder();
  b.probe(['begin'], [], print([str('a')]));
  b.probe(['begin(-1)'], [], print([str('b')]));
  b.probe(['begin'], [], print([str('c')]));
  b.probe(['begin(5)'], [], print([str('d')]));
  assert.equal(buildPlan(b.build()).begin.map((h) => h.probe), [1, 0, 2, 3]);
});

test('process probes without a resolver are refused with one clear sentence; optional ones are skipped', () => {
  const b = new ProgramBuilder();
  b.probe(['process("psql").function("SendQuery")'], [], print([str('x')]));
  try {
    buildPlan(b.build());
    assert.unreachable();
  } catch (error) {
    assert.instance(error, UtapError);
    assert.is((error as UtapError).status, 2);
    assert.match((error as Error).message, /is inside a process, and this plan resolves no process probes/);
  }
  const opt = new ProgramBuilder();
  opt.probe(['process("psql").function("SendQuery")?'], [], print([str('x')]));
  assert.is(buildPlan(opt.build()).sites.length, 0);
});

test('bad timer points are script errors', () => {
  const b = new ProgramBuilder();
  b.probe(['timer.ms(0)'], [], print([str('x')]));
  assert.throws(() => buildPlan(b.build()), /timer.ms\(0\)' needs a positive whole number/);
  const c = new ProgramBuilder();
  c.probe(['timer.fortnight(1)'], [], print([str('x')]));
  assert.throws(() => buildPlan(c.build()), /is not a timer probe utap knows/);
});

test('StatsUse is completed from aggregates, printed histograms and foreach sorts', () => {
  const b = new ProgramBuilder();
  const s = b.stats('s');
  const q = b.array('q', ['string'], 'stats');
  b.probe(['begin'], [],
    statsAdd({ global: s }, lit(1)),
    print([agg('max', s)]),
    printHist({ global: s }, { kind: 'log' }),
    printHist({ global: s }, { kind: 'log' }),
    printHist({ global: s }, { kind: 'linear', low: 0n, high: 100n, step: 10n }),
    foreach(q, [0], print([local(0, 'string')]), { sort: { by: 'value', direction: 'desc', aggregate: 'avg' } }));
  const globals = buildPlan(b.build()).program.globals;
  const sUse = globals[0].kind === 'stats' ? globals[0].stats : undefined;
  assert.equal(sUse, { count: false, sum: false, min: false, max: true, avg: false, hist: [{ kind: 'log' }, { kind: 'linear', low: 0n, high: 100n, step: 10n }] });
  const qUse = globals[1].kind === 'array' ? globals[1].stats : undefined;
  assert.equal(qUse, { count: true, sum: true, min: false, max: false, avg: true, hist: [] });
});

test('a linear histogram of more than 128 buckets (underflow and overflow included) is refused before anything runs', () => {
  const tooMany = new ProgramBuilder();
  const a = tooMany.stats('a');
  tooMany.probe(['begin'], [], statsAdd({ global: a }, lit(1)), printHist({ global: a }, { kind: 'linear', low: 0n, high: 1270n, step: 10n }));
  assert.throws(() => buildPlan(tooMany.build()), /would have 130 buckets with its underflow and overflow ones; a linear histogram has at most 128/);
  const fits = new ProgramBuilder();
  const b = fits.stats('b');
  fits.probe(['begin'], [], statsAdd({ global: b }, lit(1)), printHist({ global: b }, { kind: 'linear', low: 0n, high: 1250n, step: 10n }));
  assert.is(buildPlan(fits.build()).begin.length, 1);
});

test.run();
