// Which scripts the uprobe engine cannot run exactly. An event-mode handler runs when utap reads
// its record, after the target has run on: the target memory it reads is read by the kernel at
// the hit and shipped (event-reads.ts), which needs every read's address to be computable there
// (a backtrace ships the registers and the top of the user stack). A read whose address is not
// computable would be read too late: such scripts go to the ptrace engine (auto) or are refused.
import type { PlanIR } from '../../ir/ir';
import { siteModes, type SiteMode } from './site-modes';

/** A sentence saying why, or undefined when every site is exact on this engine. */
export function inexactEventModeReason(plan: PlanIR, targetPid: number): string | undefined {
  return inexactModeReason(siteModes(plan, targetPid).modes);
}

/** The same, for sites already decided. */
export function inexactModeReason(modes: readonly SiteMode[]): string | undefined {
  for (const m of modes) {
    if (m.mode !== 'event') continue;
    if (m.event?.refusal) return `the handler of ${m.site.pp} runs in event mode (${m.reason}) and ${m.event.refusal}; use --engine ptrace`;
  }
  return undefined;
}
