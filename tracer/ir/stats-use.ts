// Completes each statistics global's StatsUse from what the program actually reads (aggregate
// nodes, printed histograms, foreach sorts and values over statistics arrays), so every executor
// can rely on it: the runtime keeps exactly the listed histograms, the eBPF code generator only
// the listed aggregates. The planner runs it; whatever the front end already set is kept.
import type { GlobalDecl, HistSpec, ProgramIR, StatsUse } from './ir';
import { walkStmt, type Visitor } from './walk';

function sameHist(a: HistSpec, b: HistSpec): boolean {
  if (a.kind === 'log' || b.kind === 'log') return a.kind === b.kind;
  return a.low === b.low && a.high === b.high && a.step === b.step;
}

function addHist(use: StatsUse | undefined, spec: HistSpec): void {
  if (use && !use.hist.some((h) => sameHist(h, spec))) use.hist.push(spec);
}

function emptyUse(): StatsUse {
  return { count: false, sum: false, min: false, max: false, avg: false, hist: [] };
}

/** A copy of `program` whose statistics globals list every aggregate and histogram used. */
export function completeStatsUse(program: ProgramIR): ProgramIR {
  const uses = new Map<number, StatsUse>();
  for (const g of program.globals) {
    if (g.kind === 'stats' || (g.kind === 'array' && g.value === 'stats')) {
      const base = g.stats ?? emptyUse();
      uses.set(g.index, { ...base, hist: [...base.hist] });
    }
  }
  const visitor: Visitor = {
    expr(e) {
      if (e.op === 'histBucket' || e.op === 'histText') addHist(uses.get(e.source.global), e.hist);
      if (e.op !== 'aggregate') return;
      const use = uses.get(e.source.global);
      if (!use) return;
      use[e.fn] = true;
      if (e.fn === 'variance' && e.shift !== undefined) use.varianceShift = e.shift;
    },
    stmt(s) {
      if (s.kind === 'printHist') {
        addHist(uses.get(s.source.global), s.hist);
      } else if (s.kind === 'foreach') {
        const use = uses.get(s.global);
        if (!use) return;
        if (s.hist) return addHist(use, s.hist.spec);
        if (s.sort?.by === 'value') use[s.sort.aggregate ?? 'count'] = true;
        if (s.value !== undefined) use[s.sort?.by === 'value' && s.sort.aggregate ? s.sort.aggregate : 'count'] = true;
      }
    },
  };
  for (const p of program.probes) walkStmt(p.handler.body, visitor);
  for (const f of program.functions) walkStmt(f.body, visitor);
  const globals: GlobalDecl[] = program.globals.map((g) => {
    const use = uses.get(g.index);
    if (!use) return g;
    if (use.avg) {
      // @avg is sum / count: an executor keeping only the listed aggregates needs both.
      use.sum = true;
      use.count = true;
    }
    return { ...g, stats: use } as GlobalDecl;
  });
  return { ...program, globals };
}
