// Following a fork child on the ptrace engine. The kernel attaches it to utap (TRACEFORK and
// friends) stopped, with a copy of its parent's memory: the int3s, the out-of-line copies, the
// healer's table and SIGTRAP action, the redirected return addresses of the forking thread's
// frames are all in it already. So the child is traced with the same probes by copying what
// utap knows of the parent, not by placing anything again; it keeps running under the same
// rules (its breakpoints hit, its own forks followed, its exec re-resolves the sites).
import type { TracedProcess } from './traced-process';

/** A frame of a thread's return-address shadow stack (ptrace-tracer.ts ReturnFrame). */
export interface ShadowFrame {
  stackSlot: number;
  returnAddress: bigint;
}

/**
 * Makes `child` (a fresh TracedProcess of the child's pid) the copy of `parent` it is in
 * memory: the same breakpoints, sites, semaphores, code areas and healer, the healer's thread
 * slot of `parentTid` now the child's `childTid`.
 */
export function inheritForkedProcess(parent: TracedProcess, child: TracedProcess, parentTid: number, childTid: number): void {
  for (const [address, bp] of parent.breakpoints) child.breakpoints.set(address, { ...bp, entrySites: [...bp.entrySites], returnSites: [...bp.returnSites] });
  for (const id of parent.placedSiteIds) child.placedSiteIds.add(id);
  child.semaphores.inheritFrom(parent.semaphores);
  child.areas.inheritFork(parent.areas);
  child.healer.inheritFork(parent.healer, parentTid, childTid);
}

/** The forking thread's shadow frames, as the child's one thread holds them (same stack, copied). */
export function inheritShadow<F extends ShadowFrame>(frames: readonly F[]): F[] {
  return frames.map((f) => ({ ...f }));
}
