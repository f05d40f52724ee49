// The ptrace engine's tracer: it runs inside one worker thread that makes every ptrace call,
// owns the script session, and blocks in waitpid between events. One stop per probe hit: the
// breakpoint's displaced instruction runs out of line in a code area mapped into the target.
//
// Lifecycle: attach (-p) or spawn (-c) → begin probes → place breakpoints → event loop (hits,
// returns, threads, forks, exec, signals, timers, stop requests) → teardown (every byte
// restored, return addresses repaired, code areas unmapped, threads detached) → end probes.
import * as fs from 'node:fs';
import { UtapError } from '../../errors';
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';
import { childExitWarning, commandStatus } from '../../runtime/child-exit';
import { snapshotGlobals, type GlobalSnapshot } from '../../runtime/global-snapshot';
import { shellCommand } from '../../runtime/shell-command';
import { openSession, type SessionSpec } from '../../runtime/open-session';
import type { Scalar } from '../../runtime/storage';
import { stopSignalOf } from '../../runtime/stop-signals';
import { fireDueTimers, monotonicNs, TimerSchedule } from '../../runtime/timer-schedule';
import { readMappings } from './address-space';
import type { CodeAreas } from './code-area';
import { dynamicLinkerHook } from './dynamic-linker-hook';
import { isProgramFile } from '../program-file';
import type { Healer } from './healer';
import { inheritForkedProcess, inheritShadow, type ShadowFrame } from './child-follow';
import { LifecycleContext } from '../lifecycle-context';
import { lifecycleProbesFor } from '../../plan/lifecycle-probes';
import { unranProgramsWarnings } from '../unran-programs';
import type { LifecycleEvent } from '../../ir/ir';
import { TracedProcess, type Breakpoint } from './traced-process';
import { ERRNO, native, PTRACE, PTRACE_EVENT, PTRACE_O, RESUME_SET_REGS, RESUME_SET_RIP, SIG, type Native } from './native';
import { CannotDisplace, planDisplaced, type DisplacedPlan } from './out-of-line';
import { ProcessSymbols } from '../process-symbols';
import { ptraceRefusal, untraceableTarget } from '../target-refusal';
import { ForwardedSession, type SidecarChannel, type TracerSession } from './forwarded-session';
import { PtraceProbeContext } from './ptrace-context';
import { Registers } from './registers';
import { placeSites, type PlacedSite } from './site-placement';
import type { SdtSemaphores } from './sdt-semaphores';
import { hasSyscallSites, SyscallStops, withSyscallStops } from './syscall-stops';
import { TargetMemory } from './target-memory';
import { TrapSet } from './trap-set';
import { decodeWaitStatus, type WaitStatus } from './wait-status';
import { DecodeFailure } from './x86-decode';

/** What the main thread sends the worker (structured-clone safe). */
export interface PtraceRunSpec {
  plan: PlanIR;
  session: SessionSpec;
  pid?: number;
  command?: string;
  pin: boolean;
  verbose: boolean;
  /**
   * Shared with the main thread: [0] stop request (stopSignalCode), [1] the waker's pid,
   * [2] how many copies of the globals the main thread asked for (--metrics scrapes).
   */
  control: Int32Array;
  /** Run as another engine's sidecar: hits go to its Session (forwarded-session.ts). */
  sidecar?: SidecarChannel;
}

/** What the worker entry gives the tracer besides the spec: functions cannot be posted. */
export interface TracerHooks {
  /** --metrics: a copy of the globals the main thread asked for through CONTROL_SNAPSHOT. */
  publishGlobals?(globals: GlobalSnapshot[]): void;
  /** Another way to place sites, asked before a breakpoint (the in-process engine's jump patches). */
  placer?: SitePlacer;
  /** The session, when another engine makes it (the in-process engine's: globals in shared memory). */
  openSession?(services: ProcessSymbols): TracerSession;
  /** Runs before each wait, and once after teardown (`final`): e.g. drain records handlers in the process wrote. */
  poll?(final: boolean): void;
  /** How often poll() must run while the target runs without stopping (ms); none: only before waits. */
  pollIntervalMs?: number;
}

/** What a SitePlacer works with: the current image's memory and code areas, its threads. */
export interface PlacementState {
  memory: TargetMemory;
  areas: CodeAreas;
  healer: Healer;
  /** every thread of the process is stopped (nothing may run through the bytes being changed) */
  allStopped: boolean;
  threads: number[];
  /** the run-time address of every site placed or to be placed */
  siteAddresses: ReadonlySet<number>;
  /** the sites being placed now */
  placements: readonly PlacedSite[];
  log(message: string): void;
}

export interface SitePlacer {
  /** Places `placed` through stopped thread `tid`: undefined when done, else why not (a breakpoint goes there instead). */
  place(placed: PlacedSite, tid: number, state: PlacementState): string | undefined;
  /**
   * A breakpoint of this placer's at `address` (a site it could not patch): where to send the
   * thread instead of running the handler in utap (the native handler's trampoline), or undefined.
   */
  breakpointTarget?(address: number): number | undefined;
  /**
   * The function at `address` returned (its .return probes' breakpoint): a trampoline that runs
   * their handlers in the process and jumps to the return address utap writes below rsp; or undefined.
   */
  returnTarget?(address: number): number | undefined;
  /** A forked child's copy of the memory: take every placement out of it. */
  restoreIn(memory: TargetMemory): void;
  /** At detach, every thread stopped: put the original bytes back and bring threads out of utap's code; false keeps the code areas mapped. */
  detach(state: PlacementState): boolean;
  /** After exec: the old image is gone. */
  forget(): void;
}

export const CONTROL_STOP = 0;
export const CONTROL_WAKER_PID = 1;
export const CONTROL_SNAPSHOT = 2;
export const CONTROL_SLOTS = 3;

/** UTAP_PTRACE_DEBUG=1 logs every wait event; read once (process.env costs ~175 ns a read, per hit). */
const DEBUG_EVENTS = !!process.env.UTAP_PTRACE_DEBUG;

/**
 * TRACESYSGOOD: the system-call stops of injections (syscall-injection.ts) stop with SIGTRAP|0x80,
 * which the kernel, should utap die, does not turn into a SIGTRAP for the thread.
 */
const TRACE_OPTIONS =
  PTRACE_O.PTRACE_O_TRACECLONE | PTRACE_O.PTRACE_O_TRACEFORK | PTRACE_O.PTRACE_O_TRACEVFORK | PTRACE_O.PTRACE_O_TRACEEXEC |
  PTRACE_O.PTRACE_O_TRACESYSGOOD;

interface ReturnFrame {
  /** where the return address sits on the stack (rsp at function entry) */
  stackSlot: number;
  returnAddress: bigint;
  breakpoint: Breakpoint;
  captures: Array<Scalar[] | undefined>;
}

interface Thread {
  tid: number;
  /** the process it belongs to */
  proc: TracedProcess;
  shadow: ReturnFrame[];
  /** a signal the thread had pending when we stopped it for teardown */
  pendingSignal: number;
  /** in a group-stop (SIGSTOP, SIGTSTP...) when utap attached: kept stopped (PTRACE_LISTEN) */
  groupStopped?: boolean;
}

const STOP_SIGNALS: ReadonlySet<number> = new Set([SIG.SIGSTOP, SIG.SIGTSTP, SIG.SIGTTIN, SIG.SIGTTOU]);

interface ForkChild {
  kind: 'fork' | 'vfork';
  parentTid: number;
  parent: TracedProcess;
  /** the forking thread's frames at the fork (it may return from them before the child's first stop) */
  shadow: ReturnFrame[];
}

export class PtraceTracer {
  private readonly n: Native = native();
  private readonly session: TracerSession;
  private readonly regs = new Registers();
  private readonly status = new Int32Array(1);
  private readonly haveRegs = new Int32Array(1);
  private readonly resumeError = new Int32Array(1);
  /**
   * A thread a breakpoint or return hit left to resume (0: none) and how its registers go back
   * (RESUME_*): the loop resumes it in the same native call as its next wait.
   */
  private pendingTid = 0;
  private pendingHow = 0;
  private readonly ctx = new PtraceProbeContext();
  private readonly symbols = new ProcessSymbols(0);
  private readonly schedule: TimerSchedule;
  /** the target: -p PID, or the -c command */
  private pid = 0;
  /** every traced process, by pid: the target and the children it forked (child-follow.ts) */
  private readonly processes = new Map<number, TracedProcess>();
  /** the process of the event being handled */
  private proc!: TracedProcess;
  private get memory(): TargetMemory {
    return this.proc.memory;
  }
  private get areas(): CodeAreas {
    return this.proc.areas;
  }
  private get healer(): Healer {
    return this.proc.healer;
  }
  private get breakpoints(): Map<number, Breakpoint> {
    return this.proc.breakpoints;
  }
  private get placedSiteIds(): Set<number> {
    return this.proc.placedSiteIds;
  }
  private get semaphores(): SdtSemaphores {
    return this.proc.semaphores;
  }
  /** sites placed in some traced process at some point (the others' programs never ran) */
  private readonly placedEver = new Set<number>();
  /** processes whose begin probes fired (their end probes fire when they exit or exec) */
  private readonly begun = new Set<number>();
  /** -c: the pipe end that lets the held command go on (utap_spawn_held) */
  private releaseFd = -1;
  /** the addresses of every int3 of ours, for the native wait (trap-set.ts) */
  private readonly traps = new TrapSet();
  private readonly threads = new Map<number, Thread>();
  /** Children forked by the target: known from the parent's event or from their first stop. */
  private readonly expectedChildren = new Map<number, ForkChild>();
  private readonly unclaimedChildren = new Set<number>();
  private readonly vforkChildren = new Set<number>();
  private wakerPid = 0;
  private wakerFd = -1;
  private wakerDeadline: bigint | undefined;
  private targetExit: WaitStatus | undefined;
  private targetGone = false;
  private pinnedCpu: number | undefined;

  /** Copies of the globals published so far (answers to CONTROL_SNAPSHOT). */
  private snapshotsPublished = 0;

  /** The script's system-call probes, when it has some: every resume is then PTRACE_SYSCALL. */
  private readonly syscallStops: SyscallStops | undefined;

  constructor(private readonly spec: PtraceRunSpec, private readonly hooks: TracerHooks = {}) {
    if (hasSyscallSites(spec.plan)) {
      this.n = withSyscallStops(this.n);
      this.syscallStops = new SyscallStops(spec.plan, this.n);
    }
    this.session = spec.sidecar ? new ForwardedSession(spec.sidecar) : hooks.openSession?.(this.symbols) ?? openSession(spec.plan, spec.session, { services: this.symbols });
    this.ctx.symbols = this.symbols;
    this.schedule = new TimerSchedule(spec.plan.timers, monotonicNs());
  }

  private log(message: string): void {
    if (this.spec.verbose) fs.writeSync(2, `utap: ptrace: ${message}\n`);
  }

  /** Runs the whole session; returns the exit status. */
  run(): number {
    this.startWaker();
    try {
      if (this.spec.command !== undefined) this.spawn(this.spec.command);
      else this.attach(this.spec.pid!);
      this.session.setTarget(this.pid);
      this.ctx.targetPid = this.pid;
      this.symbols.reset(this.pid);
      this.session.begin();
      if (this.spec.command !== undefined) {
        // probes go in at the exec of the program; the shell is let go now
        this.n.release(this.releaseFd);
        this.releaseFd = -1;
        this.n.ptrace(PTRACE.PTRACE_CONT, this.pid, 0, 0);
      } else {
        this.allStopped = true;
        this.installPending(this.pid);
        this.allStopped = false;
        this.processBegins(this.proc, this.pid);
        this.resumeAllStopped();
      }
      this.session.armed?.();
      this.loop();
    } finally {
      if (this.releaseFd >= 0) this.n.close(this.releaseFd); // (the command then runs untraced, or is gone)
      this.teardown();
      for (const proc of this.processes.values()) proc.gone();
      this.stopWaker();
      this.hooks.poll?.(true);
    }

    const exit = this.spec.command !== undefined ? this.targetExit : undefined;
    const code = exit?.kind === 'exited' ? exit.code : null;
    const signal = exit?.kind === 'killed' ? exit.signal : null;
    const status = this.session.finish(commandStatus(code, signal));
    const warning = this.session.failed ? undefined : childExitWarning(code, signal);
    if (warning) fs.writeSync(2, `${warning}\n`);
    if (!this.session.failed && !this.spec.sidecar) for (const unran of unranProgramsWarnings(this.spec.plan.sites, this.placedEver)) fs.writeSync(2, `${unran}\n`);
    this.session.close();
    return status;
  }

  // ───────────── setup ─────────────

  private startWaker(): void {
    const fd = new Int32Array(1);
    const pid = this.n.wakerStart(fd);
    if (pid < 0) throw new UtapError(`cannot start utap's helper process (errno ${-pid}).`);
    this.wakerPid = pid;
    this.wakerFd = fd[0];
    Atomics.store(this.spec.control, CONTROL_WAKER_PID, pid);
  }

  private stopWaker(): void {
    if (this.wakerFd >= 0) this.n.close(this.wakerFd);
    this.wakerFd = -1;
    this.n.kill(this.wakerPid, SIG.SIGKILL);
    this.n.waitFor(this.wakerPid, this.status);
  }

  /**
   * -c: the shell is started held before its exec (blocked on a pipe only utap writes), seized
   * and stopped. Should utap die at any point, the pipe closes and the command runs untraced.
   */
  private spawn(command: string): void {
    const fd = new Int32Array(1);
    const line = shellCommand(command);
    // the shell that only execs the command is utap's, not the user's: no lifecycle probe sees it
    this.utapShell = line !== command;
    const pid = this.n.spawnHeld(line, fd);
    if (pid < 0) throw new UtapError(`cannot start the command (errno ${-pid}).`);
    this.pid = pid;
    this.releaseFd = fd[0];
    if (this.n.ptrace(PTRACE.PTRACE_SEIZE, pid, 0, TRACE_OPTIONS) < 0) throw new UtapError('cannot trace the started command.');
    this.n.ptrace(PTRACE.PTRACE_INTERRUPT, pid, 0, 0);
    this.newProcess(pid);
    this.threads.set(pid, { tid: pid, proc: this.proc, shadow: [], pendingSignal: 0 });
    if (!this.waitUntilStopped(pid)) throw new UtapError('the command could not be started under tracing.');
    this.pinIfAsked([pid]);
  }

  /** A process utap now traces (the target, or a followed child): becomes the current one. */
  private newProcess(pid: number): TracedProcess {
    const proc = new TracedProcess(pid, (m) => this.log(m), this.affinity);
    this.processes.set(pid, proc);
    this.proc = proc;
    return proc;
  }

  private attach(pid: number): void {
    this.pid = pid;
    const untraceable = untraceableTarget(pid);
    if (untraceable) throw new UtapError(untraceable);
    const proc = this.newProcess(pid);
    const seen = new Set<number>();
    for (;;) {
      let tids: number[];
      try {
        tids = fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => !seen.has(t));
      } catch {
        throw new UtapError(`process ${pid} ended while utap was attaching.`);
      }
      if (tids.length === 0) break;
      for (const tid of tids) {
        seen.add(tid);
        const r = this.n.ptrace(PTRACE.PTRACE_SEIZE, tid, 0, TRACE_OPTIONS);
        if (r === -ERRNO.ESRCH) continue; // the thread just exited
        if (r < 0) throw new UtapError(permissionMessage(pid, -r));
        this.n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
        this.threads.set(tid, { tid, proc, shadow: [], pendingSignal: 0 });
      }
    }
    // collect each thread's interrupt stop
    for (const tid of [...this.threads.keys()]) this.waitUntilStopped(tid);
    this.pinIfAsked([...this.threads.keys()]);
    this.log(`attached to ${this.threads.size} thread(s) of process ${pid}`);
  }

  /** Waits for `tid`'s next ptrace-stop, keeping a signal it carried for later delivery. */
  private waitUntilStopped(tid: number): boolean {
    for (;;) {
      if (this.n.waitFor(tid, this.status) < 0) {
        this.threads.delete(tid);
        return false;
      }
      const s = decodeWaitStatus(this.status[0]);
      if (s.kind === 'exited' || s.kind === 'killed') {
        this.onThreadGone(tid, s);
        return false;
      }
      if (s.kind !== 'stopped') continue;
      const t = this.threads.get(tid);
      if (s.event === 0 && s.signal !== SIG.SIGTRAP) {
        if (t) t.pendingSignal = s.signal;
      }
      // a process stopped by SIGSTOP/SIGTSTP reports its group-stop as this event with that signal
      if (t && s.event === PTRACE_EVENT.PTRACE_EVENT_STOP && STOP_SIGNALS.has(s.signal)) t.groupStopped = true;
      return true;
    }
  }

  private pinIfAsked(tids: number[]): void {
    if (!this.spec.pin) return;
    if (this.pinnedCpu === undefined) {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'latin1');
      this.pinnedCpu = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36] ?? 0);
      this.n.pinToCpu(this.n.gettid(), this.pinnedCpu);
      this.log(`pinned tracer and target to CPU ${this.pinnedCpu}`);
    }
    for (const tid of tids) {
      if (!this.affinity.has(tid)) {
        const mask = new Uint8Array(128);
        if (this.n.getAffinity(tid, mask) === 0) {
          this.affinity.set(tid, mask);
          this.healer?.rememberAffinity(tid, mask);
        }
      }
      this.n.pinToCpu(tid, this.pinnedCpu);
    }
  }

  /** Each pinned thread's own CPU affinity, put back when utap detaches. */
  private readonly affinity = new Map<number, Uint8Array>();

  private restoreAffinity(): void {
    for (const [tid, mask] of this.affinity) this.n.setAffinity(tid, mask);
    this.affinity.clear();
  }

  /**
   * Lets every thread go after attach. A thread of a stopped process stays stopped, as it
   * would untraced (PTRACE_LISTEN: its SIGCONT is reported as an event, and it runs on).
   */
  private resumeAllStopped(): void {
    for (const t of this.threads.values()) {
      if (t.groupStopped && this.stillGroupStopped(t.tid)) {
        this.n.ptrace(PTRACE.PTRACE_LISTEN, t.tid, 0, 0);
      } else {
        this.n.ptrace(PTRACE.PTRACE_CONT, t.tid, 0, t.pendingSignal);
        t.pendingSignal = 0;
      }
      t.groupStopped = false;
    }
  }

  /**
   * Whether a thread that was in a group-stop at attach still is: placing probes may have run
   * injected system calls in it, which leave it in a trap stop; an interrupt brings it back to
   * an event stop, which reports the stop signal while the process is still stopped.
   */
  private stillGroupStopped(tid: number): boolean {
    const info = new Uint8Array(128);
    if (this.n.ptraceBuffer(PTRACE.PTRACE_GETSIGINFO, tid, 0, info) === 0) {
      const view = new DataView(info.buffer);
      if (view.getInt32(8, true) >> 8 === PTRACE_EVENT.PTRACE_EVENT_STOP) return STOP_SIGNALS.has(view.getInt32(0, true));
    }
    this.n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
    this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0);
    for (;;) {
      if (this.n.waitFor(tid, this.status) < 0) return false;
      const s = decodeWaitStatus(this.status[0]);
      if (s.kind === 'exited' || s.kind === 'killed') {
        this.onThreadGone(tid, s);
        return false;
      }
      if (s.kind !== 'stopped') continue;
      if (s.event === PTRACE_EVENT.PTRACE_EVENT_STOP) return STOP_SIGNALS.has(s.signal);
      this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, s.event === 0 ? s.signal : 0);
    }
  }

  // ───────────── placing probes ─────────────

  /** Places every site whose binary is now mapped and not yet placed; all threads must be stopped or `tid` stopped. */
  private installPending(tid: number): void {
    const mappings = readMappings(this.proc.pid);
    const todo = this.spec.plan.sites.filter((s) => !this.placedSiteIds.has(s.id));
    const placements = placeSites(todo, mappings);
    // jump patches only in the target process (a followed child's probes are breakpoints)
    const state = this.hooks.placer && this.proc.pid === this.pid && this.placementState(placements, tid);
    for (const placed of placements) {
      if (state) {
        const why = this.hooks.placer!.place(placed, tid, state);
        if (why === undefined) {
          this.placedSiteIds.add(placed.site.id);
          this.placedEver.add(placed.site.id);
          this.jumpPlaced.add(placed.site.id);
          continue;
        }
        this.log(`${placed.site.kind} probe ${placed.site.pp} at 0x${placed.address.toString(16)}: a breakpoint, not a jump: ${why}`);
      }
      this.placeSite(placed, tid);
      this.placedSiteIds.add(placed.site.id);
      this.placedEver.add(placed.site.id);
    }
    for (const line of this.syscallStops?.announce() ?? []) this.log(line);
    // The linker's hook is for libraries loaded later: not needed when every site left is in a
    // program (it cannot be dlopen'd), which spares a code area and a healer in each followed
    // process that runs something unprobed (`sh -c 'a; b'`).
    const hook = todo.some((site) => !this.placedSiteIds.has(site.id) && !isProgramFile(site.binary)) ? dynamicLinkerHook(mappings) : undefined;
    if (hook && !this.breakpoints.has(hook.address)) {
      const bp = this.ensureBreakpoint(hook.address, hook.moduleStart, hook.moduleEnd, tid);
      if (bp) bp.linkerHook = true;
    }
  }

  /** Sites the placer patched with a jump in the target (a fork child gets breakpoints there). */
  private readonly jumpPlaced = new Set<number>();

  /** Set while every thread is stopped for placing (at attach). */
  private allStopped = false;

  private placementState(placements: PlacedSite[], tid: number): PlacementState {
    const own = [...this.threads.values()].filter((t) => t.proc === this.proc).map((t) => t.tid);
    return {
      memory: this.memory, areas: this.areas, healer: this.healer,
      allStopped: this.allStopped || own.length === 1 && own[0] === tid,
      threads: own,
      siteAddresses: new Set([...placements.map((p) => p.address), ...this.breakpoints.keys()]),
      placements,
      log: (m) => this.log(m),
    };
  }

  private placeSite(placed: PlacedSite, tid: number): void {
    const bp = this.ensureBreakpoint(placed.address, placed.moduleStart, placed.moduleEnd, tid, placed.site);
    if (!bp) return;
    if (placed.site.kind === 'return') bp.returnSites.push(placed.site);
    else bp.entrySites.push(placed.site);
    const semaphore = this.semaphores.raise(this.memory, placed.site, placed.address);
    if (semaphore !== undefined) this.log(`raised the SDT semaphore of ${placed.site.pp} at 0x${semaphore.toString(16)}`);
    this.log(`${placed.site.kind} probe ${placed.site.pp} at 0x${placed.address.toString(16)} (${bp.plan.mode === 'jump' ? 'out of line' : 'single-step out of line'})`);
  }

  private ensureBreakpoint(address: number, moduleStart: number, moduleEnd: number, tid: number, site?: ProbeSiteIR): Breakpoint | undefined {
    const existing = this.breakpoints.get(address);
    if (existing) return existing;
    const original = this.memory.read(address, 16);
    if (original[0] === 0xcc) throw new UtapError(`0x${address.toString(16)}${site ? ` (${site.pp})` : ''} already holds a breakpoint; is another debugger attached?`);
    const slot = this.areas.slotNear(moduleStart, moduleEnd, tid);
    this.healer.install(tid);
    let plan: DisplacedPlan;
    try {
      plan = planDisplaced(original, BigInt(address), BigInt(slot));
    } catch (error) {
      if (error instanceof CannotDisplace || error instanceof DecodeFailure) {
        throw new UtapError(`cannot probe ${site ? site.pp : `0x${address.toString(16)}`}: ${error.message}.`);
      }
      throw error;
    }
    this.memory.write(slot, plan.bytes);
    this.healer.addBreakpoint(address, original[0]);
    this.traps.add(address);
    if (this.areas.trampoline !== undefined) this.traps.add(this.areas.trampoline);
    this.memory.write(address, Uint8Array.of(0xcc));
    const bp: Breakpoint = { address, originalByte: original[0], plan, slot, entrySites: [], returnSites: [], linkerHook: false };
    this.breakpoints.set(address, bp);
    return bp;
  }

  // ───────────── the event loop ─────────────

  private loop(): void {
    const n = this.n;
    const regs = this.regs;
    while (this.session.running && !this.targetGone) {
      this.fireTimers();
      if (!this.session.running) break;
      this.session.flush();
      const pending = this.pendingTid;
      this.pendingTid = 0;
      const pid = pending ? n.resumeAndWait(pending, regs.bytes, this.pendingHow, 0, this.resumeError, this.status, this.haveRegs, this.traps.table) : n.waitEvent(this.status, regs.bytes, this.haveRegs, this.traps.table);
      if (pid < 0) {
        if (pid === -ERRNO.ECHILD) break; // nothing left to wait for
        throw new Error(`waitpid failed (errno ${-pid})`);
      }
      if (pid === this.wakerPid) {
        this.onWaker();
        continue;
      }
      if (pid === this.healer.guardianPid) {
        this.healer.guardianGone();
        continue;
      }
      const s = decodeWaitStatus(this.status[0]);
      if (DEBUG_EVENTS) this.log(`event pid=${pid} ${JSON.stringify(s)} rip=0x${this.haveRegs[0] ? this.regs.getNumber('rip').toString(16) : '?'}`);
      const thread = this.threads.get(pid);
      if (thread) this.proc = thread.proc;
      if (s.kind === 'exited' || s.kind === 'killed') {
        this.onThreadGone(pid, s);
        continue;
      }
      if (s.kind !== 'stopped') continue;
      if (!thread) {
        this.onUnknownStop(pid, s);
        continue;
      }
      if (s.event === 0) {
        if (s.signal === SIG.SIGTRAP && this.haveRegs[0]) this.onTrap(thread, pid);
        else if (s.signal === (SIG.SIGTRAP | 0x80)) {
          if (this.execReturns.delete(pid)) this.onExecReturn(pid);
          else if (this.syscallStops) this.onSyscallStop(pid);
          else n.ptrace(PTRACE.PTRACE_CONT, pid, 0, 0); // a system-call stop: not ours to keep
        }
        else n.ptrace(PTRACE.PTRACE_CONT, pid, 0, s.signal); // the target's own signal
        continue;
      }
      this.onEvent(thread, s.event, s.signal);
    }
    this.resumePending();
  }

  /** A system-call stop while the script has system-call probes (syscall-stops.ts). */
  private onSyscallStop(tid: number, keepStopped = false): void {
    const inTarget = this.session.running && !this.vforkChildren.has(tid);
    this.syscallStops!.onStop({ tid, pid: inTarget ? this.pid : 0, regs: this.regs, memory: this.memory, ctx: this.ctx, hit: (site, ctx) => this.session.hit(site, ctx), keepStopped });
  }

  /** Resumes the thread a hit left stopped, when the loop ends before its next wait. */
  private resumePending(): void {
    if (!this.pendingTid) return;
    this.n.resume(this.pendingTid, this.regs.bytes, this.pendingHow === RESUME_SET_RIP ? 1 : this.pendingHow, 0);
    this.pendingTid = 0;
  }

  /** Resume `tid` with the loop's next wait; only rip changed unless a handler wrote registers. */
  private resumeLater(tid: number): void {
    this.pendingTid = tid;
    this.pendingHow = this.ctx.regsDirty ? RESUME_SET_REGS : RESUME_SET_RIP;
  }

  private fireTimers(): void {
    if (this.hooks.poll) this.pollHook();
    if (this.schedule.empty) return; // the common case, checked first: this runs before every wait
    const now = monotonicNs();
    const delay = fireDueTimers(this.session, this.schedule, now);
    if (delay === undefined) return;
    const deadline = now + delay;
    if (this.wakerDeadline !== undefined && this.wakerDeadline <= deadline) return;
    this.wakerDeadline = deadline;
    const ms = new Int32Array([Math.max(1, Math.ceil(Number(delay) / 1e6))]);
    this.n.write(this.wakerFd, new Uint8Array(ms.buffer), 4);
  }

  /** hooks.poll before a wait, and the waker armed to wake the loop for the next one. */
  private pollHook(): void {
    this.hooks.poll!(false);
    const interval = this.hooks.pollIntervalMs;
    if (interval === undefined) return;
    const deadline = monotonicNs() + BigInt(interval) * 1_000_000n;
    if (this.wakerDeadline !== undefined && this.wakerDeadline <= deadline) return;
    this.wakerDeadline = deadline;
    this.n.write(this.wakerFd, new Uint8Array(new Int32Array([interval]).buffer), 4);
  }

  private onWaker(): void {
    this.wakerDeadline = undefined;
    const signal = stopSignalOf(Atomics.load(this.spec.control, CONTROL_STOP));
    if (signal) {
      this.hooks.poll?.(false);
      this.session.stop(signal);
    }
    // A scrape is answered here, between two hits: the target waits for no copy.
    const wanted = Atomics.load(this.spec.control, CONTROL_SNAPSHOT);
    if (wanted !== this.snapshotsPublished && this.session.globals) {
      this.snapshotsPublished = wanted;
      this.hooks.publishGlobals?.(snapshotGlobals(this.spec.plan.program.globals, this.session.globals));
    }
    this.n.kill(this.wakerPid, SIG.SIGCONT);
  }

  private onTrap(thread: Thread, tid: number): void {
    const regs = this.regs;
    const at = regs.getNumber('rip') - 1;
    const bp = this.breakpoints.get(at);
    if (bp) {
      this.onBreakpoint(thread, tid, bp);
      return;
    }
    if (at === this.areas.trampoline) {
      this.onReturn(thread, tid);
      return;
    }
    this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, SIG.SIGTRAP); // the program's own trap
  }

  private onBreakpoint(thread: Thread, tid: number, bp: Breakpoint): void {
    const regs = this.regs;
    const inTarget = !this.vforkChildren.has(tid);
    // the placer's handlers run in the process, through a trampoline it names
    const elsewhere = inTarget && this.session.running && this.proc.pid === this.pid ? this.hooks.placer?.breakpointTarget?.(bp.address) : undefined;
    this.ctx.regsDirty = false;
    if (inTarget && this.session.running) {
      this.symbols.follow(this.proc.pid); // usymname(), ubacktrace() in a followed child
      const ctx = this.ctx.bind(tid, this.proc.pid, regs, this.memory, bp.address);
      ctx.returnTo = undefined;
      ctx.shadow = thread.shadow;
      if (elsewhere === undefined) for (const site of bp.entrySites) this.session.hit(site.id, ctx);
      if (bp.returnSites.length && this.areas.trampoline !== undefined) {
        const captures = elsewhere === undefined && !(this.proc.pid === this.pid && this.hooks.placer?.returnTarget?.(bp.address)) ? bp.returnSites.map((site) => this.session.captureEntry(site.id, ctx)) : [];
        const rsp = regs.getNumber('rsp');
        const returnAddress = this.memory.readU64(rsp);
        this.healer.redirectReturn(tid, thread.shadow.length, rsp, returnAddress, this.areas.trampoline);
        thread.shadow.push({ stackSlot: rsp, returnAddress, breakpoint: bp, captures });
      }
    }
    if (bp.linkerHook) this.installPending(tid);
    if (elsewhere !== undefined) {
      regs.setNumber('rip', elsewhere);
      this.resumeLater(tid);
    } else this.displace(tid, bp);
  }

  private displace(tid: number, bp: Breakpoint): void {
    this.regs.setNumber('rip', bp.slot);
    this.resumeLater(tid);
  }

  private onReturn(thread: Thread, tid: number): void {
    const regs = this.regs;
    const rsp = regs.getNumber('rsp');
    // frames a longjmp or exception skipped never return through the trampoline
    while (thread.shadow.length > 1 && thread.shadow[thread.shadow.length - 1].stackSlot + 8 < rsp) thread.shadow.pop();
    const frame = thread.shadow.pop();
    if (!frame) {
      fs.writeSync(2, `utap: thread ${tid} returned through utap's trampoline with no recorded frame; stopping.\n`);
      this.session.stop('error');
      return;
    }
    this.ctx.regsDirty = false;
    const elsewhere = this.session.running && !this.vforkChildren.has(tid) && this.proc.pid === this.pid ? this.hooks.placer?.returnTarget?.(frame.breakpoint.address) : undefined;
    if (elsewhere !== undefined) {
      // the placer's return trampoline runs the handlers and jumps to the address left below rsp
      this.memory.writeU64(rsp - 8, frame.returnAddress);
      regs.setNumber('rip', elsewhere);
      this.resumeLater(tid);
      return;
    }
    if (this.session.running && !this.vforkChildren.has(tid)) {
      this.symbols.follow(this.proc.pid);
      this.ctx.returnTo = frame.returnAddress;
      this.ctx.shadow = thread.shadow;
      frame.breakpoint.returnSites.forEach((site, i) => {
        // uaddr() at a return is where the function returns to, as on the uprobe engine and in SystemTap
        this.session.hit(site.id, this.ctx.bind(tid, this.proc.pid, regs, this.memory, Number(frame.returnAddress), frame.captures[i]));
      });
    }
    regs.set('rip', frame.returnAddress);
    this.resumeLater(tid);
  }

  private onEvent(thread: Thread, event: number, signal: number): void {
    const tid = thread.tid;
    const message = new BigUint64Array(1);
    switch (event) {
      case PTRACE_EVENT.PTRACE_EVENT_CLONE: {
        this.n.ptraceBuffer(PTRACE.PTRACE_GETEVENTMSG, tid, 0, new Uint8Array(message.buffer));
        const child = Number(message[0]);
        if (!this.threads.has(child)) this.threads.set(child, { tid: child, proc: thread.proc, shadow: [], pendingSignal: 0 });
        this.pinIfAsked([child]);
        if (!this.vforkChildren.has(tid)) this.fireLifecycle('thread.begin', thread.proc, child);
        break;
      }
      case PTRACE_EVENT.PTRACE_EVENT_FORK:
      case PTRACE_EVENT.PTRACE_EVENT_VFORK: {
        this.n.ptraceBuffer(PTRACE.PTRACE_GETEVENTMSG, tid, 0, new Uint8Array(message.buffer));
        const child = Number(message[0]);
        const info: ForkChild = { kind: event === PTRACE_EVENT.PTRACE_EVENT_FORK ? 'fork' : 'vfork', parentTid: tid, parent: thread.proc, shadow: inheritShadow(thread.shadow) };
        if (this.unclaimedChildren.delete(child)) this.followChild(child, info);
        else this.expectedChildren.set(child, info);
        this.proc = thread.proc; // (following a child switched to it)
        break;
      }
      case PTRACE_EVENT.PTRACE_EVENT_EXEC:
        this.onExec(thread);
        return;
      case PTRACE_EVENT.PTRACE_EVENT_STOP:
        if (signal === SIG.SIGSTOP || signal === SIG.SIGTSTP || signal === SIG.SIGTTIN || signal === SIG.SIGTTOU) {
          // a group-stop: stay stopped as an untraced process would, but keep watching
          this.n.ptrace(PTRACE.PTRACE_LISTEN, tid, 0, 0);
          return;
        }
        break;
    }
    this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0);
  }

  /**
   * A traced process replaced its program (the target, a followed child, or a vfork child, which
   * becomes a process of its own here): every probe, area and frame of the old image is gone;
   * the old program's end probes fire, and the new one's sites go in at execve's return.
   */
  private onExec(thread: Thread): void {
    // after exec only the thread that called it remains, under the process's pid
    const pid = thread.tid;
    const wasVforkChild = this.vforkChildren.delete(pid);
    let proc = thread.proc;
    if (wasVforkChild) {
      if (this.begun.has(pid)) this.fireLifecycle('end', proc, pid, pid);
      proc = this.newProcess(pid);
    } else {
      if (this.begun.has(pid)) this.fireLifecycle('end', proc, pid);
      for (const [tid, t] of this.threads) {
        if (t.proc === proc) {
          if (tid !== pid) this.fireLifecycle('thread.end', proc, tid);
          proc.healer.threadGone(tid);
          this.threads.delete(tid);
        }
      }
      if (proc.pid === this.pid) {
        this.hooks.placer?.forget(); // (only the target process carries jump patches)
        this.jumpPlaced.clear();
      }
      proc.newImage();
      this.proc = proc;
    }
    this.begun.delete(pid);
    this.threads.set(pid, { tid: pid, proc, shadow: [], pendingSignal: 0 });
    this.ctx.forgetProcess(pid);
    this.symbols.reset(pid);
    this.log(`exec of ${proc.exe} in process ${pid}`);
    // The exec stop is still inside execve, whose return would overwrite an injected system
    // call's number; so probes go in at the stop at execve's return (PTRACE_SYSCALL), where the
    // thread sits at the new program's first instruction and nothing of the program is changed
    // (a stop that, should utap die there, just lets the thread go).
    this.execReturns.add(pid);
    this.n.ptrace(PTRACE.PTRACE_SYSCALL, pid, 0, 0);
  }

  /** -c: the target runs utap's `sh -c 'exec COMMAND'` until its second exec. */
  private utapShell = false;

  /** The threads whose execve's return stop is awaited. */
  private readonly execReturns = new Set<number>();

  /** At execve's return: the new program's code areas, healer and probes go in. */
  private onExecReturn(tid: number): void {
    if (this.syscallStops) this.onSyscallStop(tid, true); // execve's own return, in the new program (before injections change its registers)
    this.installPending(tid);
    if (tid === this.pid && this.utapShell) this.utapShell = false;
    else this.processBegins(this.proc, tid);
    this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0);
  }

  /** A traced process starts running its program (attach, exec, fork): its begin probes fire. */
  private processBegins(proc: TracedProcess, tid: number): void {
    this.begun.add(proc.pid);
    this.fireLifecycle('begin', proc, tid);
  }

  /**
   * Runs the lifecycle probes of `event` that watch `proc`'s program. A begin runs on the
   * stopped thread (its registers, as SystemTap's process.begin sees them); the others after the
   * fact, with the process's identity only.
   */
  private fireLifecycle(event: LifecycleEvent, proc: TracedProcess, tid: number, pid = proc.pid): void {
    const probes = this.spec.plan.lifecycle;
    // (a sidecar's engine fires them from its own account of the processes)
    if (!probes || !this.session.running || this.spec.sidecar) return;
    const matching = lifecycleProbesFor(probes, event, proc.exe);
    if (matching.length === 0) return;
    let ctx: import('../../runtime/probe-context').ProbeContext;
    if (event === 'begin' && pid === proc.pid && this.n.getRegs(tid, this.regs.bytes) === 0) {
      this.ctx.returnTo = undefined;
      this.ctx.shadow = [];
      ctx = this.ctx.bind(tid, proc.pid, this.regs, proc.memory, this.regs.getNumber('rip'));
    } else {
      ctx = new LifecycleContext({ pid, tid, execname: proc.comm, target: this.pid }, matching[0].pp);
    }
    for (const probe of matching) this.session.hit(probe.id, ctx);
  }

  private onUnknownStop(pid: number, s: WaitStatus & { kind: 'stopped' }): void {
    const tgid = readTgid(pid);
    const proc = this.processes.get(tgid);
    if (proc && tgid !== pid) {
      // a new thread whose first stop came before its parent's clone event
      this.threads.set(pid, { tid: pid, proc, shadow: [], pendingSignal: 0 });
      this.pinIfAsked([pid]);
      this.n.ptrace(PTRACE.PTRACE_CONT, pid, 0, 0);
      return;
    }
    const expected = this.expectedChildren.get(pid);
    if (expected) {
      this.expectedChildren.delete(pid);
      this.followChild(pid, expected);
    } else if (s.event !== 0 || s.signal === SIG.SIGSTOP) {
      this.unclaimedChildren.add(pid); // its parent's fork event has not arrived yet
    } else {
      this.n.ptrace(PTRACE.PTRACE_CONT, pid, 0, s.signal);
    }
  }

  /**
   * A child a traced process forked, stopped at its first stop: traced with the same probes
   * (child-follow.ts), its begin probes fired, then let go. A vfork child shares its parent's
   * memory until it execs or exits: it is stepped over the parent's breakpoints without running
   * handlers (its frames are the parent's), and becomes a process of its own at its exec.
   */
  private followChild(child: number, info: ForkChild): void {
    const parent = info.parent;
    if (info.kind === 'vfork') {
      this.vforkChildren.add(child);
      this.threads.set(child, { tid: child, proc: parent, shadow: info.shadow, pendingSignal: 0 });
      // a process of its own, running its parent's program until it execs (in its parent's memory)
      this.begun.add(child);
      this.fireLifecycle('begin', parent, child, child);
      this.n.ptrace(PTRACE.PTRACE_CONT, child, 0, 0);
      return;
    }
    const proc = this.newProcess(child);
    try {
      inheritForkedProcess(parent, proc, info.parentTid, child);
      // Jump patches (the in-process engine's, in the target only) lead to handlers whose
      // per-thread scratch and pid are the parent's: the child gets the original bytes back and
      // breakpoints at those sites, its hits run by utap on the same shared globals.
      if (parent.pid === this.pid && this.hooks.placer && this.jumpPlaced.size > 0) {
        this.hooks.placer.restoreIn(proc.memory);
        for (const id of this.jumpPlaced) proc.placedSiteIds.delete(id);
        this.installPending(child);
      }
    } catch (error) {
      this.log(`fork child ${child}: ${(error as Error).message}`);
    }
    this.threads.set(child, { tid: child, proc, shadow: info.shadow, pendingSignal: 0 });
    this.pinIfAsked([child]);
    this.log(`following process ${child}, forked by ${parent.pid}`);
    this.processBegins(proc, child);
    this.n.ptrace(PTRACE.PTRACE_CONT, child, 0, 0);
  }

  private onThreadGone(tid: number, s: WaitStatus): void {
    const thread = this.threads.get(tid);
    const proc = thread?.proc ?? this.processes.get(tid);
    proc?.healer.threadGone(tid);
    this.threads.delete(tid);
    const vfork = this.vforkChildren.delete(tid);
    if (vfork && proc && this.begun.delete(tid)) this.fireLifecycle('end', proc, tid, tid);
    if (proc && !vfork && tid !== proc.pid) this.fireLifecycle('thread.end', proc, tid);
    if (proc && !vfork && tid === proc.pid) {
      if (this.begun.delete(tid)) this.fireLifecycle('end', proc, tid);
      proc.gone();
      this.processes.delete(tid);
      if (this.proc === proc) this.proc = this.processes.get(this.pid) ?? [...this.processes.values()][0] ?? proc;
    }
    if (tid === this.pid) {
      this.targetExit = s;
      this.targetGone = true;
      this.hooks.poll?.(false); // what the process's own handlers sent runs before the session stops
      this.session.stop('target-exited');
    }
  }

  // ───────────── teardown ─────────────

  /**
   * Leaves the target and every followed child as if never traced: stops every thread, restores
   * the original bytes, puts back redirected return addresses, moves threads out of code areas,
   * unmaps the areas and detaches. Runs however the session ended.
   */
  private teardown(): void {
    if (this.pid === 0 || this.processes.size === 0) return;
    const live = this.settling;
    // each process's leader last: its exit is reported only once every other thread's is
    // collected, so waiting for it first could wait forever when it exits during the teardown
    const isLeader = (tid: number) => (this.threads.get(tid)?.proc.pid === tid ? 1 : 0);
    live.push(...[...this.threads.keys()].sort((a, b) => isLeader(a) - isLeader(b)));
    for (const tid of live) this.n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
    while (live.length) {
      const tid = live.shift()!;
      const thread = this.threads.get(tid);
      if (!thread) continue;
      this.proc = thread.proc;
      this.settleForDetach(tid);
    }
    for (const proc of [...this.processes.values()]) {
      this.proc = proc;
      this.restoreProcess(proc);
    }
    this.restoreAffinity();
    for (const thread of this.threads.values()) this.n.ptrace(PTRACE.PTRACE_DETACH, thread.tid, 0, thread.pendingSignal);
    this.releaseLateChildren();
    this.log('detached; every original byte restored');
  }

  /** Restores one process's code, frames and areas (its threads stopped); they are detached after. */
  private restoreProcess(proc: TracedProcess): void {
    const threads = [...this.threads.values()].filter((t) => t.proc === proc);
    if (threads.length === 0) return; // gone meanwhile
    for (const bp of this.breakpoints.values()) {
      try {
        this.memory.write(bp.address, Uint8Array.of(bp.originalByte));
      } catch {
        /* mapping gone (library unloaded) */
      }
    }
    this.semaphores.lowerAll(this.memory);
    const trampoline = this.areas.trampoline;
    for (const thread of threads) {
      for (const frame of thread.shadow) {
        try {
          if (trampoline !== undefined && this.memory.readU64(frame.stackSlot) === BigInt(trampoline)) this.memory.writeU64(frame.stackSlot, frame.returnAddress);
        } catch {
          /* the stack moved on */
        }
      }
      thread.shadow.length = 0;
    }
    // injected system calls go through a thread of the process itself, not a vfork child sharing its memory
    const own = threads.filter((t) => !this.vforkChildren.has(t.tid));
    const anyThread = (own.find((t) => t.tid === proc.pid) ?? own[0])?.tid;
    const keepAreas = proc.pid === this.pid && this.hooks.placer !== undefined && anyThread !== undefined && !this.hooks.placer.detach(this.placementState([], anyThread));
    if (anyThread !== undefined && this.areas.areas.length) {
      for (const t of threads) this.leaveCodeAreas(t.tid);
      try {
        this.healer.uninstall(anyThread);
      } catch (error) {
        this.log(`could not take the healer out of process ${proc.pid} (${(error as Error).message}); it stays, unused`);
      }
      try {
        if (keepAreas) this.log('code areas stay mapped: a thread may still be inside a trampoline');
        else this.areas.unmapAll(anyThread);
      } catch (error) {
        this.log(`could not unmap code areas of process ${proc.pid} (${(error as Error).message}); they stay mapped, unused`);
      }
    }
  }

  /** Threads still to bring to a stop for detaching (a thread created meanwhile joins them). */
  private readonly settling: number[] = [];

  private lateThread(tid: number, parent: Thread): void {
    if (this.threads.has(tid)) return;
    this.threads.set(tid, { tid, proc: parent.proc, shadow: [], pendingSignal: 0 });
    this.n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
    this.settling.push(tid);
  }

  /** Children forked while utap was stopping: not followed; their copies of our bytes are taken out. */
  private readonly lateChildren: Array<{ child: number; parent: TracedProcess; shadow: ShadowFrame[]; stopped: boolean }> = [];

  /**
   * Children utap knew of but had not followed yet when it stopped (a fork whose child's first
   * stop had not come), and children forked while it was stopping: each holds a copy of its
   * parent's int3s and redirected frames, which are taken out before it is let go.
   */
  private releaseLateChildren(): void {
    for (const [child, info] of this.expectedChildren) this.lateChildren.push({ child, parent: info.parent, shadow: info.shadow, stopped: false });
    this.expectedChildren.clear();
    // stopped, their parent's fork event never seen: the parent is known from /proc, their frames are not
    for (const child of this.unclaimedChildren) {
      const parent = this.processes.get(readPpid(child));
      if (parent) this.lateChildren.push({ child, parent, shadow: [], stopped: true });
      else this.n.ptrace(PTRACE.PTRACE_DETACH, child, 0, 0);
    }
    this.unclaimedChildren.clear();
    for (const { child, parent, shadow, stopped } of this.lateChildren.splice(0)) {
      if (!stopped && this.n.waitFor(child, this.status) < 0) continue;
      const childMemory = new TargetMemory(child);
      try {
        for (const bp of parent.breakpoints.values()) childMemory.write(bp.address, Uint8Array.of(bp.originalByte));
        parent.semaphores.lowerAll(childMemory);
        for (const frame of shadow) childMemory.writeU64(frame.stackSlot, frame.returnAddress);
      } catch {
        /* the child may already be gone */
      } finally {
        childMemory.close();
      }
      this.n.ptrace(PTRACE.PTRACE_DETACH, child, 0, 0);
    }
  }

  /** Brings `tid` to a stop where it is safe to restore code, finishing any hit in progress. */
  private settleForDetach(tid: number): void {
    for (;;) {
      if (this.n.waitFor(tid, this.status) < 0) {
        this.threads.delete(tid);
        return;
      }
      const s = decodeWaitStatus(this.status[0]);
      if (s.kind === 'exited' || s.kind === 'killed') {
        this.onThreadGone(tid, s);
        return;
      }
      if (s.kind !== 'stopped') continue;
      const thread = this.threads.get(tid);
      if (!thread) return;
      if (s.event === PTRACE_EVENT.PTRACE_EVENT_STOP) return; // our interrupt (or a group-stop)
      if (s.event === PTRACE_EVENT.PTRACE_EVENT_FORK || s.event === PTRACE_EVENT.PTRACE_EVENT_VFORK || s.event === PTRACE_EVENT.PTRACE_EVENT_CLONE) {
        const message = new BigUint64Array(1);
        this.n.ptraceBuffer(PTRACE.PTRACE_GETEVENTMSG, tid, 0, new Uint8Array(message.buffer));
        const child = Number(message[0]);
        if (s.event === PTRACE_EVENT.PTRACE_EVENT_CLONE) this.lateThread(child, thread);
        else this.lateChildren.push({ child, parent: thread.proc, shadow: inheritShadow(thread.shadow), stopped: this.unclaimedChildren.delete(child) });
      }
      if (s.event !== 0) {
        // a clone/fork/exec event raced with the interrupt; let it finish, the interrupt follows
        this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0);
        continue;
      }
      if (s.signal === SIG.SIGTRAP) {
        const regs = new Registers();
        this.n.getRegs(tid, regs.bytes);
        const at = regs.getNumber('rip') - 1;
        if (this.breakpoints.has(at)) {
          // hit while we were stopping: run the original instruction again once it is restored
          regs.setNumber('rip', at);
          this.n.setRegs(tid, regs.bytes);
        } else if (at === this.areas.trampoline && thread.shadow.length) {
          regs.set('rip', thread.shadow.pop()!.returnAddress);
          this.n.setRegs(tid, regs.bytes);
        } else thread.pendingSignal = SIG.SIGTRAP;
        this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0); // the interrupt is still pending: it stops again
        continue;
      }
      if (s.signal !== (SIG.SIGTRAP | 0x80)) thread.pendingSignal = s.signal; // deliver it when we detach
      this.n.ptrace(PTRACE.PTRACE_CONT, tid, 0, 0);
    }
  }

  /**
   * Moves a thread that is inside an out-of-line copy back into the program, without stepping:
   * at the start of a slot it has not run the displaced instruction yet (back to the
   * breakpoint's address); past it, it is at one of the slot's `jmp *0(%rip)` (to its literal).
   * Single-stepping is the last resort (a thread stepped when utap dies would trap on).
   */
  private leaveCodeAreas(tid: number): void {
    const regs = new Registers();
    for (let steps = 0; steps < 8; steps++) {
      if (this.n.getRegs(tid, regs.bytes) < 0) return;
      const rip = regs.getNumber('rip');
      if (!this.areas.contains(rip)) return;
      const bp = [...this.breakpoints.values()].find((b) => b.slot === rip);
      let to: number | undefined = bp?.address;
      if (to === undefined) {
        const insn = this.memory.read(rip, 6);
        if (insn[0] === 0xff && insn[1] === 0x25) to = Number(this.memory.readU64(rip + 6 + new DataView(insn.buffer).getInt32(2, true)));
      }
      if (to !== undefined) {
        regs.setNumber('rip', to);
        this.n.setRegs(tid, regs.bytes);
        return;
      }
      this.n.ptrace(PTRACE.PTRACE_SINGLESTEP, tid, 0, 0);
      if (this.n.waitFor(tid, this.status) < 0) return;
    }
  }
}

function readPpid(pid: number): number {
  try {
    const m = /^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function readTgid(pid: number): number {
  try {
    const m = /^Tgid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function permissionMessage(pid: number, errno: number): string {
  return ptraceRefusal(pid, errno);
}
