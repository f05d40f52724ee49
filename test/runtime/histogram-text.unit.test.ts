// The histogram text against SystemTap's own expected outputs (its testsuite's systemtap.maps
// cases: linear, linear_overunder, log_edge, elision with the default HIST_ELISION=2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistSpec } from '../../tracer/ir/ir';
import { histogramText } from '../../tracer/runtime/histogram-text';
import { toLong, type Long } from '../../tracer/runtime/long';
import { logBucket } from '../../tracer/ir/histogram';
import { addToStats, average, histLayout, newStats, type StatsValue } from '../../tracer/runtime/statistics';

function stats(spec: HistSpec, values: Long[]): StatsValue {
  const layouts = [histLayout(spec)];
  const s = newStats(values[0], layouts);
  for (const v of values.slice(1)) addToStats(s, v, layouts);
  return s;
}
const hist = (spec: HistSpec, values: Long[]) => histogramText(histLayout(spec), stats(spec, values).hists[0]);
const linear = (low: number, high: number, step: number): HistSpec => ({ kind: 'linear', low: BigInt(low), high: BigInt(high), step: BigInt(step) });
const LOG: HistSpec = { kind: 'log' };

function sixteenMultiples(): number[] {
  const values: number[] = [];
  for (let key = 0; key < 100; key++) for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 13, 14, 15]) values.push(key * m);
  return values;
}

test('linear 0..1500 step 50, with aggregates (SystemTap linear.exp)', () => {
  const values = sixteenMultiples();
  const s = stats(linear(0, 1500, 50), values);
  assert.equal([s.count, s.sum, s.min, s.max, average(s)], [1600, 653400, 0, 1485, 408]);
  assert.is(
    histogramText(histLayout(linear(0, 1500, 50)), s.hists[0]),
    `value |-------------------------------------------------- count
    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@       177
   50 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@         170
  100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                      117
  150 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     122
  200 |@@@@@@@@@@@@@@@@@@@@@@@                             94
  250 |@@@@@@@@@@@@@@@@@@@@@@@                             94
  300 |@@@@@@@@@@@@@@@@@@@                                 79
  350 |@@@@@@@@@@@@@@@@@@@                                 79
  400 |@@@@@@@@@@@@@@@@                                    65
  450 |@@@@@@@@@@@@@@@@                                    67
  500 |@@@@@@@@@@@@@                                       55
  550 |@@@@@@@@@@@@@                                       54
  600 |@@@@@@@@@@@@                                        51
  650 |@@@@@@@@@@@                                         45
  700 |@@@@@@@@@@                                          41
  750 |@@@@@@@@@@                                          40
  800 |@@@@@@@@                                            34
  850 |@@@@@@@@                                            33
  900 |@@@@@@@                                             31
  950 |@@@@@@                                              27
 1000 |@@@@@                                               23
 1050 |@@@@@@                                              24
 1100 |@@@@                                                19
 1150 |@@@@                                                18
 1200 |@@@                                                 12
 1250 |@@                                                   9
 1300 |@                                                    7
 1350 |@                                                    7
 1400 |                                                     3
 1450 |                                                     3
 1500 |                                                     0

`,
  );
});

test('linear with underflow and overflow rows (SystemTap linear_overunder.exp)', () => {
  assert.is(
    hist(linear(250, 1000, 50), sixteenMultiples()),
    `value |-------------------------------------------------- count
 <250 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   680
  250 |@@@@@@                                              94
  300 |@@@@@                                               79
  350 |@@@@@                                               79
  400 |@@@@                                                65
  450 |@@@@                                                67
  500 |@@@                                                 55
  550 |@@@                                                 54
  600 |@@@                                                 51
  650 |@@@                                                 45
  700 |@@                                                  41
  750 |@@                                                  40
  800 |@@                                                  34
  850 |@@                                                  33
  900 |@@                                                  31
  950 |@                                                   27
 1000 |@                                                   23
>1000 |@@@@@@@                                            102

`,
  );
});

test('log edges (SystemTap log_edge.exp)', () => {
  assert.is(
    hist(LOG, [-1, 1]),
    `value |-------------------------------------------------- count
   -4 |                                                   0
   -2 |                                                   0
   -1 |@                                                  1
    0 |                                                   0
    1 |@                                                  1
    2 |                                                   0
    4 |                                                   0

`,
  );
  assert.is(logBucket(-1), 63);
  assert.is(logBucket(1), 65);
  assert.is(logBucket(0), 64);
  assert.is(logBucket(toLong(0x7fffffffffffffffn)), 127);
  assert.is(logBucket(toLong(-0x8000000000000000n)), 0);
  assert.is(
    hist(LOG, [toLong(0x7fffffffffffffffn)]),
    `              value |-------------------------------------------------- count
1152921504606846976 |                                                   0
2305843009213693952 |                                                   0
4611686018427387904 |@                                                  1

`,
  );
  assert.is(
    hist(LOG, [1, 2, 3, 4]),
    `value |-------------------------------------------------- count
    0 |                                                   0
    1 |@                                                  1
    2 |@@                                                 2
    4 |@                                                  1
    8 |                                                   0
   16 |                                                   0

`,
  );
});

test('elision of empty runs with ~ (SystemTap elision.exp, HIST_ELISION=2)', () => {
  assert.is(
    hist(linear(0, 1500, 50), [444, 999]),
    `value |-------------------------------------------------- count
  300 |                                                   0
  350 |                                                   0
  400 |@                                                  1
  450 |                                                   0
  500 |                                                   0
      ~
  850 |                                                   0
  900 |                                                   0
  950 |@                                                  1
 1000 |                                                   0
 1050 |                                                   0

`,
  );
  assert.is(hist(linear(0, 1500, 50), [1500]), `value |-------------------------------------------------- count
 1400 |                                                   0
 1450 |                                                   0
 1500 |@                                                  1

`);
  assert.is(hist(linear(-100, 100, 10), [-10]), `value |-------------------------------------------------- count
  -30 |                                                   0
  -20 |                                                   0
  -10 |@                                                  1
    0 |                                                   0
   10 |                                                   0

`);
  assert.is(hist(LOG, [-2, -4096]), ` value |-------------------------------------------------- count
-16384 |                                                   0
 -8192 |                                                   0
 -4096 |@                                                  1
 -2048 |                                                   0
 -1024 |                                                   0
       ~
    -8 |                                                   0
    -4 |                                                   0
    -2 |@                                                  1
    -1 |                                                   0
     0 |                                                   0

`);
});

test('-D HIST_ELISION: how many empty neighbours let a row be skipped; negative skips none', () => {
  const values = [444, 999];
  const rows = (elision: number) => histogramText(histLayout(linear(0, 1500, 50)), stats(linear(0, 1500, 50), values).hists[0], elision).split('\n');
  // 444 and 999 fall in the rows 400 and 950, ten empty rows apart; a `~` marks skipped rows
  // only where a printed row follows them
  const never = rows(-1);
  assert.is(never.filter((r) => r.trim() === '~').length, 0);
  assert.is(never.length, 1 + 16 + 1 + 1); // header, rows 300..1050, blank line, final ''
  const tight = rows(0);
  assert.is(tight.join('\n'), ['value |-------------------------------------------------- count', '      ~', '  400 |@                                                  1', '      ~', '  950 |@                                                  1', '', ''].join('\n'));
  const wide = rows(4);
  assert.ok(wide.includes('  450 |                                                   0'));
  assert.ok(wide.includes('      ~'));
  assert.is(rows(20).filter((r) => r.trim() === '~').length, 0);
});

test('full signed range of log buckets (SystemTap log.exp), bars scaled', () => {
  const values: Long[] = [];
  let v: Long = 1;
  for (let i = 0; i < 63; i++, v = toLong(BigInt(v) * 2n)) values.push(v);
  v = 1;
  for (let i = 0; i < 64; i++, v = toLong(BigInt(v) * 2n)) values.push(toLong(-BigInt(v)));
  for (let i = 0; i < 20; i++) values.push(0);
  const text = hist(LOG, values);
  const lines = text.split('\n');
  assert.is(lines[0], '               value |-------------------------------------------------- count');
  assert.is(lines[1], '-9223372036854775808 |@                                                   1');
  assert.is(lines[65], '                   0 |@@@@@@@@@@@@@@@@@@@@                               20');
  assert.is(lines[128], ' 4611686018427387904 |@                                                   1');
  assert.is(lines.length, 131);
  // More than 50 in a bucket: bars scale by ceil(max/50).
  const many = hist(LOG, [...Array(120).fill(3), ...Array(7).fill(1)]);
  assert.ok(many.includes('    2 |' + '@'.repeat(40) + ' '.repeat(11) + '120\n'), 'scale 3: 40 @, count right-aligned');
  assert.ok(many.includes('    1 |@@' + ' '.repeat(51) + '7\n'));
});

test.run();
