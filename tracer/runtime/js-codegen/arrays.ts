// Arrays as statements: foreach over an array's entries (sorted, limited, sliced; the keys and
// value into locals) and delete of an element, a slice, a whole array, a global or a local.
import type { ForeachStmt, Stmt } from '../../ir/ir';
import type { BodyEmitter } from './body-emitter';
import { emitForeachBucket } from './statistics';
import { zeroOf } from './values';

export function emitForeach(b: BodyEmitter, s: ForeachStmt): void {
  if (s.hist) return emitForeachBucket(b, s, s.hist);
  const out = b.out;
  const decl = b.module.global(s.global);
  const list = b.temp(), i = b.temp(), entry = b.temp();
  const sort = s.sort ? b.module.sortSpec(s.sort) : 'undefined';
  // the slice's keys are evaluated once, before the limit, as SystemTap does
  const slice = s.slice ? b.slicePattern(s.slice) : 'undefined';
  const limit = s.limit ? `Number(${b.expr(s.limit)})` : 'undefined';
  out.push(b.check(s.loc), `${list} = iter(g${s.global}, ${sort}, ${limit}, ${slice});`);
  out.push(`for (${i} = 0; ${i} < ${list}.length; ${i}++) {`, b.check(s.loc), `${entry} = ${list}[${i}];`);
  s.keys.forEach((slot, part) => out.push(`v${slot} = ${entry}[0][${part}];`));
  if (s.value !== undefined) {
    const isStats = decl.kind === 'array' && decl.value === 'stats';
    const fn = s.sort?.by === 'value' && s.sort.aggregate ? s.sort.aggregate : 'count';
    out.push(isStats ? `v${s.value} = aggregateOf(${entry}[1], ${JSON.stringify(fn)});` : `v${s.value} = ${entry}[1];`);
  }
  b.stmt(s.body);
  out.push('}');
}

export function emitDelete(b: BodyEmitter, target: Extract<Stmt, { kind: 'delete' }>['target']): string {
  switch (target.kind) {
    case 'element':
      return `g${target.global}.delete(${b.keys(target.keys)})`;
    case 'array':
      return `g${target.global}.clear()`;
    case 'global': {
      const decl = b.module.global(target.global);
      if (decl.kind === 'scalar') return `g${target.global}.set(${zeroOf(decl.type)})`;
      return `g${target.global}.clear()`;
    }
    case 'local':
      return `v${target.slot} = ${zeroOf(b.module.localType(target.slot))}`;
    case 'slice':
      return `sliceDelete(g${target.global}, ${b.slicePattern(target.keys)})`;
  }
}
