// `utap handlers show NAME`: a Session over the registration's pinned maps (the same map-backed
// stores the engine gives the runtime), fed what detached handlers left in the ring buffer
// (printf output, runtime errors), then finished — so the script's own `end` probes print the
// aggregates, exactly as they would have when utap stopped. Begin and timer probes do not run.
import { BpfMap } from '../../../kernel-helper/map';
import { pinPath } from '../../../kernel-helper/registry';
import { RingBufferReader } from '../../../kernel-helper/ring-buffer';
import { openSession } from '../../runtime/open-session';
import { mapStore } from './bpf-storage';
import { recordDispatcher } from './record-dispatch';
import { planWithRecordSites } from './record-sites';
import type { RegistrationMeta } from './registration';

export function showRegistration(meta: RegistrationMeta, options: { json: boolean; outputFile?: string }): number {
  const plan = { ...meta.plan, begin: [], timers: [] };
  const { plan: sessionPlan, routes } = planWithRecordSites(plan, meta.records);
  const maxStr = plan.program.limits.maxStringLen;
  const maps = new Map<number, BpfMap>();
  try {
    for (const [index, spec] of Object.entries(meta.maps)) maps.set(Number(index), BpfMap.fromPin(pinPath(meta.name, `global_${index}`), spec));
    const session = openSession(sessionPlan, { json: options.json, outputFile: options.outputFile, targetPid: meta.target.pid }, {
      storage: (decl) => {
        const map = maps.get(decl.index);
        return map ? mapStore(decl, map, maxStr, false) : undefined;
      },
    });
    try {
      session.begin();
      // Records of handlers still attached to a running utap are that utap's to read.
      if (meta.detached) {
        const ring = BpfMap.fromPin(pinPath(meta.name, 'ring'), meta.ring);
        const reader = new RingBufferReader(ring);
        try {
          reader.consume(recordDispatcher(session, routes, meta.target.pid ?? 0));
        } finally {
          reader.close();
          ring.close();
        }
      }
      return session.finish();
    } finally {
      session.close();
    }
  } finally {
    for (const m of maps.values()) m.close();
  }
}
