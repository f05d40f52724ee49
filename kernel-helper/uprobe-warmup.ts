// The first uprobe utap places waits 5-40 ms in the kernel, whatever the probe: registering a
// uprobe takes a lock (dup_mmap_sem) whose writer waits for an RCU grace period unless another
// writer went through less than about a grace period before. That wait was most of the time from
// utap's start to its probes being armed, and it does not depend on the probes. So utap registers
// a throwaway uprobe on the thread pool as soon as it expects to place uprobes: the wait passes
// while the rest of utap loads and plans the script, and the real uprobes then go straight in
// (measured here: 12-40 ms to place a first uprobe, 18 ms typically; 0.1 ms after a throwaway one).
//
// The throwaway uprobe patches nothing anywhere: it is restricted to utap's own process and sits
// at offset 0 of this JavaScript file, which no process maps executable. Closing it waits for
// grace periods too, under a lock that placing a uprobe takes (event_mutex), so it is closed on
// the thread pool once the real uprobes are in (releaseUprobeWarmUp), or by the kernel at exit.
//
// tracer/cli/launch-warm-up.ts may start it before the CLI bundle, which holds its own copy of
// this module, is loaded: the state lives on `process`, where both copies find it.
import { processShared } from './process-shared';
import { sysOnThreadPool } from './libc';
import { uprobeAttr, uprobePmu } from './uprobe-pmu';
import * as U from './uapi';

interface WarmUpState {
  /** The throwaway uprobe's perf event fd, -1 if the kernel refused it. */
  opening?: Promise<number>;
  /** The attr and the path it points to, referenced until the kernel has read them. */
  inFlight: Buffer[];
}

function state(): WarmUpState {
  return processShared<WarmUpState>('uprobeWarmUp', () => ({ inFlight: [] }));
}

/** Starts the throwaway registration; a no-op when one is under way or there is no uprobe PMU. */
export function warmUpUprobeRegistration(): void {
  const s = state();
  if (s.opening) return;
  const pmu = uprobePmu();
  if (!pmu) return;
  const { attr, path } = uprobeAttr(pmu, __filename, 0n, false);
  s.inFlight = [attr, path];
  s.opening = sysOnThreadPool
    .syscallPerfEventOpen(U.__NR_perf_event_open, attr, process.pid, -1, -1, U.PERF_FLAG_FD_CLOEXEC)
    .catch(() => -1)
    .finally(() => (s.inFlight = []));
}

/** Closes the throwaway uprobe (on the thread pool): call it once the real uprobes are placed. */
export function releaseUprobeWarmUp(): void {
  const s = state();
  const pending = s.opening;
  if (!pending) return;
  s.opening = undefined;
  void pending.then((fd) => (fd >= 0 ? sysOnThreadPool.close(fd).catch(() => -1) : -1));
}
