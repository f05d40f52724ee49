// The globals a script writes but never reads, which SystemTap prints when the script ends (its
// translator adds an `end` probe per such global, after the script's own). As there, an update
// whose value is thrown away (`n++`, `n += 2`, `a[k]++` as statements of their own) only writes;
// the same update inside a larger expression reads too. Globals declared in tapsets are left out,
// as SystemTap leaves them out. Pure analysis over the IR.
import type { GlobalDecl, LValue, ProgramIR } from './ir';
import { walkStmt, type Visitor } from './walk';

export function unreadGlobals(program: ProgramIR): GlobalDecl[] {
  const read = new Set<number>();
  const written = new Set<number>();
  const updatesOnly = new Set<LValue>();
  const visitor: Visitor = {
    stmt(s) {
      const discarded = s.kind === 'expr' ? s.expr : s.kind === 'for' ? s.step : undefined;
      if (discarded && (discarded.op === 'incdec' || discarded.op === 'assign')) updatesOnly.add(discarded.target);
      if (s.kind === 'foreach') read.add(s.global);
      else if (s.kind === 'printHist') read.add(s.source.global);
      else if (s.kind === 'statsAdd') written.add(s.target.global);
      else if (s.kind === 'delete' && s.target.kind !== 'local') written.add(s.target.global);
    },
    expr(e) {
      if (e.op === 'global' || e.op === 'arrayGet' || e.op === 'arrayIn' || e.op === 'arraySliceIn') read.add(e.global);
      else if (e.op === 'aggregate' || e.op === 'histBucket' || e.op === 'histText') read.add(e.source.global);
    },
    lvalue(target, reads) {
      if (target.kind !== 'global' && target.kind !== 'element') return;
      written.add(target.global);
      if (reads && !updatesOnly.has(target)) read.add(target.global);
    },
  };
  for (const p of program.probes) walkStmt(p.handler.body, visitor);
  for (const f of program.functions) walkStmt(f.body, visitor);
  return program.globals.filter((g) => written.has(g.index) && !read.has(g.index) && !g.tapset);
}
