// What SystemTap warns about in a script that is otherwise valid, for -W (warnings as errors):
// a global the script declares and never uses (SystemTap elides it), and a function overload
// no call can reach (an earlier one of the same name and arity never says `next`).
import type { SourceLoc } from '../ir/ir';
import type { AstFile } from './ast';
import { visitAst } from './ast-walk';

export interface ScriptWarning {
  loc: SourceLoc;
  message: string;
}

export function scriptWarnings(file: AstFile): ScriptWarning[] {
  const out: ScriptWarning[] = [];
  const used = new Set<string>();
  const bodies = [...file.probes.map((p) => p.body), ...file.functions.map((f) => f.body), ...file.aliases.map((a) => a.body)];
  for (const body of bodies) {
    visitAst(
      body,
      (e) => {
        if (e.kind === 'name' || e.kind === 'index' || e.kind === 'in' || e.kind === 'slice') used.add(e.name);
      },
      (s) => {
        if (s.kind === 'foreach') used.add(s.array);
      },
    );
  }
  for (const c of file.probes.flatMap((p) => p.points.map((pt) => pt.condition))) if (c) visitAst({ kind: 'expr', expr: c, loc: c.loc }, (e) => (e.kind === 'name' || e.kind === 'index') && used.add(e.name));
  for (const g of file.globals) if (!used.has(g.name)) out.push({ loc: g.loc, message: `the global '${g.name}' is never used (SystemTap elides it).` });
  const chains = new Map<string, AstFile['functions']>();
  for (const f of file.functions) {
    const key = `${f.name}/${f.params.length}`;
    chains.set(key, [...(chains.get(key) ?? []), f]);
  }
  for (const chain of chains.values()) {
    const stop = chain.findIndex((f) => !f.embedded && !mentionsNext(f.body));
    for (const f of chain.slice(stop + 1)) if (stop >= 0) out.push({ loc: f.loc, message: `this overload of '${f.name}' is never reached: the one at ${where(chain[stop].loc)} never says 'next'.` });
  }
  return out;
}

function mentionsNext(body: AstFile['functions'][number]['body']): boolean {
  let found = false;
  visitAst(body, () => undefined, (s) => {
    if (s.kind === 'next') found = true;
  });
  return found;
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}
