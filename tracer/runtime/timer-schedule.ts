// When each timer probe is due. Whoever drives a session owns the clock: the main-thread driver
// arms a setTimeout for delayNs(), the ptrace worker bounds its wait by it; both then call due()
// and fire Session.timer(i) for each index returned.
//
// A timer.s(N) first fires N seconds after the session starts (as in SystemTap), then every N
// seconds; a driver that fell behind fires it once and schedules the next period from now.

export class TimerSchedule {
  private readonly next: bigint[];

  /** `periodsNs[i]` is the period of timer i (PlanIR.timers order); `nowNs` a monotonic clock reading. */
  constructor(private readonly periodsNs: readonly bigint[], nowNs: bigint) {
    this.next = periodsNs.map((period) => nowNs + period);
  }

  get empty(): boolean {
    return this.periodsNs.length === 0;
  }

  /** Nanoseconds until the earliest timer is due (0 when overdue), or undefined when there are none. */
  delayNs(nowNs: bigint): bigint | undefined {
    let earliest: bigint | undefined;
    for (const at of this.next) if (earliest === undefined || at < earliest) earliest = at;
    if (earliest === undefined) return undefined;
    return earliest > nowNs ? earliest - nowNs : 0n;
  }

  /** Indices of the timers due at `nowNs`, in plan order; each is rescheduled one period on. */
  due(nowNs: bigint): number[] {
    const fired: number[] = [];
    for (let i = 0; i < this.next.length; i++) {
      if (this.next[i] > nowNs) continue;
      fired.push(i);
      const period = this.periodsNs[i];
      this.next[i] += period;
      if (this.next[i] <= nowNs) this.next[i] = nowNs + period;
    }
    return fired;
  }
}

/** A monotonic clock reading in ns. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

/** The part of a Session a timer driver needs (kept structural so this module imports nothing). */
export interface TimerTarget {
  readonly running: boolean;
  timer(index: number): void;
  flush(): void;
}

/**
 * For a driver whose thread blocks instead of running an event loop (the ptrace worker waiting
 * in waitpid): fires every timer due now, flushes output, and returns how long the driver may
 * block before the next one is due (undefined: no timers; block as long as you like).
 */
export function fireDueTimers(session: TimerTarget, schedule: TimerSchedule, nowNs: bigint = monotonicNs()): bigint | undefined {
  for (const index of schedule.due(nowNs)) {
    if (!session.running) break;
    session.timer(index);
  }
  session.flush();
  return schedule.delayNs(monotonicNs());
}
