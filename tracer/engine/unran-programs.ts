// Never a silent zero: a probe placed in a program that no traced process ever ran (the program
// of `-c` ran in a grandchild utap did not see, a typo'd path that exists, a library never
// loaded) has counted nothing for a reason the output cannot show. Each engine tells which
// sites went into some traced process; the others are named in one warning per program at the
// end of the run.
import type { ProbeSiteIR } from '../ir/ir';

/** One warning per binary none of whose sites was ever placed in a traced process. */
export function unranProgramsWarnings(sites: readonly ProbeSiteIR[], placed: ReadonlySet<number>): string[] {
  const byBinary = new Map<string, { placed: boolean; points: Set<string> }>();
  for (const site of sites) {
    let entry = byBinary.get(site.binary);
    if (!entry) byBinary.set(site.binary, (entry = { placed: false, points: new Set() }));
    if (placed.has(site.id)) entry.placed = true;
    entry.points.add(site.pp);
  }
  const warnings: string[] = [];
  for (const [binary, { placed: wasPlaced, points }] of byBinary) {
    if (wasPlaced) continue;
    const names = [...points];
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
    warnings.push(`utap: warning: no traced process ran ${binary}, so probe${names.length > 1 ? 's' : ''} ${shown} never fired; check the program path, or trace the process that runs it (-p PID, or -c with the command that starts it).`);
  }
  return warnings;
}
