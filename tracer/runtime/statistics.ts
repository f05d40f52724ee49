// A statistics value (what `x <<< v` feeds): count, sum, min, max and the histograms the script
// reads, with SystemTap's bucket rules (defined once in ir/histogram.ts, which the eBPF layout
// shares): log2 buckets over the whole signed 64-bit range, linear buckets with an underflow and
// an overflow bucket.
import { HIST_LOG_BUCKETS, linearBucketCount, logBucket, STP_MAX_BUCKETS } from '../ir/histogram';
import type { HistSpec, StatsUse } from '../ir/ir';
import { add, div, type Long } from './long';
import { welfordAdd, welfordStart, type Welford } from './variance';

export interface StatsValue {
  /** Number of values added; never 0 for a stored value (an empty statistic reads as undefined). */
  count: number;
  sum: Long;
  min: Long;
  max: Long;
  /** Bucket counts, one array per HistSpec of the statistic's StatsUse.hist, in that order. */
  hists: number[][];
  /** Only for statistics read with @variance: SystemTap's running state (see variance.ts). */
  welford?: Welford;
}

/** Bucket layout of one histogram, precomputed from its HistSpec. */
export type HistLayout =
  | { kind: 'log'; buckets: number }
  | { kind: 'linear'; buckets: number; low: number; high: number; step: number };

export function histLayout(spec: HistSpec): HistLayout {
  if (spec.kind === 'log') return { kind: 'log', buckets: HIST_LOG_BUCKETS };
  const low = Number(spec.low), high = Number(spec.high), step = Number(spec.step);
  if (!(step > 0)) throw new RangeError(`@hist_linear step must be positive (got ${spec.step})`);
  const buckets = Number(linearBucketCount(spec));
  if (buckets < 3 || buckets > STP_MAX_BUCKETS) throw new RangeError(`@hist_linear(${low}, ${high}, ${step}) needs between 3 and ${STP_MAX_BUCKETS} buckets`);
  return { kind: 'linear', buckets, low, high, step };
}

/** The bit shift of a statistic read with @variance, else undefined (no running variance kept). */
export function varianceShiftOf(use: StatsUse | undefined): number | undefined {
  return use?.variance ? use.varianceShift ?? 0 : undefined;
}

export function histLayouts(use: StatsUse | undefined): HistLayout[] {
  return (use?.hist ?? []).map(histLayout);
}

/** Index of the linear bucket `value` falls in (0 underflow, buckets-1 overflow). */
export function linearBucket(layout: Extract<HistLayout, { kind: 'linear' }>, value: Long): number {
  const offset = Number(value) - layout.low;
  if (offset < 0) return 0;
  const index = Math.floor(offset / layout.step) + 1;
  return index >= layout.buckets - 1 ? layout.buckets - 1 : index;
}

/**
 * A fresh statistic holding one value. `varianceShift` (the N of `@variance(x, N)`) is given
 * for statistics read with @variance, which keep SystemTap's running variance besides (read as
 * SystemTap reads a global or, with `arrayElement`, an element of a statistics array).
 */
export function newStats(value: Long, layouts: readonly HistLayout[], varianceShift?: number, arrayElement = false): StatsValue {
  const hists: number[][] = [];
  for (const layout of layouts) {
    const buckets = new Array<number>(layout.buckets).fill(0);
    buckets[layout.kind === 'log' ? logBucket(value) : linearBucket(layout, value)]++;
    hists.push(buckets);
  }
  const stats: StatsValue = { count: 1, sum: value, min: value, max: value, hists };
  if (varianceShift !== undefined) stats.welford = welfordStart(value, varianceShift, !arrayElement);
  return stats;
}

/** Adds one value in place (__stp_stat_add). */
export function addToStats(stats: StatsValue, value: Long, layouts: readonly HistLayout[]): void {
  stats.count++;
  if (stats.welford) welfordAdd(stats.welford, value, stats.count);
  stats.sum = add(stats.sum, value);
  if (value < stats.min) stats.min = value;
  if (value > stats.max) stats.max = value;
  for (let i = 0; i < layouts.length; i++) {
    const layout = layouts[i];
    stats.hists[i][layout.kind === 'log' ? logBucket(value) : linearBucket(layout, value)]++;
  }
}

/** SystemTap's @avg: the sum divided by the count, truncated toward zero (_stp_div64). */
export function average(stats: StatsValue): Long {
  return div(stats.sum, stats.count);
}

/** Merges `from` into `into` (used by engines that keep per-CPU parts). */
export function mergeStats(into: StatsValue, from: StatsValue): void {
  into.count += from.count;
  into.sum = add(into.sum, from.sum);
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  for (let i = 0; i < into.hists.length; i++) for (let b = 0; b < into.hists[i].length; b++) into.hists[i][b] += from.hists[i]?.[b] ?? 0;
}

/** Index of `spec` in a statistic's histogram list (same kind and parameters). */
export function histIndex(use: StatsUse | undefined, spec: HistSpec): number {
  const list = use?.hist ?? [];
  return list.findIndex((h) =>
    h.kind === spec.kind && (h.kind === 'log' || (spec.kind === 'linear' && h.low === spec.low && h.high === spec.high && h.step === spec.step)),
  );
}
