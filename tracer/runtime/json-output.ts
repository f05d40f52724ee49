// `--json`: the records of the JSON-lines output (one JSON object per line). The shapes are
// documented in docs/language.md ("Output"); keep the two in step.
//
//   {"type":"print","probe":"timer.s(5)","text":"..."}                one per printf/print/println
//   {"type":"error","message":"division by 0","file":"x.stp","line":3,"column":9,"probe":"begin"}
//   {"type":"global","name":"n","kind":"scalar","valueType":"long","value":42}
//   {"type":"global","name":"a","kind":"array","keyTypes":["string","long"],"valueType":"long",
//    "entries":[{"key":["x",1],"value":7}, ...]}
//   {"type":"global","name":"s","kind":"stats","value":{"count":..,"sum":..,"min":..,"max":..,"avg":..,
//    "histograms":[{"kind":"log","buckets":[{"value":8,"count":3}, ...]}]}}      (value null when empty)
//   {"type":"exit","status":0,"reason":"exit"}
//
// Longs are JSON numbers when they are safe integers and decimal strings otherwise; strings are
// decoded as UTF-8. Histogram buckets list the non-empty rows, `value` being the row's label in
// the text histogram (a log bucket's smallest magnitude, a linear bucket's low end), with
// "underflow"/"overflow" set on a linear histogram's outer buckets.
import type { GlobalDecl } from '../ir/ir';
import { aggregateOf } from './foreach-order';
import type { Long } from './long';
import { toText } from './script-string';
import { logBucketValue } from '../ir/histogram';
import { histLayouts, type HistLayout, type StatsValue } from './statistics';
import type { GlobalStore, Scalar } from './storage';

export type JsonLong = number | string;

export function jsonLong(value: Long): JsonLong {
  return typeof value === 'number' ? value : value.toString();
}

export function jsonScalar(value: Scalar): JsonLong {
  return typeof value === 'string' ? toText(value) : jsonLong(value);
}

interface JsonBucket {
  value: JsonLong;
  count: number;
  underflow?: true;
  overflow?: true;
}

function jsonHistogram(layout: HistLayout, counts: readonly number[]): object {
  const buckets: JsonBucket[] = [];
  counts.forEach((count, i) => {
    if (count === 0) return;
    if (layout.kind === 'log') {
      const v = logBucketValue(i);
      buckets.push({ value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(), count });
    } else if (i === 0) buckets.push({ value: layout.low, count, underflow: true });
    else if (i === layout.buckets - 1) buckets.push({ value: layout.low + (i - 2) * layout.step, count, overflow: true });
    else buckets.push({ value: layout.low + (i - 1) * layout.step, count });
  });
  return layout.kind === 'log' ? { kind: 'log', buckets } : { kind: 'linear', low: layout.low, high: layout.high, step: layout.step, buckets };
}

export function jsonStats(stats: StatsValue | undefined, layouts: readonly HistLayout[]): object | null {
  if (stats === undefined || stats.count === 0) return null;
  return {
    count: stats.count,
    sum: jsonLong(stats.sum),
    min: jsonLong(stats.min),
    max: jsonLong(stats.max),
    avg: jsonLong(aggregateOf(stats, 'avg')),
    histograms: layouts.map((layout, i) => jsonHistogram(layout, stats.hists[i])),
  };
}

/** The record describing a global's final value. */
export function globalRecord(decl: GlobalDecl, store: GlobalStore): object {
  switch (decl.kind) {
    case 'scalar':
      return { type: 'global', name: decl.name, kind: 'scalar', valueType: decl.type, value: jsonScalar((store as Extract<GlobalStore, { kind: 'scalar' }>).get()) };
    case 'stats':
      return { type: 'global', name: decl.name, kind: 'stats', value: jsonStats((store as Extract<GlobalStore, { kind: 'stats' }>).read(), histLayouts(decl.stats)) };
    case 'array': {
      const layouts = histLayouts(decl.stats);
      const entries: object[] = [];
      if (store.kind === 'statsArray') {
        for (const [key, value] of store.entries()) entries.push({ key: key.map(jsonScalar), value: jsonStats(value, layouts) });
      } else if (store.kind === 'array') {
        for (const [key, value] of store.entries()) entries.push({ key: key.map(jsonScalar), value: jsonScalar(value) });
      }
      return { type: 'global', name: decl.name, kind: 'array', keyTypes: decl.keyTypes, valueType: decl.value, entries };
    }
  }
}

export function jsonLine(record: object): string {
  // The sink takes byte strings: hand it the line's UTF-8 bytes.
  return Buffer.from(JSON.stringify(record) + '\n', 'utf8').toString('latin1');
}
