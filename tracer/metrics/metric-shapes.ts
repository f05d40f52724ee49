// What kind of Prometheus metric each global is, decided once from the script itself:
//   - a counter when every write only adds (`n++`, `n += 5`, `a[k]++`), and nothing resets or
//     deletes it — Prometheus may then compute rates over it;
//   - a gauge otherwise;
//   - the label names of an array's keys: the variables of a `foreach ([k1, k2] in arr)` the
//     script writes (what the author called the keys), else key1..keyN.
import type { Expr, GlobalDecl, LocalDecl, ProgramIR, Stmt } from '../ir/ir';
import { walkStmt } from '../ir/walk';

export interface MetricShape {
  counter: boolean;
  labels: string[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** An increment the counter type allows: ++, or += of a literal that is not negative. */
function onlyAdds(e: Extract<Expr, { op: 'assign' | 'incdec' }>): boolean {
  if (e.op === 'incdec') return e.delta === 1;
  return e.operator === '+=' && e.value.op === 'long' && e.value.value >= 0n;
}

function scanBody(body: Stmt, locals: readonly LocalDecl[], notCounter: Set<number>, foreachNames: Map<number, string[]>): void {
  walkStmt(body, {
    expr(e) {
      if (e.op !== 'assign' && e.op !== 'incdec') return;
      const target = e.target;
      if (target.kind !== 'global' && target.kind !== 'element') return;
      if (!onlyAdds(e)) notCounter.add(target.global);
    },
    stmt(s) {
      if (s.kind === 'delete' && s.target.kind !== 'local') notCounter.add(s.target.global);
      if (s.kind === 'foreach' && !foreachNames.has(s.global)) foreachNames.set(s.global, s.keys.map((slot) => locals[slot]?.name ?? ''));
    },
  });
}

function labelNames(decl: GlobalDecl, fromForeach: string[] | undefined): string[] {
  if (decl.kind !== 'array') return [];
  const fallback = decl.keyTypes.map((_, i) => `key${i + 1}`);
  if (!fromForeach || fromForeach.length !== decl.keyTypes.length) return fallback;
  // Labels must be distinct, valid, and not Prometheus's reserved `__` or our `le`/`value`.
  const reserved = new Set(['le', 'value', 'quantile']);
  const ok = fromForeach.every((n) => LABEL_NAME.test(n) && !n.startsWith('__') && !reserved.has(n)) && new Set(fromForeach).size === fromForeach.length;
  return ok ? fromForeach : fallback;
}

/** The metric shape of every global, by global index. */
export function metricShapes(program: ProgramIR): Map<number, MetricShape> {
  const notCounter = new Set<number>();
  const foreachNames = new Map<number, string[]>();
  for (const probe of program.probes) scanBody(probe.handler.body, probe.handler.locals, notCounter, foreachNames);
  for (const fn of program.functions) scanBody(fn.body, fn.locals, notCounter, foreachNames);
  const shapes = new Map<number, MetricShape>();
  for (const decl of program.globals) {
    const numeric = (decl.kind === 'scalar' && decl.type === 'long') || (decl.kind === 'array' && decl.value === 'long');
    shapes.set(decl.index, { counter: numeric && !notCounter.has(decl.index), labels: labelNames(decl, foreachNames.get(decl.index)) });
  }
  return shapes;
}
