// `utap handlers serve`: every registered handler's globals as Prometheus metrics, read from
// the pinned maps at each scrape (lookups only: the handlers keep running and nothing is reset).
// Only the registrations the user running the server may read are served — the registry's own
// rule (registration.ts: checkAccess); the others are left out without a word, as `handlers
// list` shows them but `handlers show` refuses them.
import { BpfMap } from '../../kernel-helper/map';
import { pinPath, registeredNames } from '../../kernel-helper/registry';
import { UtapError } from '../errors';
import { mapStore } from '../engine/uprobe/bpf-storage';
import { checkAccess, loadRegistration, type RegistrationMeta } from '../engine/uprobe/registration';
import { snapshotGlobal, type GlobalSnapshot } from '../runtime/global-snapshot';
import { MetricsView, metricName } from './exposition';

/** A registration this user may read, or undefined (gone, half-registered, not theirs). */
function readable(name: string): RegistrationMeta | undefined {
  try {
    const { meta, owner } = loadRegistration(name);
    checkAccess(meta, owner, 'read');
    return meta;
  } catch (error) {
    if (error instanceof UtapError) return undefined;
    throw error;
  }
}

/** Every global of `meta` held in a pinned map, read now. */
function readGlobals(meta: RegistrationMeta): GlobalSnapshot[] {
  const maxStr = meta.plan.program.limits.maxStringLen;
  const out: GlobalSnapshot[] = [];
  for (const decl of meta.plan.program.globals) {
    const spec = meta.maps[String(decl.index)];
    if (!spec) continue; // a global only event-mode or end probes used: it lived in utap's memory
    let map: BpfMap;
    try {
      map = BpfMap.fromPin(pinPath(meta.name, `global_${decl.index}`), spec);
    } catch {
      continue; // removed between listing and reading
    }
    try {
      out.push(snapshotGlobal(decl, mapStore(decl, map, maxStr, false)));
    } finally {
      map.close();
    }
  }
  return out;
}

/** The exposition of every readable registration, in name order. */
export function registeredMetrics(): string {
  const taken = new Set<string>();
  let out = '';
  for (const name of registeredNames()) {
    const meta = readable(name);
    if (!meta) continue;
    let globals: GlobalSnapshot[];
    try {
      globals = readGlobals(meta);
    } catch {
      continue; // removed while being read: the next scrape no longer lists it
    }
    out += new MetricsView(`utap_${metricName(name)}`, meta.plan.program, taken).render(globals);
  }
  return out;
}
