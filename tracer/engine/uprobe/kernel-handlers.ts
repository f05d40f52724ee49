// Turns a plan's probe sites into loaded BPF programs and maps: decides per site between a
// kernel handler and event mode, creates the maps of the globals kernel handlers touch, the
// ring buffer and the state map, loads every program (a verifier rejection becomes one clear
// error naming the script line), and arms the uprobes. close() releases everything.
import { compileEntryProgram, compileEventProgram, compileSite, type CompileOptions, type CompiledProgram } from '../../../kernel-helper/codegen/site-compiler';
import { entryRequest, eventRequest, siteModes, type SiteMode } from './site-modes';
import { globalMapShape, scalarSize } from '../../../kernel-helper/codegen/layout';
import type { RecordSpec } from '../../../kernel-helper/codegen/records';
import { BpfMap } from '../../../kernel-helper/map';
import { loadProgram, VerifierError, type BpfProgram } from '../../../kernel-helper/program';
import { RingBufferReader } from '../../../kernel-helper/ring-buffer';
import { attachUprobe, type UprobeLink } from '../../../kernel-helper/uprobe';
import * as U from '../../../kernel-helper/uapi';
import { BpfError } from '../../../kernel-helper/bpf-syscall';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../../cli/errors';
import type { PlanIR, ProbeSiteIR, ScalarType, SourceLoc } from '../../ir/ir';

interface LoadedProgram {
  site: ProbeSiteIR;
  program: BpfProgram;
  /** Attach at function entry as a uprobe even for a return site (entry captures). */
  atEntry: boolean;
}

const RING_BYTES = 1 << 22;
const ENTRY_MAP_THREADS = 16384;

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
  private readonly links: UprobeLink[] = [];
  readonly ring: BpfMap;
  readonly state: BpfMap;
  reader: RingBufferReader | undefined;

  constructor(private readonly plan: PlanIR, targetPid: number) {
    const program = plan.program;
    const maxStr = program.limits.maxStringLen;
    let ids = 0;
    // Pass 1: which sites compile to kernel handlers, and which globals those touch.
    const { modes, kernelGlobals } = siteModes(plan, targetPid);
    this.modes.push(...modes);
    try {
      this.ring = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: RING_BYTES, name: 'utap_ring' }));
      this.state = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: 'utap_state' }));
      for (const index of [...kernelGlobals].sort((a, b) => a - b)) {
        const decl = program.globals[index];
        const shape = globalMapShape(decl, maxStr);
        const type = shape.hash ? (shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_HASH : U.BPF_MAP_TYPE_HASH) : shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_ARRAY : U.BPF_MAP_TYPE_ARRAY;
        this.globalMaps.set(index, this.track(BpfMap.create({ type, keySize: shape.keySize, valueSize: shape.valueSize, maxEntries: shape.maxEntries, name: `utap_${decl.name}` })));
      }
      // Pass 2: the real programs.
      ids = 0;
      const walltime = walltimeOffsetNs();
      for (const m of this.modes) {
        const newHeap = (name: string) => this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 32 * 1024, maxEntries: 1, name }));
        const heap = newHeap(`utap_heap${m.site.id}`);
        // A return site's entry program has its own scratch: its writes would clobber the literals
        // initHeap puts in the site program's.
        const entryHeap = m.site.kind === 'return' && m.site.entryCaptures.length > 0 ? newHeap(`utap_eheap${m.site.id}`) : undefined;
        const options = (entryFd: number): CompileOptions => ({
          program,
          site: m.site,
          fds: { global: (i) => this.globalMaps.get(i)!.fd, ring: this.ring.fd, state: this.state.fd, heap: heap.fd, entry: entryFd, entryHeap: entryHeap?.fd },
          nextRecordId: () => ids++,
          targetPid,
          walltimeOffsetNs: walltime,
        });
        const records: RecordSpec[] = [];
        if (m.mode === 'kernel') {
          let entryMap: BpfMap | undefined;
          const hasCaptures = m.site.kind === 'return' && m.site.entryCaptures.length > 0;
          if (hasCaptures) {
            const valueSize = m.site.entryCaptures.reduce((n, e) => n + scalarSize(e.type as ScalarType, maxStr), 0);
            // Keyed by thread and frame (site-compiler: entryKeyToStack); LRU, so the entries of calls
            // that never return (longjmp, a thread killed mid-call) make room for new ones.
            entryMap = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_LRU_HASH, keySize: 16, valueSize, maxEntries: ENTRY_MAP_THREADS, name: `utap_entry${m.site.id}` }));
          }
          const compiled = compileSite(options(entryMap?.fd ?? 0));
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
            const probe = compileEntryProgram(options(0), []);
            const entryMap = this.track(BpfMap.create({ type: U.BPF_MAP_TYPE_LRU_HASH, keySize: 16, valueSize: probe.valueSize, maxEntries: ENTRY_MAP_THREADS, name: `utap_entry${m.site.id}` }));
            entryFd = entryMap.fd;
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
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Arms every uprobe; `pid` restricts them to one process, undefined probes every process.
   * `pinnable`: through BPF links that pin() can keep armed after utap exits.
   */
  attach(pid: number | undefined, pinnable = false): void {
    // System-wide, one perf event (on CPU 0) is enough: a uprobe runs the BPF programs attached
    // to its trace event on whichever CPU it hits, so one event per CPU ran each program once per
    // CPU for every hit.
    const cpus = pid === undefined ? [0] : [-1];
    for (const p of this.programs) {
      for (const cpu of cpus) {
        try {
          this.links.push(
            attachUprobe({ path: p.site.binary, offset: p.site.fileOffset, retprobe: p.site.kind === 'return' && !p.atEntry, pid: pid ?? -1, cpu, programFd: p.program.fd, pinnable }),
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
    this.state.update(Buffer.alloc(4), one);
  }

  /** Disarms the uprobes (maps stay readable for the end probes). */
  detach(): void {
    for (const l of this.links.splice(0)) l.close();
  }

  close(): void {
    this.detach();
    this.reader?.close();
    this.reader = undefined;
    for (const p of this.programs.splice(0)) p.program.close();
    for (const m of this.maps.splice(0)) m.close();
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
    this.programs.push({ site, program: loadSiteProgram(site.pp, site.function, compiled), atEntry });
  }
}

/** Loads one site's program; a verifier rejection becomes a UtapError naming the script line. */
export function loadSiteProgram(pp: string, functionName: string, compiled: CompiledProgram): BpfProgram {
  try {
    return loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: `utap_${functionName}`.slice(0, 15), insns: compiled.insns });
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
