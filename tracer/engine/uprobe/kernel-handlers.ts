// Turns a plan's probe sites into loaded BPF programs and maps: decides per site between a
// kernel handler and event mode (site-modes.ts), creates the maps of the globals kernel handlers
// touch, the ring buffer and the state map, compiles each site once and loads every program (a
// verifier rejection becomes one clear error naming the script line), and arms the uprobes.
// close() releases everything.
//
// The one fallback: a site kernel-fit.ts sends to the kernel whose compiled handler needs more
// stack or scratch than a kernel handler has (EventModeNeeded, found only by compiling) runs in
// event mode instead. Its globals then move to the Session with every site sharing them, so the
// maps and programs made so far are released and the sites decided again with it in event mode.
import { compileEntryProgram, compileEventProgram, compileSite, type CompileOptions, type CompiledProgram } from '../../bpf-codegen/site-compiler';
import { entryRequest, eventRequest, siteModes, type SiteMode } from './site-modes';
import { EventModeNeeded } from '../../bpf-codegen/event-mode';
import { inexactModeReason } from './event-mode-check';
import { createGlobalMap } from './map-size';
import { globalMapShape, scalarSize, STATE_BUSY_SKIPS, STATE_LOST_RECORDS, STATE_SLOTS, STATE_SNAPSHOT, STATE_STOP } from '../../bpf-codegen/layout';
import type { RecordSpec } from '../../bpf-codegen/records';
import { BpfMap } from '../../../kernel-helper/map';
import { loadProgram, VerifierError, type BpfProgram } from '../../../kernel-helper/program';
import { RingBufferReader } from '../../../kernel-helper/ring-buffer';
import { attachUprobe, type UprobeLink } from '../../../kernel-helper/uprobe';
import { attachUprobeMulti, uprobeMultiSupported, type UprobeMultiLink } from '../../../kernel-helper/uprobe-multi';
import { candidateSets, sharedGroups, type SharedGroup } from './shared-sites';
import { PLACEHOLDER_FD, withMapFds } from '../../bpf-codegen/map-placeholders';
import * as U from '../../../kernel-helper/uapi';
import { BpfError } from '../../../kernel-helper/bpf-syscall';
import { sleepableUprobesSupported } from '../../../kernel-helper/features';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../../errors';
import type { PlanIR, ProbeSiteIR, ScalarType, SourceLoc } from '../../ir/ir';
import { hasSyscallSites, isSyscallSite, SyscallTracepoints } from './syscall-tracepoints';
import { ProcessEvents } from '../../../kernel-helper/process-events';
import { isProgramFile } from './process-follow';

interface LoadedProgram {
  site: ProbeSiteIR;
  program: BpfProgram;
  /** Attach at function entry as a uprobe even for a return site (entry captures). */
  atEntry: boolean;
}

/** One program several sites run, through uprobe_multi links (shared-sites.ts). */
export interface SharedProgram {
  group: SharedGroup;
  main: BpfProgram;
  /** A return group's program at the functions' entry (entry captures). */
  entry?: BpfProgram;
}

/** The ring buffer the kernel handlers send records through (printf, exit, event-mode hits). */
export const RING_BYTES = 1 << 22;
const ENTRY_MAP_THREADS = 16384;

/** The state map's key of `slot` (layout.ts STATE_*). */
function stateKey(slot: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(slot);
  return key;
}

function walltimeOffsetNs(): bigint {
  const mono = process.hrtime.bigint();
  const wall = BigInt(Date.now()) * 1_000_000n;
  return wall - mono;
}

export class KernelHandlers {
  readonly modes: SiteMode[] = [];
  readonly records = new Map<number, RecordSpec>();
  readonly globalMaps = new Map<number, BpfMap>();
  private readonly maps: BpfMap[] = [];
  private readonly programs: LoadedProgram[] = [];
  /** Sites sharing a program through uprobe_multi links; reported under -v. */
  readonly shared: SharedProgram[] = [];
  private readonly links: Array<UprobeLink | UprobeMultiLink> = [];
  /** The next record id to hand out (ids are unique across all the session's programs). */
  private nextId = 0;
  ring!: BpfMap;
  state!: BpfMap;
  /** The handlers can stop their process once for utap to read its mappings (maps-snapshot.ts). */
  readonly mapsSnapshot: boolean;
  /** Programs loaded sleepable (they fault in pages their reads need); reported under -v. */
  sleepablePrograms = 0;
  reader: RingBufferReader | undefined;
  /** The system-call sites' tracepoint programs and their map of traced processes (syscall-tracepoints.ts). */
  syscalls: SyscallTracepoints | undefined;
  /** attach()'s process is a -c shell that execs the command: system calls count from that exec. */
  syscallsAwaitExec = false;
  /** The traced-process set and the process-event tracepoints (process-follow.ts), when the run has them. */
  processEvents: ProcessEvents | undefined;

  /**
   * `mapsSnapshot`: the handlers can stop their process once for utap to read its mappings
   * (maps-snapshot.ts). `byPtrace`: ids of the sites the ptrace sidecar places (no program here;
   * their globals stay in the Session).
   */
  constructor(private readonly plan: PlanIR, targetPid: number, private readonly options: { mapsSnapshot?: boolean; byPtrace?: ReadonlySet<number>; follow?: 'target' | 'everyProcess' } = {}) {
    const byPtrace = options.byPtrace ?? new Set<number>();
    this.mapsSnapshot = options.mapsSnapshot ?? false;
    const tooBig = new Map<number, string>();
    for (;;) {
      // Which sites run as kernel handlers, and which globals those touch.
      const { modes, kernelGlobals } = siteModes(plan, targetPid, byPtrace, tooBig);
      this.modes.splice(0, this.modes.length, ...modes);
      if (tooBig.size > 0) {
        const inexact = inexactModeReason(modes);
        if (inexact) throw new UtapError(inexact, EXIT_ENVIRONMENT);
      }
      try {
        this.build(kernelGlobals, targetPid);
        return;
      } catch (error) {
        this.close();
        if (!(error instanceof HandlerTooBig)) throw error;
        for (const site of error.sites) tooBig.set(site.id, error.reason);
        this.records.clear();
        this.globalMaps.clear();
        this.nextId = 0;
        this.sleepablePrograms = 0;
      }
    }
  }

  /** Creates the maps, compiles and loads the programs; throws HandlerTooBig for the fallback. */
  private build(kernelGlobals: ReadonlySet<number>, targetPid: number): void {
    const program = this.plan.program;
    const maxStr = program.limits.maxStringLen;
    this.ring = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: RING_BYTES, name: 'utap_ring' }));
    this.state = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: STATE_SLOTS, name: 'utap_state' }));
    if (hasSyscallSites(this.plan)) this.syscalls = new SyscallTracepoints();
    const follow = this.options.follow;
    if (follow) this.processEvents = new ProcessEvents(this.ring, follow === 'everyProcess', this.mapsSnapshot ? { stateFd: this.state.fd, slot: STATE_SNAPSHOT } : undefined);
    const traced = follow === 'target' ? this.processEvents?.traced.fd : undefined;
    for (const index of [...kernelGlobals].sort((a, b) => a - b)) {
      const decl = program.globals[index];
      const shape = globalMapShape(decl, maxStr);
      const type = shape.hash ? (shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_HASH : U.BPF_MAP_TYPE_HASH) : shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_ARRAY : U.BPF_MAP_TYPE_ARRAY;
      this.globalMaps.set(index, this.track(createGlobalMap({ type, keySize: shape.keySize, valueSize: shape.valueSize, maxEntries: shape.maxEntries, name: `utap_${decl.name}` }, decl, program.limits)));
    }
    // The programs: first those several sites share, then one per remaining site.
    const walltime = walltimeOffsetNs();
    const sleepable = sleepableUprobesSupported();
    // UTAP_UPROBE_MULTI=0: one program and perf event per site even so (bench/multi-attach.ts compares).
    const sharedSites = process.env.UTAP_UPROBE_MULTI !== '0' && uprobeMultiSupported() ? this.loadShared(program, targetPid, walltime, sleepable, traced) : new Set<ProbeSiteIR>();
    for (const m of this.modes) {
      if (sharedSites.has(m.site) || m.mode === 'ptrace') continue;
      const heap = this.newHeap(`utap_heap${m.site.id}`);
      // A return site's entry program has its own scratch: its writes would clobber the literals
      // initHeap puts in the site program's.
      const entryHeap = hasEntryCaptures(m.site) ? this.newHeap(`utap_eheap${m.site.id}`) : undefined;
      const options = (entryFd: number): CompileOptions => ({
        program,
        site: m.site,
        fds: { global: (i) => this.globalMaps.get(i)!.fd, ring: this.ring.fd, state: this.state.fd, heap: heap.fd, entry: entryFd, entryHeap: entryHeap?.fd, tgids: this.syscalls?.tgids.fd, traced },
        nextRecordId: () => this.nextId++,
        targetPid,
        walltimeOffsetNs: walltime,
        sleepable,
        mapsSnapshot: this.options.mapsSnapshot,
      });
      const records: RecordSpec[] = [];
      if (m.mode === 'kernel') {
        const entryMap = hasEntryCaptures(m.site) ? this.newEntryMap(m.site, `utap_entry${m.site.id}`) : undefined;
        const compiled = orTooBig([m.site], () => compileSite(options(entryMap?.fd ?? 0)));
        records.push(...compiled.records);
        this.initHeap(heap, [compiled.main]);
        if (compiled.entry) this.initHeap(entryHeap!, [compiled.entry]);
        this.load(m.site, compiled.main, false);
        if (compiled.entry) this.load(m.site, compiled.entry, true);
      } else {
        // Event mode: the record carries what the handler needs, the memory it reads included.
        const event = m.event!;
        const programs: CompiledProgram[] = [];
        const entryPrograms: CompiledProgram[] = [];
        let entryFd = 0;
        if (event.entryInKernel) {
          entryFd = this.newEntryMap(m.site, `utap_entry${m.site.id}`).fd;
          const entry = compileEntryProgram(options(entryFd), records).program;
          entryPrograms.push(entry);
          this.load(m.site, entry, true);
        }
        const main = compileEventProgram(options(entryFd), eventRequest(m.site, event), records);
        programs.push(main);
        this.load(m.site, main, false);
        if (m.site.kind === 'return' && m.site.entryCaptures.length > 0 && !event.entryInKernel) {
          const entry = compileEventProgram({ ...options(0), fds: { ...options(0).fds, heap: entryHeap!.fd } }, entryRequest(program, m.site, event), records);
          entryPrograms.push(entry);
          this.load(m.site, entry, true);
        }
        this.initHeap(heap, programs);
        if (entryHeap) this.initHeap(entryHeap, entryPrograms);
      }
      for (const r of records) this.records.set(r.id, r);
    }
  }

  /**
   * Arms every uprobe; `pid` restricts them to one process, undefined probes every process.
   * `pinnable`: through BPF links that pin() can keep armed after utap exits.
   */
  attach(target: number | undefined, pinnable = false): void {
    // Following the target's children (process-follow.ts): the set holds the target before any
    // probe is armed, and a program's probes fire in every process running it, the handlers
    // keeping to the set; a library's stay on the target, as other processes map it too.
    const events = this.processEvents;
    if (events && this.options.follow === 'target' && target !== undefined) events.add(target);
    events?.attach();
    const pidFor = (binary: string) => (target !== undefined && this.options.follow === 'target' && isProgramFile(binary) ? undefined : target);
    for (const s of this.shared) {
      const { group } = s;
      const pid = pidFor(group.binary);
      const place = (programFd: number, retprobe: boolean) => {
        try {
          this.links.push(attachUprobeMulti({ path: group.binary, offsets: group.sites.map((site) => site.fileOffset), cookies: group.cookies, refCtrOffsets: group.sites.map((site) => site.semaphore?.fileOffset ?? 0n), retprobe, pid: pid ?? 0, programFd }));
        } catch (error) {
          if (error instanceof BpfError) {
            const esrch = error.errno === 3;
            throw new UtapError(esrch ? `process ${pid} is gone; cannot place probe ${group.sites[0].pp}.` : `cannot place the ${group.sites.length} probes of ${group.sites[0].pp} and the like in ${group.binary}: ${error.message}.`, EXIT_ENVIRONMENT);
          }
          throw error;
        }
      };
      if (s.entry) place(s.entry.fd, false);
      place(s.main.fd, group.kind === 'return');
    }
    if (this.syscalls) {
      if (target === undefined) throw new UtapError('system-call probes need the process to trace: give -p PID or -c CMD.', EXIT_SCRIPT_ERROR);
      this.syscalls.attach(target, this.syscallsAwaitExec);
    }
    for (const p of this.programs) {
      if (isSyscallSite(p.site)) continue;
      const pid = pidFor(p.site.binary);
      // System-wide, one perf event (on CPU 0) is enough: a uprobe runs the BPF programs attached
      // to its trace event on whichever CPU it hits, so one event per CPU ran each program once per
      // CPU for every hit.
      const cpus = pid === undefined ? [0] : [-1];
      for (const cpu of cpus) {
        try {
          this.links.push(
            attachUprobe({ path: p.site.binary, offset: p.site.fileOffset, retprobe: p.site.kind === 'return' && !p.atEntry, pid: pid ?? -1, cpu, programFd: p.program.fd, pinnable, ...(p.site.semaphore && { refCtrOffset: p.site.semaphore.fileOffset }) }),
          );
        } catch (error) {
          if (error instanceof BpfError) {
            const esrch = error.errno === 3;
            throw new UtapError(esrch ? `process ${pid} is gone; cannot place probe ${p.site.pp}.` : `cannot place probe ${p.site.pp} at ${p.site.binary}+0x${p.site.fileOffset.toString(16)}: ${error.message}.`, EXIT_ENVIRONMENT);
          }
          throw error;
        }
      }
    }
  }

  /**
   * Pins what keeps the handlers collecting and readable without this process: the uprobe links,
   * the globals' maps, the ring buffer and the state map. `path(file)` names each pin.
   */
  pin(path: (file: string) => string): void {
    this.links.forEach((l, i) => l.pin(path(`link_${i}`)));
    for (const [index, map] of this.globalMaps) map.pin(path(`global_${index}`));
    this.ring.pin(path('ring'));
    this.state.pin(path('state'));
  }

  /** Tells every kernel handler to do nothing more (exit(), an error, the end of the session). */
  stopKernelHandlers(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.state.update(stateKey(STATE_STOP), one);
  }

  /** Asks the handlers (compiled with mapsSnapshot) to stop their process at the next hit. */
  requestMapsSnapshot(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.state.update(stateKey(STATE_SNAPSHOT), one);
  }

  /** How many records the handlers could not send because the ring buffer was full. */
  lostRecords(): number {
    return this.stateValue(STATE_LOST_RECORDS);
  }

  /** How many hits a handler skipped because its program was still running on that CPU. */
  busySkips(): number {
    return this.stateValue(STATE_BUSY_SKIPS);
  }

  private stateValue(slot: number): number {
    const value = this.state.lookup(stateKey(slot));
    return value ? Number(value.readBigUInt64LE(0)) : 0;
  }

  /** Disarms the uprobes (maps stay readable for the end probes). */
  detach(): void {
    for (const l of this.links.splice(0)) l.close();
    this.syscalls?.detach();
    this.processEvents?.detach();
  }

  close(): void {
    this.detach();
    this.reader?.close();
    this.reader = undefined;
    for (const p of this.programs.splice(0)) p.program.close();
    for (const s of this.shared.splice(0)) {
      s.main.close();
      s.entry?.close();
    }
    for (const m of this.maps.splice(0)) m.close();
    this.syscalls?.close();
    this.syscalls = undefined;
    this.processEvents?.close();
    this.processEvents = undefined;
  }

  /**
   * Loads the programs several kernel-handler sites share (shared-sites.ts), one per group, with
   * their records (cookie c's are the representative's at id + c) and site strings; returns the
   * sites so served. Each site is compiled once: with the real fds of the maps its set shares and
   * placeholders for its group's own (map-placeholders.ts), and with one record-id block start per
   * set — record k of the site with cookie c gets start + k * sites + c whichever group it is in.
   */
  private loadShared(program: PlanIR['program'], targetPid: number, walltime: bigint, sleepable: boolean, traced: number | undefined): Set<ProbeSiteIR> {
    const maxStr = program.limits.maxStringLen;
    const served = new Set<ProbeSiteIR>();
    const sets = candidateSets(this.modes.filter((m) => m.mode === 'kernel' && !isSyscallSite(m.site)).map((m) => m.site));
    sets.forEach((set, candidateSet) => {
      const siteStrings = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 2 * maxStr, maxEntries: set.sites.length, name: 'utap_sites' }));
      const start = this.nextId;
      // Same fds and the same id block start for every site, so equal handlers compile to equal bytes.
      const groups = sharedGroups(set, candidateSet, (site) => ({
        program, site, targetPid, walltimeOffsetNs: walltime, sleepable, mapsSnapshot: this.options.mapsSnapshot,
        fds: {
          global: (i) => this.globalMaps.get(i)!.fd, ring: this.ring.fd, state: this.state.fd, traced,
          heap: PLACEHOLDER_FD.heap, entry: PLACEHOLDER_FD.entry, entryHeap: hasEntryCaptures(site) ? PLACEHOLDER_FD.entryHeap : undefined,
        },
        nextRecordId: idBlocks(start, set.sites.length),
        shared: { siteStrings: siteStrings.fd },
      }));
      let mostRecords = 0;
      for (const group of groups) {
        const representative = group.sites[0];
        const heap = this.newHeap('utap_heap_multi');
        const entryMap = hasEntryCaptures(representative) ? this.newEntryMap(representative, 'utap_entry_multi') : undefined;
        const entryHeap = entryMap ? this.newHeap('utap_eheap_multi') : undefined; // as for one site: the entry program's own scratch
        const fds = new Map<number, number>([[PLACEHOLDER_FD.heap, heap.fd], [PLACEHOLDER_FD.entry, entryMap?.fd ?? 0], [PLACEHOLDER_FD.entryHeap, entryHeap?.fd ?? heap.fd]]);
        const main = withMapFds(group.compiled.main, fds);
        const entry = group.compiled.entry && withMapFds(group.compiled.entry, fds);
        const { records, usesSiteStrings } = group.compiled;
        mostRecords = Math.max(mostRecords, records.length);
        group.sites.forEach((site, i) => {
          const cookie = Number(group.cookies[i]);
          for (const r of records) this.records.set(r.id + cookie, { ...r, id: r.id + cookie, site: site.id });
          if (usesSiteStrings) siteStrings.update(u32(cookie), siteStringsValue(site, maxStr));
          served.add(site);
        });
        this.initHeap(heap, [main]);
        if (entry) this.initHeap(entryHeap!, [entry]);
        this.sleepablePrograms += Number(!!main.sleepable) + Number(!!entry?.sleepable);
        this.shared.push({
          group,
          main: loadSiteProgram(representative.pp, 'multi', main, U.BPF_TRACE_UPROBE_MULTI),
          entry: entry ? loadSiteProgram(representative.pp, 'multi_entry', entry, U.BPF_TRACE_UPROBE_MULTI) : undefined,
        });
      }
      this.nextId = start + mostRecords * set.sites.length;
    });
    return served;
  }

  /** A per-CPU scratch map for one program (its strings, keys, records). */
  private newHeap(name: string): BpfMap {
    return this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 32 * 1024, maxEntries: 1, name }));
  }

  /**
   * The entry-captures map of a return site: keyed by thread and frame (site-compiler:
   * entryKeyToStack); LRU, so the entries of calls that never return (longjmp, a thread killed
   * mid-call) make room for new ones.
   */
  private newEntryMap(site: ProbeSiteIR, name: string): BpfMap {
    const maxStr = this.plan.program.limits.maxStringLen;
    const valueSize = site.entryCaptures.reduce((n, e) => n + scalarSize(e.type as ScalarType, maxStr), 0);
    return this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_LRU_HASH, keySize: 16, valueSize, maxEntries: ENTRY_MAP_THREADS, name }));
  }

  private track(map: BpfMap): BpfMap {
    this.maps.push(map);
    return map;
  }

  private initHeap(heap: BpfMap, programs: CompiledProgram[]): void {
    const value = Buffer.alloc(heap.lookupSize);
    const stride = (heap.spec.valueSize + 7) & ~7;
    for (const p of programs) {
      for (const f of p.heap.fill) for (let cpu = 0; cpu < heap.possibleCpus; cpu++) f.bytes.copy(value, cpu * stride + f.offset);
    }
    heap.update(Buffer.alloc(4), value);
  }

  private load(site: ProbeSiteIR, compiled: CompiledProgram, atEntry: boolean): void {
    if (compiled.sleepable) this.sleepablePrograms++;
    const syscall = isSyscallSite(site);
    const program = loadSiteProgram(site.pp, syscall ? 'syscall' : site.function, compiled, undefined, syscall ? U.BPF_PROG_TYPE_TRACEPOINT : U.BPF_PROG_TYPE_KPROBE);
    this.programs.push({ site, program, atEntry });
    if (syscall) this.syscalls!.add(site, program.fd);
  }
}

/** Loads one site's program; a verifier rejection becomes a UtapError naming the script line. */
export function loadSiteProgram(pp: string, functionName: string, compiled: CompiledProgram, expectedAttachType?: number, type: number = U.BPF_PROG_TYPE_KPROBE): BpfProgram {
  try {
    return loadProgram({ type, name: `utap_${functionName}`.slice(0, 15), insns: compiled.insns, expectedAttachType, flags: compiled.sleepable ? U.BPF_F_SLEEPABLE : 0 });
  } catch (error) {
    if (error instanceof VerifierError) {
      const at = error.failedInsn;
      const loc: SourceLoc | undefined = at === undefined ? undefined : compiled.locs[at];
      const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : '';
      const tail = error.log.trim().split('\n').slice(-12).join('\n');
      throw new UtapError(`${where}error: the kernel's verifier rejected the handler of probe ${pp} (${error.message.replace(/^.*?: /, '')}); run it on the ptrace engine (--engine ptrace) meanwhile. Verifier log (end):\n${tail}`, EXIT_SCRIPT_ERROR);
    }
    if (error instanceof BpfError) throw new UtapError(`cannot load the kernel handler of probe ${pp}: ${error.message}.`, EXIT_ENVIRONMENT);
    throw error;
  }
}

/** Sites whose kernel handler turned out larger than the kernel allows (the fallback above). */
class HandlerTooBig extends Error {
  constructor(readonly sites: readonly ProbeSiteIR[], readonly reason: string) {
    super(reason);
  }
}

function orTooBig<T>(sites: readonly ProbeSiteIR[], compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof EventModeNeeded) throw new HandlerTooBig(sites, error.reason);
    throw error;
  }
}

/** A record-id allocator for shared programs: each record gets a block of `sites` ids from `start` (its id + cookie). */
function idBlocks(start: number, sites: number): () => number {
  let next = start;
  return () => {
    const id = next;
    next += sites;
    return id;
  };
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

/** A site's entry in the site strings map: probefunc(), then pp(), each NUL-padded to MAXSTRINGLEN. */
function siteStringsValue(site: ProbeSiteIR, maxStr: number): Buffer {
  const value = Buffer.alloc(2 * maxStr);
  value.write(site.function.slice(0, maxStr - 1), 0, 'latin1');
  value.write(site.pp.slice(0, maxStr - 1), maxStr, 'latin1');
  return value;
}

function hasEntryCaptures(site: ProbeSiteIR): boolean {
  return site.kind === 'return' && site.entryCaptures.length > 0;
}
