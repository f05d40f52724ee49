// The script's site handlers as native code in the traced process: each site is compiled by
// utap's eBPF generator exactly as for the uprobe engine (kernel-handler mode), JITted to x86-64
// (jit/), and placed with the in-target runtime in a code mapping of the process; the globals
// those handlers touch live in a shared area (a memfd mapped in utap and in the process), which
// the Session reads as its storage; printf/exit/error come back as records in the area's ring,
// which utap drains between waits. A script whose every site can run that way "fits"; one that
// does not (a site the uprobe engine would run in event mode, a .return probe) runs every
// handler in utap, as the ptrace engine does.
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';
import { openSession, type SessionSpec } from '../../runtime/open-session';
import type { Session } from '../../runtime/session';
import type { ProcessSymbols } from '../process-symbols';
import type { PlacedSite } from '../ptrace/site-placement';
import type { PlacementState } from '../ptrace/ptrace-tracer';
import { injectSyscall, MAP, PROT, SYS, syscallFailed } from '../ptrace/syscall-injection';
import { mapStore } from '../uprobe/bpf-storage';
import { recordDispatcher } from '../uprobe/record-dispatch';
import { planWithRecordSites, type RecordRoute } from '../uprobe/record-sites';
import { siteModes } from '../uprobe/site-modes';
import { AreaMapPlan, initHeap } from './jit/area-maps';
import { compileSite, type CompiledSite, type CompileOptions } from './jit/codegen-adapter';
import { STATE_BUSY_SKIPS, STATE_LOST_RECORDS } from '../../bpf-codegen/layout';
import { buildHandlerImage } from './jit/handler-image';
import { fsgsbaseAllowed, SharedArea } from './jit/shared-area';
import { native } from '../ptrace/native';
import { Registers } from '../ptrace/registers';
import type { NativeHandlers } from './jump-placer';
import type { BpfMap } from '../../../kernel-helper/map';
import type { RecordSpec } from '../../bpf-codegen/records';

const SYS_open = 2;
const SYS_close = 3;
const O_RDWR = 2;
const MAP_SHARED = 1;
const PAGE = 4096;
/** Threads whose entry captures the entry map holds at once (as the uprobe engine's). */
const ENTRY_MAP_THREADS = 16384;

/** Why `plan`'s site handlers cannot all run natively in the process, or undefined when they can. */
export function nativeRefusal(plan: PlanIR): string | undefined {
  const syscall = plan.sites.find((site) => site.kind === 'syscall' || site.kind === 'syscallReturn');
  if (syscall) return `${syscall.pp} is a system-call probe, which only stops of the process can see`;
  let modes;
  try {
    modes = siteModes(plan, 0).modes;
  } catch (error) {
    return (error as Error).message;
  }
  const other = modes.find((m) => m.mode !== 'kernel');
  if (other) return `the handler of ${other.site.pp} needs utap (${other.reason ?? other.mode})`;
  return undefined;
}

function walltimeOffsetNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}

export class NativeHandlerSet implements NativeHandlers {
  readonly area: SharedArea;
  private readonly globalFds = new Map<number, number>();
  private readonly heapFds = new Map<number, number>();
  /** Return sites with entry captures: their entry map and the entry program's scratch. */
  private readonly entryFds = new Map<number, { map: number; heap: number }>();
  private readonly ringFd: number;
  private readonly stateFd: number;
  private readonly records: RecordSpec[] = [];
  private readonly routes: Map<number, RecordRoute>;
  readonly sessionPlan: PlanIR;
  /** In the process, once installed: each site's handler entry. */
  private entries: Map<number, bigint> | undefined;
  private entryPrograms: Map<number, bigint> | undefined;
  private installFailure: string | undefined;
  /** Where the handlers' code sits in the process ([start, end)). */
  codeRange: [number, number] | undefined;
  /** Where the shared area is mapped in the process. */
  private areaRange: [number, number] | undefined;
  private dispatch: ((record: Buffer) => void) | undefined;

  constructor(private readonly plan: PlanIR) {
    const program = plan.program;
    const maps = new AreaMapPlan();
    this.stateFd = maps.addState();
    this.ringFd = maps.addRing();
    // a first compile says which globals the handlers touch (they get maps), then the real one
    const globals = new Set<number>();
    for (const site of plan.sites) {
      this.heapFds.set(site.id, maps.addHeap(`utap_heap${site.id}`));
      const dry = compileSite(this.options(site, 0, () => 0, () => 1));
      for (const g of dry.globals) globals.add(g);
      if (dry.entry) {
        const map = maps.addEntryMap(`utap_entry${site.id}`, ENTRY_MAP_THREADS);
        maps.setValueSize(map, dry.entryValueSize);
        this.entryFds.set(site.id, { map, heap: maps.addHeap(`utap_eheap${site.id}`) });
      }
    }
    for (const g of [...globals].sort((a, b) => a - b)) this.globalFds.set(g, maps.addGlobal(program.globals[g], program.limits));
    // the real compile, with the fds: record ids in order
    let ids = 0;
    const sites = plan.sites.map((site) => compileSite(this.options(site, 0, () => ids++)));
    sites.forEach((c, i) => {
      maps.setValueSize(this.heapFds.get(plan.sites[i].id)!, c.main.heap.size);
      if (c.entry) maps.setValueSize(this.entryFds.get(plan.sites[i].id)!.heap, c.entry.heap.size);
    });
    for (const c of sites) this.records.push(...c.records);
    this.area = SharedArea.create(maps.list(), { pid: 0, fastThreadKeys: fsgsbaseAllowed() });
    sites.forEach((c, i) => {
      initHeap(this.area, this.heapFds.get(plan.sites[i].id)!, [c.main]);
      if (c.entry) initHeap(this.area, this.entryFds.get(plan.sites[i].id)!.heap, [c.entry]);
    });
    const { plan: sessionPlan, routes } = planWithRecordSites(plan, this.records);
    this.sessionPlan = sessionPlan;
    this.routes = routes;
  }

  private options(site: ProbeSiteIR, targetPid: number, nextRecordId: () => number, global?: (g: number) => number): CompileOptions {
    return {
      program: this.plan.program,
      site,
      fds: {
        global: global ?? ((g) => this.globalFds.get(g)!), ring: this.ringFd, state: this.stateFd, heap: this.heapFds.get(site.id)!,
        entry: global ? 1 : this.entryFds.get(site.id)?.map ?? 0, entryHeap: global ? 1 : this.entryFds.get(site.id)?.heap,
      },
      nextRecordId,
      targetPid,
      walltimeOffsetNs: walltimeOffsetNs(),
    };
  }

  /** The Session: the plan plus a site per record kind, the handlers' globals read from the area. */
  openSession(spec: SessionSpec, services: ProcessSymbols): Session {
    const maxStr = this.plan.program.limits.maxStringLen;
    const session = openSession(this.sessionPlan, spec, {
      storage: (decl) => {
        const fd = this.globalFds.get(decl.index);
        return fd === undefined ? undefined : mapStore(decl, this.area.map(fd) as unknown as BpfMap, maxStr);
      },
      services,
    });
    this.dispatch = recordDispatcher(session, this.routes, spec.targetPid ?? 0, services);
    return session;
  }

  /** Whether the handlers send records (printf, exit, error...): utap then drains them often. */
  get sendsRecords(): boolean {
    return this.records.length > 0;
  }

  /** Records the handlers could not send (the ring was full), and hits skipped (scratch busy). */
  lostRecords(): number {
    return this.stateSlot(STATE_LOST_RECORDS);
  }

  busySkips(): number {
    return this.stateSlot(STATE_BUSY_SKIPS);
  }

  private stateSlot(slot: number): number {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(slot);
    const value = this.area.map(this.stateFd).lookup(key);
    return value ? Number(value.readBigUInt64LE(0)) : 0;
  }

  /** Runs the records the handlers wrote through the Session. */
  drain(): void {
    if (this.dispatch) this.area.ringReader(this.ringFd).consume(this.dispatch);
  }

  handlerFor(placed: PlacedSite, tid: number, state: PlacementState): bigint | string {
    if (!this.entries && this.installFailure === undefined) {
      try {
        this.install(placed, tid, state);
      } catch (error) {
        this.installFailure = (error as Error).message;
      }
    }
    if (this.installFailure !== undefined) return this.installFailure;
    return this.entries!.get(placed.site.id) ?? 'no handler was compiled for it';
  }

  /** A return site's program at the function's entry (its entry captures), once installed. */
  entryHandlerFor(placed: PlacedSite): bigint | undefined {
    return this.entryPrograms?.get(placed.site.id);
  }

  /** Maps the area and the handlers' code into the process (through stopped thread `tid`). */
  private install(placed: PlacedSite, tid: number, state: PlacementState): void {
    const { memory, areas } = state;
    const pid = memory.pid;
    // what the runtime reads from the header (docs/inproc-jit.md): pid, the vDSO clock, and the
    // TLS offset of the thread id once it holds on every thread (at an exec, libc has no TLS yet)
    const regs = new Registers();
    const threads = state.allStopped ? state.threads.flatMap((t) => (native().getRegs(t, regs.bytes) >= 0 ? [{ tid: t, fsBase: regs.get('fs_base') }] : [])) : [];
    const readU32 = (address: bigint) => {
      try {
        return new DataView(memory.read(address, 4).buffer).getUint32(0, true);
      } catch {
        return undefined;
      }
    };
    const prepared = this.area.prepareFor(pid, threads, readU32);
    // the area: the process opens utap's memfd by its /proc path and maps it shared
    const path = new TextEncoder().encode(`${this.area.memory.path}\0`);
    const pathAt = areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, path.length);
    memory.write(pathAt, path);
    const fd = injectSyscall(tid, memory, SYS_open, [BigInt(pathAt), BigInt(O_RDWR)], areas.injectionBlock);
    if (syscallFailed(fd)) throw new Error(`the process cannot open utap's shared memory (${BigInt.asIntN(64, fd)})`);
    const size = BigInt(this.area.layout.size);
    const areaBase = injectSyscall(tid, memory, SYS.mmap, [0n, size, BigInt(PROT.READ | PROT.WRITE), BigInt(MAP_SHARED), fd, 0n], areas.injectionBlock);
    injectSyscall(tid, memory, SYS_close, [fd], areas.injectionBlock);
    if (syscallFailed(areaBase)) throw new Error(`mapping the shared area in the process failed (${BigInt.asIntN(64, areaBase)})`);
    // the code: sized by a first build, then built for where it lands
    let ids = 0;
    const compiled: CompiledSite[] = this.plan.sites.map((site) => compileSite(this.options(site, pid, () => ids++)));
    const withEntry = compiled.flatMap((c, i) => (c.entry ? [{ site: this.plan.sites[i].id, insns: c.entry.insns }] : []));
    const programs = [...compiled.map((c) => ({ insns: c.main.insns })), ...withEntry.map((e) => ({ insns: e.insns }))];
    const draft = buildHandlerImage(programs, this.area, 0x100000000000n, areaBase);
    const codeSize = Math.ceil((draft.code.length + PAGE) / PAGE) * PAGE;
    const codeBase = injectSyscall(tid, memory, SYS.mmap, [0n, BigInt(codeSize), BigInt(PROT.READ | PROT.EXEC), BigInt(MAP.PRIVATE | MAP.ANONYMOUS), -1n, 0n], areas.injectionBlock);
    if (syscallFailed(codeBase)) throw new Error(`mapping the handlers' code in the process failed (${BigInt.asIntN(64, codeBase)})`);
    const image = buildHandlerImage(programs, this.area, codeBase, areaBase);
    if (image.code.length > codeSize) throw new Error('the handlers\' code grew past its mapping');
    memory.write(codeBase, image.code);
    this.codeRange = [Number(codeBase), Number(codeBase) + codeSize];
    this.areaRange = [Number(areaBase), Number(areaBase) + Number(size)];
    this.entries = new Map(this.plan.sites.map((site, i) => [site.id, image.entries[i]]));
    this.entryPrograms = new Map(withEntry.map((e, i) => [e.site, image.entries[compiled.length + i]]));
    state.log(`handlers in the process: ${image.code.length} bytes of code at 0x${codeBase.toString(16)} (runtime ${image.runtimeSize}), shared area of ${this.area.layout.size} bytes at 0x${areaBase.toString(16)}; time from ${prepared.vdsoClock ? 'the vDSO' : 'clock_gettime'}, tid() from ${prepared.tidFromTls ? 'the TLS block' : 'gettid'}`);
  }

  /** At detach, no thread inside: the handlers' code and the area leave the process (through stopped `tid`). */
  uninstall(tid: number, state: PlacementState): void {
    for (const range of [this.codeRange, this.areaRange]) {
      if (range) injectSyscall(tid, state.memory, SYS.munmap, [BigInt(range[0]), BigInt(range[1] - range[0])], state.areas.injectionBlock);
    }
    this.codeRange = this.areaRange = undefined;
  }

  forget(): void {
    this.entries = this.entryPrograms = undefined;
    this.codeRange = this.areaRange = undefined;
    this.installFailure = undefined;
  }

  close(): void {
    this.area.close();
  }
}
