// MAXNESTING's default, as SystemTap derives it from the script's call graph when -D MAXNESTING
// is not given: the deepest chain of nested script-function calls any probe can make, plus one;
// plus ten more when some function can reach itself (recursion has no static depth, so it gets
// ten levels of room). A script without functions gets 1.
import type { ProgramIR, Stmt } from '../ir/ir';
import { walkStmt } from '../ir/walk';

function callees(body: Stmt): Set<number> {
  const out = new Set<number>();
  walkStmt(body, {
    expr(e) {
      if (e.op === 'call') out.add(e.function);
    },
  });
  return out;
}

export function defaultMaxNesting(program: ProgramIR): number {
  const calls = program.functions.map((f) => callees(f.body));
  let recursive = false;
  const depthOf = new Map<number, number>();
  const active = new Set<number>();
  /** Frames in the longest chain starting with a call of `f` (back edges count once). */
  const depth = (f: number): number => {
    const known = depthOf.get(f);
    if (known !== undefined) return known;
    if (active.has(f)) {
      recursive = true;
      return 0;
    }
    active.add(f);
    let deepest = 0;
    for (const g of calls[f]) deepest = Math.max(deepest, depth(g));
    active.delete(f);
    depthOf.set(f, deepest + 1);
    return deepest + 1;
  };
  let chain = 0;
  for (const p of program.probes) for (const f of callees(p.handler.body)) chain = Math.max(chain, depth(f));
  return chain + 1 + (recursive ? 10 : 0);
}
