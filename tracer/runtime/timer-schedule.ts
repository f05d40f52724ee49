// When each timer probe is due. Whoever drives a session owns the clock: the main-thread driver
// arms a setTimeout for delayNs(), the ptrace worker bounds its wait by it; both then call due()
// and fire Session.timer(i) for each index returned.
//
// A timer.s(N) first fires N seconds after the session starts (as in SystemTap), then every N
// seconds; a driver that fell behind fires it once and schedules the next period from now.
// A `.randomize(M)` timer draws each interval anew from N - M .. N + M (at least 1 ns).

/** A timer's period and, for `.randomize(M)`, its M (both in ns); a bare bigint is a fixed period. */
export type TimerSpec = bigint | { periodNs: bigint; randomizeNs?: bigint };

export class TimerSchedule {
  private readonly next: bigint[];
  private readonly periodsNs: readonly bigint[];
  private readonly jitterNs: readonly bigint[];

  /** `timers[i]` is timer i (PlanIR.timers order); `nowNs` a monotonic clock reading; `random` in [0, 1). */
  constructor(timers: readonly TimerSpec[], nowNs: bigint, private readonly random: () => number = Math.random) {
    this.periodsNs = timers.map((t) => (typeof t === 'bigint' ? t : t.periodNs));
    this.jitterNs = timers.map((t) => (typeof t === 'bigint' ? 0n : t.randomizeNs ?? 0n));
    this.next = this.periodsNs.map((_, i) => nowNs + this.interval(i));
  }

  /** Timer i's next interval: its period, moved by up to ± its randomization. */
  private interval(i: number): bigint {
    const jitter = this.jitterNs[i];
    if (jitter === 0n) return this.periodsNs[i];
    const offset = BigInt(Math.floor(this.random() * Number(2n * jitter + 1n))) - jitter;
    const interval = this.periodsNs[i] + offset;
    return interval > 0n ? interval : 1n;
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
      const period = this.interval(i);
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
