// Which scripts the uprobe engine cannot run exactly: a probe whose handler must run in event
// mode (eBPF cannot do what it does) and that reads the target's memory or stack. Event mode
// reads those when utap handles the record, after the target has run on (or exited), so the
// values could be wrong; such scripts go to the ptrace engine (auto) or are refused.
import type { PlanIR } from '../../ir/ir';
import { compileSite } from '../../../kernel-helper/codegen/site-compiler';
import { EventModeNeeded } from '../../../kernel-helper/codegen/event-mode';

/** A sentence saying why, or undefined when every site is exact on this engine. */
export function inexactEventModeReason(plan: PlanIR, targetPid: number): string | undefined {
  const dryFds = { global: () => 0, ring: 0, state: 0, heap: 0, entry: 0 };
  let ids = 0;
  for (const site of plan.sites) {
    const readsTarget = site.needs.readsUserMemory || site.needs.context.includes('ubacktrace');
    if (!readsTarget) continue;
    try {
      compileSite({ program: plan.program, site, fds: dryFds, nextRecordId: () => ids++, targetPid, walltimeOffsetNs: 0n });
    } catch (error) {
      if (!(error instanceof EventModeNeeded)) throw error;
      return `the handler of ${site.pp} runs in event mode (${error.reason}) and reads the target's memory or stack, which event mode would read too late to be exact; use --engine ptrace`;
    }
  }
  return undefined;
}
