// One key per expression regardless of where it was written: two reads of `$p->len` at different
// script lines are the same read of the target, so an event record ships it once.
import type { Expr } from '../ir/ir';

export function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'loc' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
}
