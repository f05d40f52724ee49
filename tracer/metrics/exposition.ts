// The Prometheus text exposition format (version 0.0.4, which Prometheus, the OpenTelemetry
// collector and promtool read) of a script's globals:
//
//   long scalar        gauge, or counter (`_total`) when the script only adds to it
//   string scalar      `NAME_info{value="..."} 1`
//   long array         one series per key, labelled with the key parts (metric-shapes.ts)
//   string array       `NAME_info{keys..., value="..."} 1`
//   statistics         summary (`_count`, `_sum`), or a histogram with cumulative `le` buckets
//                      when the script reads @hist_log/@hist_linear of it; `NAME_min`/`NAME_max`
//                      gauges beside it (per key for statistics arrays)
//
// Histogram bounds follow SystemTap's buckets exactly: values are integers, so a bucket's `le`
// is the largest value it holds (log2 bucket of [2^k, 2^(k+1)-1] → le 2^(k+1)-1; linear
// [lo+i*step, lo+(i+1)*step-1]). A log histogram lists the buckets from 0 (or the smallest
// negative bucket seen) up to the largest bucket seen, so its bucket set only grows during a run.
import type { GlobalDecl, HistSpec, ProgramIR } from '../ir/ir';
import type { GlobalSnapshot } from '../runtime/global-snapshot';
import { toText } from '../runtime/script-string';
import { HIST_LOG_BUCKET0, logBucket } from '../ir/histogram';
import { histLayout, type StatsValue } from '../runtime/statistics';
import type { Key, Scalar } from '../runtime/storage';
import { metricShapes, type MetricShape } from './metric-shapes';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A metric name fit for Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]*. */
export function metricName(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function scalarText(value: Scalar): string {
  return typeof value === 'string' ? toText(value) : String(value);
}

function labelSet(names: readonly string[], key: Key | undefined, extra: Array<[string, string]> = []): string {
  const pairs: Array<[string, string]> = key ? names.map((n, i) => [n, scalarText(key[i])]) : [];
  pairs.push(...extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** `le` bounds and counts of one histogram, cumulative, ending with +Inf. */
function histogramBuckets(spec: HistSpec, stats: StatsValue, counts: readonly number[]): Array<[string, number]> {
  const rows: Array<[string, number]> = [];
  let cumulative = 0;
  if (spec.kind === 'log') {
    const first = Math.min(logBucket(stats.min), HIST_LOG_BUCKET0);
    const last = Math.max(logBucket(stats.max), HIST_LOG_BUCKET0);
    for (let b = 0; b < first; b++) cumulative += counts[b] ?? 0;
    for (let b = first; b <= last; b++) {
      cumulative += counts[b] ?? 0;
      // Bucket 64 holds 0; above it 64+k holds [2^(k-1), 2^k - 1]; below it 64-k holds [-(2^k - 1), -2^(k-1)].
      const le = b === HIST_LOG_BUCKET0 ? 0n : b > HIST_LOG_BUCKET0 ? (1n << BigInt(b - HIST_LOG_BUCKET0)) - 1n : -(1n << BigInt(HIST_LOG_BUCKET0 - 1 - b));
      rows.push([le.toString(), cumulative]);
    }
  } else {
    const layout = histLayout(spec);
    if (layout.kind !== 'linear') throw new Error('linear histogram expected');
    for (let b = 0; b < layout.buckets - 1; b++) {
      cumulative += counts[b] ?? 0;
      // Bucket 0 holds what is below low; bucket i ≥ 1 holds [low + (i-1)·step, low + i·step - 1].
      rows.push([String(layout.low + b * layout.step - 1), cumulative]);
    }
  }
  rows.push(['+Inf', stats.count]);
  return rows;
}

/** Renders the globals of one program under one name prefix; names and shapes are fixed at construction. */
export class MetricsView {
  private readonly shapes: Map<number, MetricShape>;
  private readonly names = new Map<number, string>();

  constructor(private readonly prefix: string, private readonly program: ProgramIR, taken: Set<string> = new Set()) {
    this.shapes = metricShapes(program);
    // Every family a global may produce must be free, across all the views of one scrape.
    const suffixes = ['', '_total', '_info', '_min', '_max', '_bucket', '_sum', '_count'];
    for (const decl of program.globals) {
      const counter = this.shapes.get(decl.index)?.counter ?? false;
      let stem = metricName(`${prefix}_${decl.name}`);
      if (counter && stem.endsWith('_total')) stem = stem.slice(0, -'_total'.length);
      if (suffixes.some((s) => taken.has(stem + s))) stem += `_g${decl.index}`;
      for (const s of suffixes) taken.add(stem + s);
      this.names.set(decl.index, counter ? `${stem}_total` : stem);
    }
  }

  private help(decl: GlobalDecl, what: string): string {
    return escapeHelp(`${what} of global ${decl.name} (${decl.loc.file}:${decl.loc.line}:${decl.loc.column}${this.prefix === 'utap' ? '' : `, ${this.prefix}`})`);
  }

  /** The exposition of `snapshots` (one per global, any order). */
  render(snapshots: readonly GlobalSnapshot[]): string {
    const byIndex = new Map(this.program.globals.map((d) => [d.index, d]));
    let out = '';
    for (const snap of snapshots) {
      const decl = byIndex.get(snap.global);
      if (!decl) continue;
      out += this.renderOne(decl, snap);
    }
    return out;
  }

  private renderOne(decl: GlobalDecl, snap: GlobalSnapshot): string {
    const name = this.names.get(decl.index)!;
    const shape = this.shapes.get(decl.index) ?? { counter: false, labels: [] };
    const lines: string[] = [];
    const family = (metric: string, type: string, help: string) => lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`);
    switch (snap.kind) {
      case 'scalar': {
        if (typeof snap.value === 'string') {
          family(`${name}_info`, 'gauge', this.help(decl, 'value'));
          lines.push(`${name}_info${labelSet([], undefined, [['value', toText(snap.value)]])} 1`);
        } else {
          family(name, shape.counter ? 'counter' : 'gauge', this.help(decl, 'value'));
          lines.push(`${name} ${String(snap.value)}`);
        }
        break;
      }
      case 'array': {
        const strings = decl.kind === 'array' && decl.value === 'string';
        if (strings) {
          family(`${name}_info`, 'gauge', this.help(decl, 'elements'));
          for (const [key, value] of snap.entries) lines.push(`${name}_info${labelSet(shape.labels, key, [['value', scalarText(value)]])} 1`);
        } else {
          family(name, shape.counter ? 'counter' : 'gauge', this.help(decl, 'elements'));
          for (const [key, value] of snap.entries) lines.push(`${name}${labelSet(shape.labels, key)} ${scalarText(value)}`);
        }
        break;
      }
      case 'stats':
      case 'statsArray': {
        const use = decl.kind === 'stats' ? decl.stats : decl.kind === 'array' ? decl.stats : undefined;
        const hist = use?.hist[0];
        const entries: Array<[Key | undefined, StatsValue]> = snap.kind === 'stats' ? (snap.value ? [[undefined, snap.value]] : []) : snap.entries;
        family(name, hist ? 'histogram' : 'summary', this.help(decl, hist ? `${hist.kind === 'log' ? '@hist_log' : '@hist_linear'} of the values` : 'count and sum of the values'));
        for (const [key, stats] of entries) {
          if (hist) for (const [le, count] of histogramBuckets(hist, stats, stats.hists[0] ?? [])) lines.push(`${name}_bucket${labelSet(shape.labels, key, [['le', le]])} ${count}`);
          lines.push(`${name}_sum${labelSet(shape.labels, key)} ${String(stats.sum)}`, `${name}_count${labelSet(shape.labels, key)} ${stats.count}`);
        }
        for (const [suffix, pick] of [['min', (s: StatsValue) => s.min], ['max', (s: StatsValue) => s.max]] as const) {
          family(`${name}_${suffix}`, 'gauge', this.help(decl, `@${suffix}`));
          for (const [key, stats] of entries) lines.push(`${name}_${suffix}${labelSet(shape.labels, key)} ${String(pick(stats))}`);
        }
        break;
      }
    }
    return lines.map((l) => `${l}\n`).join('');
  }
}
