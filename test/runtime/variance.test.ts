// @variance against the figures SystemTap's own testsuite expects (systemtap.maps: linear,
// linear_under, linear_nearlyempty for statistics globals; ix, foreach_limit2 for elements of
// statistics arrays), plus the edges: fewer than two values, the 32-bit step, the bit shift.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Long } from '../../tracer/runtime/long';
import { aggregateOf } from '../../tracer/runtime/foreach-order';
import { addToStats, newStats, type StatsValue } from '../../tracer/runtime/statistics';

function stats(values: Long[], shift = 0, arrayElement = false): StatsValue {
  const s = newStats(values[0], [], shift, arrayElement);
  for (const v of values.slice(1)) addToStats(s, v, []);
  return s;
}
const variance = (values: Long[], shift = 0, arrayElement = false) => aggregateOf(stats(values, shift, arrayElement), 'variance');

function sixteenMultiples(): number[] {
  const values: number[] = [];
  for (let key = 0; key < 100; key++) for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 13, 14, 15]) values.push(key * m);
  return values;
}

test('a statistics global: the running variance combined with the exact mean', () => {
  assert.is(variance(sixteenMultiples()), 450768);
  assert.is(variance(Array.from({ length: 100 }, (_, i) => i)), 5741);
  assert.is(variance([100, 0, -2]), 3411);
});

test('an array element: the running variance as kept (SystemTap reads one part as it stands)', () => {
  assert.is(variance([100, 0, -2], 0, true), 3410);
  assert.is(variance([100, 1, -2], 0, true), 3429);
  assert.is(variance([100, 2, -2], 0, true), 3355);
});

test('@variance(x, N) scales by 2^N before dividing, then back down', () => {
  assert.is(variance([444, 999], 7), 154012);
  assert.is(variance([444, 999], 0), 154290);
});

test('fewer than two values give 0; the running step is a 32-bit int as in C', () => {
  assert.is(variance([42]), 0);
  assert.is(variance([42], 0, true), 0);
  // 2^40 - 0 does not fit the 32-bit step: it truncates to 0, so the running state never moves.
  assert.is(variance([0, 2 ** 40], 0, true), 0);
});

test('statistics without @variance keep no running state', () => {
  const s = newStats(5, []);
  addToStats(s, 7, []);
  assert.is(s.welford, undefined);
  assert.is(aggregateOf(s, 'variance'), 0);
});

test.run();
