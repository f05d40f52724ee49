// Builds what the in-process engine will build for a script, without a target: the script's
// probes compiled by utap's eBPF generator (each as a function-entry site), maps in a shared
// area with placeholder fds, the handlers JITted into an image for fixed addresses; then runs
// them in build/jit-harness (fd 3 = the area's memfd) from several threads.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BpfMap } from '../../kernel-helper/map';
import type { RecordSpec } from '../../tracer/bpf-codegen/records';
import { RECORD_HEADER, fieldSize } from '../../tracer/bpf-codegen/layout';
import type { Expr, ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { desugarProgram } from '../../tracer/ir/desugar';
import { compileScript } from '../../tracer/lang/compile';
import { mapStore } from '../../tracer/engine/uprobe/bpf-storage';
import type { GlobalStore } from '../../tracer/runtime/storage';
import { compileEventProgram, compileSite, type CompiledSite } from '../../tracer/engine/inproc/jit/codegen-adapter';
import type { EventProgramRequest } from '../../tracer/bpf-codegen/site-compiler';
import { AreaMapPlan, initHeap } from '../../tracer/engine/inproc/jit/area-maps';
import { buildHandlerImage } from '../../tracer/engine/inproc/jit/handler-image';
import { fsgsbaseAllowed, SharedArea } from '../../tracer/engine/inproc/jit/shared-area';
import { buildDir } from '../support/paths';

export const HARNESS = path.join(buildDir, 'jit-harness');
export const CODE_BASE = 0x3e0000000000n;
export const AREA_BASE = 0x3f0000000000n;

export interface Record {
  spec: RecordSpec;
  tid: number;
  pid: number;
  values: Array<bigint | string>;
}

/**
 * A .return probe's reads of rdi (the first argument) as values at the function's entry: each
 * becomes an `entry` node over one capture of `reg rdi`, as the planner lowers @entry($arg)
 * (which needs DWARF; these fixtures have none).
 */
function argumentsAtEntry<T>(handler: T): { handler: T; entryCaptures: Expr[] } {
  const entryCaptures: Expr[] = [];
  const map = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(map);
    if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
    const o = v as { op?: string; reg?: string; loc?: unknown };
    if (o.op === 'reg' && o.reg === 'rdi') {
      if (entryCaptures.length === 0) entryCaptures.push(o as Expr);
      return { op: 'entry', type: 'long', index: 0, loc: o.loc };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, map(x)]));
  };
  return { handler: map(handler) as T, entryCaptures };
}

export class JitFixture {
  readonly program: ProgramIR;
  readonly area: SharedArea;
  readonly compiled: CompiledSite[] = [];
  readonly records = new Map<number, RecordSpec>();
  private readonly globalFds = new Map<number, number>();
  private readonly ringFd: number;
  private readonly dir: string;
  private readonly entries: bigint[];
  /** Return sites with entry captures: their entry program's scratch and captures map. */
  readonly entryPrograms = new Map<number, { heap: number; map: number }>();
  private readonly entryEntries = new Map<number, bigint>();
  /** Handler runs the last run's signal handlers made (signals=N). */
  signalCalls = 0;

  /**
   * `event`: compile each site as an event-mode program instead (what the uprobe engine does for
   * a handler utap must run: the record ships registers, context and target reads).
   */
  constructor(text: string, options: { slots?: number; fastThreadKeys?: boolean; ringBytes?: number; entryThreads?: number; event?: (site: ProbeSiteIR) => EventProgramRequest } = {}) {
    this.program = completeStatsUse(desugarProgram(compileScript({ text, file: 'jit.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false, unoptimized: true })));
    const plan = new AreaMapPlan();
    const state = plan.addState();
    this.ringFd = plan.addRing(options.ringBytes);
    this.program.globals.forEach((d, i) => this.globalFds.set(i, plan.addGlobal(d, this.program.limits)));
    let ids = 1;
    const heaps: number[] = [];
    // Probes on process points become function-entry sites, numbered in order (begin/end/timer stay in utap).
    this.program.probes.filter((p) => p.points[0].text.startsWith('process')).forEach((p, i) => {
      const heap = plan.addHeap(`utap_heap${i}`);
      const kind = p.points[0].text.endsWith('.return') ? 'return' : 'entry';
      const lowered = kind === 'return' ? argumentsAtEntry(p.handler) : { handler: p.handler, entryCaptures: [] };
      const site: ProbeSiteIR = {
        id: i, probe: this.program.probes.indexOf(p), pp: p.points[0].text, handler: lowered.handler, needs: handlerNeeds(this.program, lowered.handler, lowered.entryCaptures), kind,
        binary: '/bin/true', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: lowered.entryCaptures,
      };
      const entryHeap = lowered.entryCaptures.length > 0 ? plan.addHeap(`utap_eheap${i}`) : undefined;
      const entry = lowered.entryCaptures.length > 0 ? plan.addEntryMap(`utap_entry${i}`, options.entryThreads ?? 64) : 0;
      const compileOptions = {
        program: this.program, site, targetPid: 0, walltimeOffsetNs: 0n, nextRecordId: () => ids++,
        fds: { global: (g: number) => this.globalFds.get(g)!, ring: this.ringFd, state, heap, entry, entryHeap },
      };
      let compiled: CompiledSite;
      if (options.event) {
        const records: RecordSpec[] = [];
        const main = compileEventProgram(compileOptions, options.event(site), records);
        compiled = { main, entryValueSize: 0, records, globals: new Set(), usesSiteStrings: false };
      } else compiled = compileSite(compileOptions);
      plan.setValueSize(heap, compiled.main.heap.size);
      heaps.push(heap);
      if (compiled.entry) {
        plan.setValueSize(entryHeap!, compiled.entry.heap.size);
        plan.setValueSize(entry, compiled.entryValueSize);
        this.entryPrograms.set(i, { heap: entryHeap!, map: entry });
      }
      this.compiled.push(compiled);
      for (const r of compiled.records) this.records.set(r.id, r);
    });
    this.area = SharedArea.create(plan.list(), { pid: 0, slots: options.slots, fastThreadKeys: options.fastThreadKeys ?? fsgsbaseAllowed() });
    heaps.forEach((fd, i) => initHeap(this.area, fd, [this.compiled[i].main]));
    for (const [i, e] of this.entryPrograms) initHeap(this.area, e.heap, [this.compiled[i].entry!]);
    this.program.globals.forEach((d, i) => mapStore(d, this.mapOf(i), this.program.limits.maxStringLen, true));
    const programs = this.compiled.map((c) => ({ insns: c.main.insns, funcIp: 0x401000n, cookie: 0n }));
    const entryOrder = [...this.entryPrograms.keys()];
    for (const i of entryOrder) programs.push({ insns: this.compiled[i].entry!.insns, funcIp: 0x401000n, cookie: 0n });
    const image = buildHandlerImage(programs, this.area, CODE_BASE, AREA_BASE);
    this.entries = image.entries.slice(0, this.compiled.length);
    entryOrder.forEach((i, k) => this.entryEntries.set(i, image.entries[this.compiled.length + k]));
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-jit-'));
    fs.writeFileSync(path.join(this.dir, 'image'), image.code);
  }

  /** The global's map, as the uprobe engine's stores take it. */
  private mapOf(index: number): BpfMap {
    return this.area.map(this.globalFds.get(index)!) as unknown as BpfMap;
  }

  /** The runtime's store of global `name` (bpf-storage.ts over the area's map). */
  global(name: string): GlobalStore {
    const index = this.program.globals.findIndex((g) => g.name === name);
    if (index < 0) throw new Error(`no global ${name}`);
    return mapStore(this.program.globals[index], this.mapOf(index), this.program.limits.maxStringLen, false);
  }

  /**
   * Runs the handlers of sites `probes` (in order, each iteration) on `threads` threads; a return
   * site with entry captures runs its entry program first (as at the function's entry, rsp 8
   * lower). Returns ns per iteration.
   */
  run(probes: number[], threads: number, iterations: number, regs: string[] = [], only?: 'entry'): number {
    const r = spawnSync(HARNESS, this.harnessArgs(probes, threads, iterations, regs, only), { stdio: ['ignore', 'pipe', 'pipe', this.area.memory.fd], timeout: 120_000, encoding: 'latin1' });
    if (r.status !== 0) throw new Error(`jit-harness failed (${r.status ?? r.signal}): ${r.stderr}`);
    return this.parse(r.stdout);
  }

  /** The same, while the caller goes on (resolves when the harness is done; killed after 120 s). */
  runAsync(probes: number[], threads: number, iterations: number, regs: string[] = []): Promise<number> {
    const child = spawn(HARNESS, this.harnessArgs(probes, threads, iterations, regs), { stdio: ['ignore', 'pipe', 'pipe', this.area.memory.fd] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        if (status !== 0) reject(new Error(`jit-harness failed (${status ?? signal}): ${err}`));
        else resolve(this.parse(out));
      });
    });
  }

  private parse(stdout: string): number {
    const m = /ns_per_iter (\d+)/.exec(stdout);
    if (!m) throw new Error(`jit-harness printed ${stdout}`);
    this.signalCalls = Number(/signal_calls (\d+)/.exec(stdout)?.[1] ?? 0);
    return Number(m[1]);
  }

  private harnessArgs(probes: number[], threads: number, iterations: number, regs: string[], only?: 'entry'): string[] {
    const hex = (a: bigint): string => `0x${(a - CODE_BASE).toString(16)}`;
    const offsets = probes
      .flatMap((p) => (!this.entryEntries.has(p) ? [hex(this.entries[p])] : only === 'entry' ? [hex(this.entryEntries.get(p)!)] : [hex(this.entryEntries.get(p)!), `${hex(this.entries[p])}r`]))
      .join(',');
    return ['run', path.join(this.dir, 'image'), `0x${CODE_BASE.toString(16)}`, `0x${AREA_BASE.toString(16)}`, String(this.area.layout.size), String(threads), String(iterations), offsets, ...regs];
  }

  /** Every record in the ring, decoded by its spec's fields. */
  drain(): Record[] {
    const out: Record[] = [];
    this.area.ringReader(this.ringFd).consume((b) => {
      const spec = this.records.get(b.readUInt32LE(0));
      if (!spec) throw new Error(`record with unknown id ${b.readUInt32LE(0)}`);
      let at = RECORD_HEADER;
      const values = spec.fields.map((f) => {
        const v = f.type === 'long' ? b.readBigInt64LE(at) : b.toString('latin1', at, b.indexOf(0, at) < 0 || b.indexOf(0, at) > at + f.size ? at + f.size : b.indexOf(0, at));
        at += fieldSize(f);
        return v;
      });
      out.push({ spec, tid: b.readUInt32LE(4), pid: b.readUInt32LE(8), values });
    });
    return out;
  }

  close(): void {
    this.area.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
