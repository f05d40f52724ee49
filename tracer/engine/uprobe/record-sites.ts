// What the kernel sends, run through the Session: every printf / print / exit / error record
// becomes a hit of a small synthesized site whose handler does just that with `captured`
// values, so formatting, --json and the error probes stay the runtime's. Event-mode records
// are hits of the original sites; entry records feed Session.captureEntry.
import type { Expr, PlanIR, ProbeSiteIR, Stmt } from '../../ir/ir';
import { handlerNeeds } from '../../ir/needs';
import type { RecordSpec } from '../../bpf-codegen/records';

export interface RecordRoute {
  spec: RecordSpec;
  /** The Session site the record is a hit of. */
  siteId: number;
}

/** The plan the Session runs: the original one plus a synthesized site per record kind that needs one. */
export function planWithRecordSites(plan: PlanIR, records: Iterable<RecordSpec>): { plan: PlanIR; routes: Map<number, RecordRoute> } {
  // (after the lifecycle probes' ids too: they share the Session's site ids)
  let nextId = [...plan.sites, ...(plan.lifecycle ?? [])].reduce((n, s) => Math.max(n, s.id + 1), 0);
  const byId = new Map(plan.sites.map((s) => [s.id, s]));
  const extra: ProbeSiteIR[] = [];
  const routes = new Map<number, RecordRoute>();
  for (const spec of records) {
    const site = byId.get(spec.site)!;
    if (spec.kind === 'event' || spec.kind === 'entry') {
      routes.set(spec.id, { spec, siteId: site.id });
      continue;
    }
    const captured = (i: number): Expr => {
      const f = spec.fields[i];
      return { op: 'captured', type: f.type === 'string' ? 'string' : 'long', index: i, loc: spec.loc };
    };
    const args = spec.fields.map((_, i) => captured(i));
    let body: Stmt;
    switch (spec.kind) {
      case 'printf':
        body = { kind: 'printf', format: spec.format, args, loc: spec.loc };
        break;
      case 'print':
        body = { kind: 'print', args, newline: spec.newline, loc: spec.loc };
        break;
      case 'exit':
        body = { kind: 'exit', loc: spec.loc };
        break;
      case 'scriptError':
        body = { kind: 'error', message: args[0], loc: spec.loc };
        break;
      case 'kernelError':
        // The message is made in userspace (it names the address) and passed as captured(0).
        body = { kind: 'error', message: { op: 'captured', type: 'string', index: 0, loc: spec.loc }, loc: spec.loc };
        break;
    }
    const handler = { locals: [], body };
    const synthesized: ProbeSiteIR = { ...site, id: nextId++, handler, needs: handlerNeeds(plan.program, handler), entryCaptures: [] };
    extra.push(synthesized);
    routes.set(spec.id, { spec, siteId: synthesized.id });
  }
  return { plan: { ...plan, sites: [...plan.sites, ...extra] }, routes };
}
