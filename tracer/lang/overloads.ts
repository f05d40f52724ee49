// Function overloading, as SystemTap has it, desugared on the syntax tree before types are
// worked out. Functions of one name may differ in arity: a call picks the one with its number of
// arguments. Functions of one name and arity form a chain in the order they were read: `next`
// inside one means "let the next of the chain answer this call" (its value returned, with the
// same arguments), and `next` in the last of a chain — or in a function that is not overloaded —
// is the runtime error `all functions exhausted`.
import type { AstExpr, AstFile, AstFunction, AstStmt } from './ast';
import { visitAst } from './ast-walk';

/** A call of an overloaded name with an arity none of its functions has. */
export interface ArityMismatch {
  call: Extract<AstExpr, { kind: 'call' }>;
  arities: number[];
}

/** Renames overloads apart and rewrites every call and `next` of `files` (in place). */
export function desugarOverloads(files: AstFile[]): ArityMismatch[] {
  const byName = new Map<string, AstFunction[]>();
  for (const f of files.flatMap((file) => file.functions)) {
    const list = byName.get(f.name) ?? [];
    list.push(f);
    byName.set(f.name, list);
  }
  /** `name` with `arity` arguments → the name of the first function of its chain. */
  const heads = new Map<string, string>();
  const original = new Map([...byName].map(([name, list]) => [name, list.map((f) => f.params.length)]));
  for (const [name, list] of byName) {
    const arities = new Map<number, AstFunction[]>();
    for (const f of list) arities.set(f.params.length, [...(arities.get(f.params.length) ?? []), f]);
    for (const [arity, chain] of arities) {
      const renamed = list.length > 1 ? chain.map((_, i) => `__overload_${name}_${arity}_${i}`) : [name];
      heads.set(`${name}/${arity}`, renamed[0]);
      const returnsValue = chain.some((f) => f.returnType !== undefined || hasValueReturn(f.body));
      chain.forEach((f, i) => {
        f.name = renamed[i];
        rewriteNext(f, renamed[i + 1], returnsValue);
      });
    }
  }
  const mismatches: ArityMismatch[] = [];
  if (![...byName.values()].some((list) => list.length > 1)) return mismatches;
  const bodies: AstStmt[] = files.flatMap((file) => [...file.probes.map((p) => p.body), ...file.functions.map((f) => f.body), ...file.aliases.map((a) => a.body)]);
  for (const body of bodies) {
    visitAst(body, (e) => {
      if (e.kind !== 'call' || !byName.has(e.name) || (byName.get(e.name)!.length ?? 0) < 2) return;
      const head = heads.get(`${e.name}/${e.args.length}`);
      if (head) e.name = head;
      else mismatches.push({ call: e, arities: [...new Set(original.get(e.name))] });
    });
  }
  return mismatches;
}

function hasValueReturn(body: AstStmt): boolean {
  let found = false;
  visitAst(body, () => undefined, (s) => {
    if (s.kind === 'return' && s.value) found = true;
  });
  return found;
}

/** `next` in `f`: a call of the next function of the chain with f's arguments, or the error. */
function rewriteNext(f: AstFunction, following: string | undefined, returnsValue: boolean): void {
  visitAst(f.body, () => undefined, (s) => {
    if (s.kind !== 'next') return;
    const loc = s.loc;
    let replacement: AstStmt;
    if (following === undefined) {
      const message: AstExpr = { kind: 'string', value: 'all functions exhausted', loc };
      replacement = { kind: 'expr', expr: { kind: 'call', name: 'error', args: [message], loc }, loc };
    } else {
      const call: AstExpr = { kind: 'call', name: following, args: f.params.map((p) => ({ kind: 'name', name: p.name, loc })), loc };
      replacement = returnsValue ? { kind: 'return', value: call, loc } : { kind: 'block', body: [{ kind: 'expr', expr: call, loc }, { kind: 'return', loc }], loc };
    }
    const target = s as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, replacement);
  });
}
