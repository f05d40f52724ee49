// Which scripts the uprobe engine cannot run exactly: a probe whose handler must run in event
// mode (eBPF cannot do what it does) and that reads the target's memory or stack. Event mode
// reads those when utap handles the record, after the target has run on (or exited), so the
// values could be wrong; such scripts go to the ptrace engine (auto) or are refused.
import type { PlanIR } from '../../ir/ir';
import { siteModes } from './site-modes';

/** A sentence saying why, or undefined when every site is exact on this engine. */
export function inexactEventModeReason(plan: PlanIR, targetPid: number): string | undefined {
  for (const m of siteModes(plan, targetPid).modes) {
    if (m.mode !== 'event') continue;
    const readsTarget = m.site.needs.readsUserMemory || m.site.needs.context.includes('ubacktrace');
    if (readsTarget) return `the handler of ${m.site.pp} runs in event mode (${m.reason}) and reads the target's memory or stack, which event mode would read too late to be exact; use --engine ptrace`;
  }
  return undefined;
}
