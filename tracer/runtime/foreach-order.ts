// The order a foreach visits an array in.
//
// - unsorted: the store's own order (insertion order for JS-memory arrays; SystemTap's is its
//   hash order, which no script can rely on);
// - `[k+]`/`[k-]` on key part k, or `arr+`/`arr-` on the value (for a statistics array on one
//   aggregate, @count unless another is named), ascending or descending: longs numerically,
//   strings byte-wise (strcmp); equal elements keep their unsorted order (a stable sort, as
//   SystemTap's merge sort);
// - `limit N`: at most N elements, counted after sorting; N <= 0 visits none.
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

/** The entries a foreach visits, in order, already cut to the limit. */
export function foreachEntries(store: ArrayStore | StatsArrayStore, sort: ForeachSort | undefined, limit: number | undefined): Entry[] {
  const max = limit === undefined ? Infinity : limit;
  if (max <= 0) return [];
  if (sort === undefined) {
    const out: Entry[] = [];
    for (const entry of store.entries()) {
      if (out.length >= max) break;
      out.push(entry);
    }
    return out;
  }
  const all: Entry[] = Array.from(store.entries() as Iterable<Entry>);
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
