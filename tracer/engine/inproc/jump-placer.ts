// The in-process engine's placement of a site, asked by the ptrace tracer before it places a
// breakpoint: a jump patch to a trampoline calling the site's native handler when the site, its
// handler and the moment allow it; otherwise the reason, and the tracer places a breakpoint as
// the ptrace engine does (its handler then runs in utap).
import type { PlacedSite } from '../ptrace/site-placement';
import type { PlacementState, SitePlacer } from '../ptrace/ptrace-tracer';
import type { TargetMemory } from '../ptrace/target-memory';
import { Registers } from '../ptrace/registers';
import { native, PTRACE } from '../ptrace/native';
import { JumpPatches } from './jump-patches';
import { PatchList } from './patch-list';

/** Where the native handlers come from (the JIT of the sites' eBPF programs). */
export interface NativeHandlers {
  /** The address in the target of the function the trampoline of `placed` calls, or why there is none. */
  handlerFor(placed: PlacedSite, tid: number, state: PlacementState): bigint | string;
}

/** Single steps allowed to bring one thread out of a trampoline at detach (a handler is short). */
const MAX_STEPS_OUT = 100_000;

export class JumpPlacer implements SitePlacer {
  private patches: JumpPatches | undefined;
  private list: PatchList | undefined;

  constructor(private readonly handlers: NativeHandlers | undefined, private readonly unavailable = 'the native handler compiler is not in this build') {}

  place(placed: PlacedSite, tid: number, state: PlacementState): string | undefined {
    if (placed.site.kind === 'return') return 'a .return probe: returns are caught by redirecting the return address to a breakpoint (no return trampoline yet)';
    if (!this.handlers) return this.unavailable;
    if (!state.allStopped) return 'other threads were running when its code was mapped (a jump is written only with every thread stopped)';
    const handler = this.handlers.handlerFor(placed, tid, state);
    if (typeof handler === 'string') return `its handler cannot run in the process: ${handler}`;
    if (!this.patches) {
      this.patches = new JumpPatches(state.memory, state.areas);
      state.areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, 0); // the healer lives in the first area
      state.healer.install(tid); // its guardian restores the jumps should utap die
      const list = PatchList.create(state.memory, state.healer, tid, state.areas.injectionBlock);
      if (!list) state.log('no guardian list for the jumps: should utap be killed, they stay in (and keep working)');
      this.patches.onPatched = (patch) => list?.add(patch);
      this.list = list;
    }
    const why = this.patches.place(placed, handler, tid, threadRips(state.threads), new Set([...state.siteAddresses].filter((a) => a !== placed.address)));
    if (why === undefined) state.log(`${placed.site.kind} probe ${placed.site.pp} at 0x${placed.address.toString(16)}: jump to a trampoline (handler runs in the process)`);
    return why;
  }

  restoreIn(memory: TargetMemory): void {
    this.patches?.restore(memory);
  }

  detach(state: PlacementState): boolean {
    if (!this.patches) return true;
    this.patches.restore(state.memory);
    this.list?.clear();
    // A thread stopped inside a trampoline or its handler finishes it step by step: with the
    // bytes restored, it leaves for the program and does not come back.
    let allOut = true;
    for (const tid of state.threads) {
      if (!this.stepOut(tid)) {
        allOut = false;
        state.log(`thread ${tid} did not leave a trampoline in ${MAX_STEPS_OUT} steps`);
      }
    }
    this.forget();
    return allOut;
  }

  private stepOut(tid: number): boolean {
    const n = native();
    const regs = new Registers();
    const status = new Int32Array(1);
    for (let steps = 0; steps < MAX_STEPS_OUT; steps++) {
      if (n.getRegs(tid, regs.bytes) < 0) return true; // gone
      if (!this.patches!.inTrampoline(regs.getNumber('rip')) && !this.inHandlerCall(tid, regs)) return true;
      if (n.ptrace(PTRACE.PTRACE_SINGLESTEP, tid, 0, 0) < 0) return false;
      if (n.waitFor(tid, status) < 0) return true;
    }
    return false;
  }

  /** Inside the handler a trampoline called: its return address (at rsp, or deeper) is in a trampoline. */
  private inHandlerCall(tid: number, regs: Registers): boolean {
    void tid;
    return this.handlerRanges.some(([start, end]) => regs.getNumber('rip') >= start && regs.getNumber('rip') < end);
  }

  /** Address ranges of the native handlers' code (given by the handler source). */
  handlerRanges: Array<[number, number]> = [];

  forget(): void {
    this.patches?.forget();
    this.patches = undefined;
    this.list = undefined;
  }
}

function threadRips(threads: number[]): number[] {
  const n = native();
  const regs = new Registers();
  const rips: number[] = [];
  for (const tid of threads) if (n.getRegs(tid, regs.bytes) >= 0) rips.push(regs.getNumber('rip'));
  return rips;
}
