// The order a foreach visits an array in.
//
// - unsorted: the store's own order (insertion order for JS-memory arrays; SystemTap's is its
//   hash order, which no script can rely on);
// - `[k+]`/`[k-]` on key part k, or `arr+`/`arr-` on the value (for a statistics array on one
//   aggregate, @count unless another is named), ascending or descending: longs numerically,
//   strings byte-wise (strcmp); equal elements keep their unsorted order (a stable sort, as
//   SystemTap's merge sort);
// - `limit N`: at most N elements, counted after sorting; N <= 0 visits none;
// - a slice `arr[k, *]`: only the elements whose key parts equal the given ones (`*`: any),
//   sorted and limited among themselves.
import type { AggregateFn, ForeachSort } from '../ir/ir';
import type { Long } from './long';
import { average, type StatsValue } from './statistics';
import { varianceOf } from './variance';
import type { ArrayStore, Key, Scalar, StatsArrayStore } from './storage';

export type Entry = readonly [Key, Scalar | StatsValue];

export function aggregateOf(stats: StatsValue, fn: AggregateFn): Long {
  switch (fn) {
    case 'count':
      return stats.count;
    case 'sum':
      return stats.sum;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'avg':
      return average(stats);
    case 'variance':
      return stats.welford ? varianceOf(stats.welford, stats.count, stats.sum) : 0;
  }
}

function compare(a: Scalar, b: Scalar): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An array slice, `arr[1, *]`: the value each key part must have, `undefined` for `*` (any).
 * Values are script values, normalized, so `===` compares them.
 */
export type SlicePattern = readonly (Scalar | undefined)[];

function matches(key: Key, pattern: SlicePattern): boolean {
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== undefined && key[i] !== pattern[i]) return false;
  return true;
}

/** `[1, *] in arr`: some element's key matches the slice. */
export function sliceHas(store: ArrayStore | StatsArrayStore, pattern: SlicePattern): boolean {
  for (const [key] of store.entries()) if (matches(key, pattern)) return true;
  return false;
}

/** `delete arr[*, k]`: every element whose key matches the slice. */
export function sliceDelete(store: ArrayStore | StatsArrayStore, pattern: SlicePattern): void {
  const doomed: Key[] = [];
  for (const [key] of store.entries()) if (matches(key, pattern)) doomed.push(key);
  for (const key of doomed) store.delete(key);
}

/** The entries a foreach visits (those matching `slice`, when given), in order, already cut to the limit. */
export function foreachEntries(store: ArrayStore | StatsArrayStore, sort: ForeachSort | undefined, limit: number | undefined, slice?: SlicePattern): Entry[] {
  const max = limit === undefined ? Infinity : limit;
  if (max <= 0) return [];
  if (sort === undefined) {
    const out: Entry[] = [];
    for (const entry of store.entries()) {
      if (out.length >= max) break;
      if (slice === undefined || matches(entry[0], slice)) out.push(entry);
    }
    return out;
  }
  let all: Entry[] = Array.from(store.entries() as Iterable<Entry>);
  if (slice !== undefined) all = all.filter((entry) => matches(entry[0], slice));
  const sign = sort.direction === 'asc' ? 1 : -1;
  if (sort.by === 'key') {
    const part = sort.part;
    all.sort((x, y) => sign * compare(x[0][part], y[0][part]));
  } else if (store.kind === 'statsArray') {
    const fn = sort.aggregate ?? 'count';
    const keyed = all.map((entry, i) => ({ entry, i, v: aggregateOf(entry[1] as StatsValue, fn) }));
    keyed.sort((x, y) => sign * compare(x.v, y.v) || x.i - y.i);
    return keyed.slice(0, max === Infinity ? undefined : max).map((k) => k.entry);
  } else {
    all.sort((x, y) => sign * compare(x[1] as Scalar, y[1] as Scalar));
  }
  return max < all.length ? all.slice(0, max) : all;
}
