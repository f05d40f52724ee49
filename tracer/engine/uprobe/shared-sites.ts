// Kernel-handler sites are placed through uprobe_multi links where the kernel has them (Linux
// 6.6+): a link costs much less to place and to remove than a perf event per site, which creates
// a trace event and whose removal waits for tracepoint grace periods (a short `-c` run: 257 ms
// with perf events, 132 ms with a link). Sites in the same file, of the same kind, whose handlers
// compile to the same instructions once the site is left to run time (compiled with
// CompileOptions.shared: record ids and pp()/probefunc() by the attach cookie) share one program
// and one link: a glob such as function("*") whose handler reads no $var — or reads them at the
// same places — becomes one program instead of one per function. Sites whose code differs (other
// $var locations, other entry captures) get a group, a program and a link each.
import { compileSite, type CompileOptions, type CompiledSite } from '../../bpf-codegen/site-compiler';
import { EventModeNeeded } from '../../bpf-codegen/event-mode';
import { encodeInsns } from '../../../kernel-helper/insn';
import type { ProbeSiteIR } from '../../ir/ir';

export interface SharedGroup {
  binary: string;
  kind: ProbeSiteIR['kind'];
  /** The sites of one program; the cookie of sites[i] is cookies[i]. */
  sites: ProbeSiteIR[];
  cookies: bigint[];
  /** Index of the candidate set the cookies index (several groups may share one set's ids and strings). */
  candidateSet: number;
  /** The program of sites[0], which every site of the group runs (compiled with the options given to sharedGroups). */
  compiled: CompiledSite;
}

/** Sites of one file and kind that may share programs; cookies index `sites`. */
export interface CandidateSet {
  binary: string;
  kind: ProbeSiteIR['kind'];
  sites: ProbeSiteIR[];
}

/** Groups sites by file and kind. */
export function candidateSets(sites: readonly ProbeSiteIR[]): CandidateSet[] {
  const sets = new Map<string, CandidateSet>();
  for (const site of sites) {
    const key = `${site.kind}\0${site.binary}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = { binary: site.binary, kind: site.kind, sites: [] }));
    set.sites.push(site);
  }
  return [...sets.values()];
}

/**
 * Equal exactly when two sites can run one program: the same bytes, and the same records apart
 * from the site (the representative's are copied to every site of the group, so a record's
 * source location — named by runtime errors — must be every site's: two probes with the same
 * handler text in different places do not share).
 */
function programKey(compiled: CompiledSite): string {
  const fill = (p: CompiledSite['main']) => p.heap.fill.map((f) => `${f.offset}:${f.bytes.toString('hex')}`).join(',');
  const parts = [encodeInsns(compiled.main.insns).toString('hex'), fill(compiled.main)];
  if (compiled.entry) parts.push(encodeInsns(compiled.entry.insns).toString('hex'), fill(compiled.entry));
  parts.push(JSON.stringify(compiled.records.map((r) => ({ ...r, site: undefined })), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return parts.join('|');
}

/**
 * The groups of the sites of candidate set number `candidateSet` that run the same program, each
 * with that program. `options(site)` gives the options to compile `site` with — the same map fds
 * and record-id allocator start for every site, so that equal handlers give equal bytes — and each
 * site is compiled once. A site whose handler turns out too big for the kernel is left out
 * (compiled alone, it falls back to event mode). Callers pass kernel-handler sites only.
 */
export function sharedGroups(set: CandidateSet, candidateSet: number, options: (site: ProbeSiteIR) => CompileOptions): SharedGroup[] {
  const byProgram = new Map<string, SharedGroup>();
  set.sites.forEach((site, index) => {
    let compiled: CompiledSite;
    try {
      compiled = compileSite(options(site));
    } catch (error) {
      if (error instanceof EventModeNeeded) return;
      throw error;
    }
    const key = set.sites.length === 1 ? '' : programKey(compiled);
    let group = byProgram.get(key);
    if (!group) byProgram.set(key, (group = { binary: set.binary, kind: set.kind, sites: [], cookies: [], candidateSet, compiled }));
    group.sites.push(site);
    group.cookies.push(BigInt(index));
  });
  return [...byProgram.values()];
}
