// Where each probe site's handler runs on the uprobe engine: as a kernel handler (eBPF) when
// codegen can compile it, else in event mode (the Session runs it on a ring-buffer record).
// A global shared by an event-mode handler and a kernel handler would see their hits out of
// order (kernel handlers update it at once, event-mode hits are applied when utap reads the
// ring) and userspace read-modify-writes would race the kernel's atomic adds; so every site
// touching a global that an event-mode site touches runs in event mode too (to a fixpoint),
// and those globals stay in the Session's memory, updated in hit order.
import { compileSite } from '../../../kernel-helper/codegen/site-compiler';
import { EventModeNeeded } from '../../../kernel-helper/codegen/event-mode';
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';

export interface SiteMode {
  site: ProbeSiteIR;
  mode: 'kernel' | 'event';
  reason?: string;
}

export interface SiteModes {
  modes: SiteMode[];
  /** Globals kernel handlers touch: they live in BPF maps. */
  kernelGlobals: Set<number>;
}

export function siteModes(plan: PlanIR, targetPid: number): SiteModes {
  const program = plan.program;
  const dryFds = { global: () => 0, ring: 0, state: 0, heap: 0, entry: 0 };
  let ids = 0;
  const touched = new Map<number, Set<number>>();
  const modes: SiteMode[] = plan.sites.map((site) => {
    try {
      const compiled = compileSite({ program, site, fds: dryFds, nextRecordId: () => ids++, targetPid, walltimeOffsetNs: 0n });
      touched.set(site.id, new Set(compiled.globals));
      return { site, mode: 'kernel' };
    } catch (error) {
      if (!(error instanceof EventModeNeeded)) throw error;
      touched.set(site.id, new Set([...site.needs.globalsRead, ...site.needs.globalsWritten]));
      return { site, mode: 'event', reason: error.reason };
    }
  });
  for (let changed = true; changed; ) {
    changed = false;
    const eventGlobals = new Set<number>();
    for (const m of modes) if (m.mode === 'event') for (const g of touched.get(m.site.id)!) eventGlobals.add(g);
    for (const m of modes) {
      if (m.mode !== 'kernel') continue;
      const shared = [...touched.get(m.site.id)!].find((g) => eventGlobals.has(g));
      if (shared === undefined) continue;
      m.mode = 'event';
      m.reason = `it shares global ${program.globals[shared].name} with an event-mode probe, whose hits utap applies in order`;
      changed = true;
    }
  }
  const kernelGlobals = new Set<number>();
  for (const m of modes) if (m.mode === 'kernel') for (const g of touched.get(m.site.id)!) kernelGlobals.add(g);
  return { modes, kernelGlobals };
}
