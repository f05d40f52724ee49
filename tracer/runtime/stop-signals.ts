// The signals that end a run through its end probes, as SystemTap's do: Ctrl-C (SIGINT), SIGTERM,
// and SIGHUP (the terminal went away). Every driver catches them the same way: from before the
// begin probes run, so one that comes while they run (or right after their output appears) is
// held and ends the run once the driver is set up, instead of killing utap (and with it the end
// probes' output).
//
// A driver in another thread (the ptrace worker, blocked in waitpid) learns of one through
// shared memory: stopSignalCode() and stopSignalOf() are that encoding.

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** A stop signal as a small number (0 means none), for a driver in another thread. */
export function stopSignalCode(signal: StopSignal): number {
  return STOP_SIGNALS.indexOf(signal) + 1;
}

/** The signal stopSignalCode() encoded, or undefined for 0 (no stop asked for). */
export function stopSignalOf(code: number): StopSignal | undefined {
  return code > 0 ? STOP_SIGNALS[code - 1] : undefined;
}

/** Catches the stop signals from its construction until close(); see the header. */
export class StopSignals {
  private held: StopSignal | undefined;
  private deliver: ((signal: StopSignal) => void) | undefined;
  private readonly listeners = STOP_SIGNALS.map((signal) => [signal, () => this.arrived(signal)] as const);

  constructor() {
    for (const [signal, listener] of this.listeners) process.on(signal, listener);
  }

  /** The first signal that came before forward(), if any. */
  get pending(): StopSignal | undefined {
    return this.held;
  }

  /** From now on each signal goes to `onSignal`; the one held so far, if any, goes at once. */
  forward(onSignal: (signal: StopSignal) => void): void {
    this.deliver = onSignal;
    const held = this.held;
    this.held = undefined;
    if (held) onSignal(held);
  }

  /** Stops catching: the signals' default actions apply again. Idempotent. */
  close(): void {
    this.deliver = undefined;
    for (const [signal, listener] of this.listeners) process.removeListener(signal, listener);
  }

  private arrived(signal: StopSignal): void {
    if (this.deliver) this.deliver(signal);
    else this.held ??= signal;
  }
}
