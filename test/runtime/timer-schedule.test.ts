// The timer schedule with a clock and a random source the test controls: fixed periods,
// .randomize(M) intervals drawn from N - M .. N + M, timer.jiffies(N) in kernel ticks, and the
// planner's reading of timer.UNIT(N).randomize(M) points.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProbePointIR } from '../../tracer/ir/ir';
import { FALLBACK_HZ, hzFromConfig, kernelHz } from '../../tracer/plan/kernel-hz';
import { timerSchedule } from '../../tracer/plan/plan';
import { TimerSchedule } from '../../tracer/runtime/timer-schedule';
import { at } from '../support/ir-builder';
import { runUtap } from '../support/run-utap';

function point(...components: Array<[string, bigint?]>): ProbePointIR {
  const comps = components.map(([name, arg]) => (arg === undefined ? { name } : { name, arg }));
  const text = comps.map((c) => ('arg' in c ? `${c.name}(${c.arg})` : c.name)).join('.');
  return { text, components: comps, optional: false, loc: at() };
}

test('a fixed period fires every period; bigint and {periodNs} forms agree', () => {
  for (const spec of [100n, { periodNs: 100n }]) {
    const s = new TimerSchedule([spec], 0n);
    assert.equal(s.due(99n), []);
    assert.equal(s.due(100n), [0]);
    assert.is(s.delayNs(100n), 100n);
  }
});

test('.randomize(M): each interval is drawn anew from N-M .. N+M', () => {
  const draws = [0, 0.999999, 0.5];
  const s = new TimerSchedule([{ periodNs: 100n, randomizeNs: 10n }], 0n, () => draws.shift() ?? 0.5);
  // first interval: random 0 -> 100 - 10
  assert.is(s.delayNs(0n), 90n);
  assert.equal(s.due(90n), [0]);
  // second: random just below 1 -> 100 + 10
  assert.is(s.delayNs(90n), 110n);
  assert.equal(s.due(200n), [0]);
  // third: random 0.5 -> the middle of 21 values, 100
  assert.is(s.delayNs(200n), 100n);
});

test('a randomization larger than the period never gives an interval below 1 ns', () => {
  const s = new TimerSchedule([{ periodNs: 5n, randomizeNs: 50n }], 0n, () => 0);
  assert.is(s.delayNs(0n), 1n);
});

test('the planner: timer.ms(N).randomize(M) and timer.jiffies(N)', () => {
  assert.equal(timerSchedule(point(['timer'], ['ms', 100n], ['randomize', 20n])), { periodNs: 100_000_000n, randomizeNs: 20_000_000n });
  assert.equal(timerSchedule(point(['timer'], ['s', 2n])), { periodNs: 2_000_000_000n });
  const hz = kernelHz();
  assert.equal(timerSchedule(point(['timer'], ['jiffies', 10n])), { periodNs: (10n * 1_000_000_000n) / hz });
  assert.equal(timerSchedule(point(['timer'], ['jiffies', 10n], ['randomize', 2n])), { periodNs: (10n * 1_000_000_000n) / hz, randomizeNs: 2n * (1_000_000_000n / hz) });
  assert.throws(() => timerSchedule(point(['timer'], ['hz', 5n], ['randomize', 2n])), /is not a timer probe utap knows/);
  assert.equal(timerSchedule(point(['timer'], ['profile'])), { periodNs: 1_000_000_000n / hz }, 'timer.profile: every tick');
  assert.equal(timerSchedule(point(['timer'], ['profile'], ['freq'], ['hz', 10n])), { periodNs: 100_000_000n }, 'timer.profile.freq.hz(10)');
});

test('timer.profile runs its handler every tick until exit()', async () => {
  const r = await runUtap(['-e', 'global n\nprobe timer.profile { n++; if (n == 3) exit() }\nprobe end { println(n) }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '3\n');
  const bad = await runUtap(['--stop-after', 'check', '-e', 'probe timer.profile(5) { }']);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /'timer\.profile' takes no argument/);
  const freq = await runUtap(['--stop-after', 'check', '-e', 'probe timer.profile.freq.hz(10) { }', '-u']);
  assert.is(freq.stderr, '');
});

test('CONFIG_HZ from a kernel configuration text', () => {
  assert.is(hzFromConfig('# CONFIG_HZ_100 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n'), 250n);
  assert.is(hzFromConfig('CONFIG_HZ=1000'), 1000n);
  assert.is(hzFromConfig('CONFIG_HZ_PERIODIC=y\n'), undefined);
  assert.ok(kernelHz() > 0n);
  assert.is(FALLBACK_HZ, 250n);
});

test.run();
