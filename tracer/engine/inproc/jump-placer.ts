// The in-process engine's placement of a site, asked by the ptrace tracer before it places a
// breakpoint: a jump patch to a trampoline calling the native handlers of every site at that
// address, when the site and the moment allow it. Otherwise the tracer places a breakpoint (and
// -v says why); with native handlers, a hit of that breakpoint is sent to a trampoline that runs
// them in the process too (one stop per hit, no handler run by utap), so every hit of a script
// updates the same shared globals.
import type { PlacedSite } from '../ptrace/site-placement';
import type { PlacementState, SitePlacer } from '../ptrace/ptrace-tracer';
import type { TargetMemory } from '../ptrace/target-memory';
import { Registers } from '../ptrace/registers';
import { native, PTRACE } from '../ptrace/native';
import { JumpPatches } from './jump-patches';
import { PatchList } from './patch-list';

/** Where the native handlers come from (the JIT of the sites' eBPF programs: native-handlers.ts). */
export interface NativeHandlers {
  /** The address in the target of the function the trampoline of `placed` calls, or why there is none. */
  handlerFor(placed: PlacedSite, tid: number, state: PlacementState): bigint | string;
  /** A return site's program at its function's entry (entry captures), if it has one. */
  entryHandlerFor(placed: PlacedSite): bigint | undefined;
  /** Where the handlers' code sits in the process, once placed. */
  readonly codeRange: [number, number] | undefined;
  /** At detach, no thread inside them: take the handlers' code and memory out of the process. */
  uninstall(tid: number, state: PlacementState): void;
  /** After exec: the handlers' code and mappings went with the old image (placed again on demand). */
  forget(): void;
}

/** Single steps allowed to bring one thread out of a trampoline at detach (a handler is short). */
const MAX_STEPS_OUT = 100_000;
const TRAP_FLAG = 0x100n;

export class JumpPlacer implements SitePlacer {
  private patches: JumpPatches | undefined;
  private list: PatchList | undefined;
  /** Addresses done: undefined when patched, else the reason the tracer was given. */
  private readonly done = new Map<number, string | undefined>();
  /** Breakpoint addresses whose hits go to a trampoline running the native handlers. */
  private readonly redirects = new Map<number, number>();
  /** Function addresses whose returns go to a return trampoline. */
  private readonly returns = new Map<number, number>();

  constructor(private readonly handlers: NativeHandlers | undefined, private readonly unavailable: string) {}

  place(placed: PlacedSite, tid: number, state: PlacementState): string | undefined {
    if (this.done.has(placed.address)) return this.done.get(placed.address);
    const why = this.placeAddress(placed, tid, state);
    this.done.set(placed.address, why);
    return why;
  }

  private placeAddress(placed: PlacedSite, tid: number, state: PlacementState): string | undefined {
    if (!this.handlers) return this.unavailable;
    const here = state.placements.filter((p) => p.address === placed.address);
    const handlers: bigint[] = [];
    const returnHandlers: bigint[] = [];
    for (const p of here) {
      const handler = this.handlers.handlerFor(p, tid, state);
      if (typeof handler === 'string') return `the handler of ${p.site.pp} cannot run in the process: ${handler}`;
      if (p.site.kind !== 'return') handlers.push(handler);
      else {
        returnHandlers.push(handler);
        const entry = this.handlers.entryHandlerFor(p);
        if (entry !== undefined) handlers.push(entry);
      }
    }
    this.ensurePatches(placed, tid, state);
    if (returnHandlers.length) {
      // .return: a breakpoint at the entry (utap keeps the shadow stack of return addresses), the
      // return address sent to utap's return breakpoint, then to a return trampoline
      this.returns.set(placed.address, this.patches!.returnTrampoline(placed, returnHandlers, tid));
      const why = 'a .return probe: the entry and the return each stop once (return addresses redirected through utap\'s shadow stack), and trampolines run the handlers in the process';
      if (handlers.length === 0) return why;
      const trampoline = this.patches!.breakpointTrampoline(placed, handlers, tid);
      if (typeof trampoline === 'string') return `${why}; but not at the entry (${trampoline})`;
      this.redirects.set(placed.address, trampoline);
      return why;
    }
    return this.placeEntry(placed, handlers, here, tid, state);
  }

  private ensurePatches(placed: PlacedSite, tid: number, state: PlacementState): void {
    if (!this.patches) {
      this.patches = new JumpPatches(state.memory, state.areas);
      state.areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, 0); // the healer lives in the first area
      state.healer.install(tid); // its guardian restores the jumps should utap die
      const list = PatchList.create(state.memory, state.healer, tid, state.areas.injectionBlock);
      if (!list) state.log('no guardian list for the jumps: should utap be killed, they stay in (and keep working)');
      this.patches.onPatched = (patch) => list?.add(patch);
      this.list = list;
    }
  }

  private placeEntry(placed: PlacedSite, handlers: bigint[], here: PlacedSite[], tid: number, state: PlacementState): string | undefined {
    const why = state.allStopped
      ? this.patches!.place(placed, handlers, tid, threadRips(state.threads), new Set([...state.siteAddresses].filter((a) => a !== placed.address)))
      : 'other threads were running when its code was mapped (a jump is written only with every thread stopped)';
    if (why === undefined) {
      state.log(`probe ${here.map((p) => p.site.pp).join(', ')} at 0x${placed.address.toString(16)}: a jump to a trampoline, the handler runs in the process`);
      return undefined;
    }
    const trampoline = this.patches!.breakpointTrampoline(placed, handlers, tid);
    if (typeof trampoline === 'string') return `${why}; nor can a breakpoint run its native handler (${trampoline}): utap runs it`;
    this.redirects.set(placed.address, trampoline);
    return `${why}; each hit stops once and goes on to a trampoline that runs the handler in the process`;
  }

  breakpointTarget(address: number): number | undefined {
    return this.redirects.get(address);
  }

  returnTarget(address: number): number | undefined {
    return this.returns.get(address);
  }

  restoreIn(memory: TargetMemory): void {
    this.patches?.restore(memory);
  }

  detach(state: PlacementState): boolean {
    if (!this.patches) return true;
    this.patches.restore(state.memory);
    this.list?.clear();
    // A thread stopped inside a trampoline or a handler finishes it step by step: with the bytes
    // restored (and the breakpoints gone), it leaves for the program and does not come back.
    let allOut = true;
    for (const tid of state.threads) {
      if (!this.stepOut(tid, state.memory)) {
        allOut = false;
        state.log(`thread ${tid} did not leave a trampoline in ${MAX_STEPS_OUT} steps`);
      }
    }
    if (allOut && state.threads.length > 0) {
      try {
        this.handlers?.uninstall(state.threads[0], state);
      } catch (error) {
        state.log(`the handlers' code stays mapped in the process (${(error as Error).message})`);
      }
    }
    this.forget();
    return allOut;
  }

  private stepOut(tid: number, memory: TargetMemory): boolean {
    const n = native();
    const regs = new Registers();
    const status = new Int32Array(1);
    const range = this.handlers?.codeRange;
    for (let steps = 0; steps < MAX_STEPS_OUT; steps++) {
      if (n.getRegs(tid, regs.bytes) < 0) return true; // gone
      const rip = regs.getNumber('rip');
      const inHandler = range !== undefined && rip >= range[0] && rip < range[1];
      if (!inHandler && !this.patches!.inTrampoline(rip)) {
        // the kernel leaves the trap flag to the thread when the last steps ran the trampoline's
        // popfq (it cannot tell whose flag it is then): take it off, the program never had it
        if (steps > 0 && (regs.get('eflags') & TRAP_FLAG) !== 0n) {
          regs.set('eflags', regs.get('eflags') & ~TRAP_FLAG);
          n.setRegs(tid, regs.bytes);
        }
        return true;
      }
      const pushf = memory.read(rip, 1)[0] === 0x9c;
      if (n.ptrace(PTRACE.PTRACE_SINGLESTEP, tid, 0, 0) < 0) return false;
      if (n.waitFor(tid, status) < 0) return true;
      // a single-stepped pushfq pushes the trap flag; the trampoline's popfq would then keep
      // the thread trapping after every instruction once utap is gone: clear it in the copy
      if (pushf && n.getRegs(tid, regs.bytes) >= 0) {
        const rsp = regs.getNumber('rsp');
        memory.writeU64(rsp, memory.readU64(rsp) & ~TRAP_FLAG);
      }
    }
    return false;
  }

  forget(): void {
    this.handlers?.forget();
    this.patches?.forget();
    this.patches = undefined;
    this.list = undefined;
    this.done.clear();
    this.redirects.clear();
    this.returns.clear();
  }
}

function threadRips(threads: number[]): number[] {
  const n = native();
  const regs = new Registers();
  const rips: number[] = [];
  for (const tid of threads) if (n.getRegs(tid, regs.bytes) >= 0) rips.push(regs.getNumber('rip'));
  return rips;
}
