// Statistics: `x <<< v`, the aggregates (@count/@sum at once, 0 when empty; @min/@max/@avg/
// @variance an "empty aggregate" error then), histograms as text, one bucket's count, and
// foreach over a histogram's buckets. The values and buckets themselves are runtime/statistics.ts.
import type { Expr, ForeachStmt, Stmt } from '../../ir/ir';
import type { BodyEmitter } from './body-emitter';

export function emitAggregate(b: BodyEmitter, e: Extract<Expr, { op: 'aggregate' }>): string {
  const read = b.statsRead(e.source.global, e.source.keys);
  if (e.fn === 'count') return `aggCount(${read})`;
  if (e.fn === 'sum') return `aggSum(${read})`;
  return `agg(${read}, ${JSON.stringify(e.fn)}, ${b.loc(e.loc)})`;
}

export function emitHistText(b: BodyEmitter, e: Extract<Expr, { op: 'histText' }>): string {
  const spec = b.module.histSpecIndex(e.source.global, e.hist, e.loc);
  return `cut(hist(${b.statsRead(e.source.global, e.source.keys)}, ${e.source.global}, ${spec}, ${b.loc(e.loc)}))`;
}

export function emitHistBucket(b: BodyEmitter, e: Extract<Expr, { op: 'histBucket' }>): string {
  const spec = b.module.histSpecIndex(e.source.global, e.hist, e.loc);
  return `hbucket(${b.statsRead(e.source.global, e.source.keys)}, ${spec}, ${b.expr(e.bucket)}, ${b.loc(e.loc)})`;
}

export function emitStatsAdd(b: BodyEmitter, s: Extract<Stmt, { kind: 'statsAdd' }>): void {
  const g = b.store(s.target.global);
  const value = b.expr(s.value);
  if (s.target.keys && s.target.keys.length > 0) {
    b.out.push(b.check(s.loc), `${g}.add(${b.keys(s.target.keys)}, ${value}) || overflow(${s.target.global}, ${b.loc(s.loc)});`);
  } else b.out.push(b.check(s.loc), `${g}.add(${value});`);
}

export function emitPrintHist(b: BodyEmitter, s: Extract<Stmt, { kind: 'printHist' }>): void {
  const spec = b.module.histSpecIndex(s.source.global, s.hist, s.loc);
  b.out.push(b.check(s.loc), `emit(hist(${b.statsRead(s.source.global, s.source.keys)}, ${s.source.global}, ${spec}, ${b.loc(s.loc)}), curPP);`);
}

/** foreach over the buckets of a histogram: bucket numbers in order, the value its count. */
export function emitForeachBucket(b: BodyEmitter, s: ForeachStmt, hist: NonNullable<ForeachStmt['hist']>): void {
  const out = b.out;
  const spec = b.module.histSpecIndex(s.global, hist.spec, s.loc);
  const counts = b.temp(), i = b.temp(), n = b.temp();
  const limit = s.limit ? `Number(${b.expr(s.limit)})` : 'Infinity';
  out.push(b.check(s.loc), `${counts} = hbuckets(${b.statsRead(s.global, hist.keys)}, ${spec}, ${b.loc(s.loc)});`);
  out.push(`${n} = Math.min(${counts}.length, ${limit});`);
  out.push(`for (${i} = 0; ${i} < ${n}; ${i}++) {`, b.check(s.loc));
  if (s.keys.length > 0) out.push(`v${s.keys[0]} = ${i};`);
  if (s.value !== undefined) out.push(`v${s.value} = ${counts}[${i}];`);
  b.stmt(s.body);
  out.push('}');
}
