// The one driver of a session on the main thread's event loop, for every engine that runs its
// session there (no engine at all, the uprobe engine; the ptrace engine's worker blocks in
// waitpid instead, and is told of signals by stopSignalCode()). Its contract:
//
//   before begin     the caller creates StopSignals (stop-signals.ts), runs the begin probes and
//                    whatever arms its probes, then calls driveSession()
//   while running    timer probes fire from one setTimeout chain over a TimerSchedule; a stop
//                    signal stops the session (reason 'SIGINT' | 'SIGTERM' | 'SIGHUP'); the
//                    target's exit stops it ('target-exited'): a command utap started is
//                    watched as a child (its status and SystemTap's warning become the outcome),
//                    any other process through a pidfd, or by polling /proc where pidfd_open is
//                    refused; the engine's own event sources (the ring buffer) run as driver
//                    callbacks; exit() or a runtime error in any handler ends it too
//   stopping         what the engine has queued (`pending`: ring-buffer records, which were hits
//                    before the stop) is applied first, then session.stop(reason)
//   end of run       every watch, timer and listener is gone; `end(outcome)` runs the end probes
//                    (session.finish) and whatever the engine tears down; its status resolves
//                    the run. A callback that throws (a utap bug) rejects it instead.
//
// A script with nothing that could end it but a signal keeps running until one comes, as
// `stap -e 'probe begin {...}'` does: an idle interval holds the event loop open.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { childExitWarning, commandStatus } from './child-exit';
import type { EndReason } from './session';
import type { StopSignal, StopSignals } from './stop-signals';
import { monotonicNs, TimerSchedule, type TimerSpec } from './timer-schedule';

/** What the driver needs of a Session. */
export interface DrivenSession {
  readonly running: boolean;
  timer(index: number): void;
  flush(): void;
  stop(reason: EndReason): void;
}

/** The process whose exit ends the run. */
export type TargetWatch =
  /** -p, or a process another part of utap started: watched by pid. */
  | { pid: number }
  /** A command utap started as a child: its exit status is the run's outcome. */
  | { child: ChildProcess; command: string };

/** What the end of the run learns of the target: a -c command's status and exit warning. */
export interface TargetOutcome {
  /** The command's status as a shell gives it (0 until it fails; 127 when it could not start). */
  status: number;
  /** SystemTap's `Warning: child process exited with ...`, printed after the end probes. */
  warning?: string;
}

/** Wraps an event callback so it runs as the driver's: a throw rejects the run, a stopped session ends it. */
export type DriverCallback = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => void;

export interface DriveSpec {
  session: DrivenSession;
  /** Created before the begin probes ran; the driver closes it at the end of the run. */
  signals: StopSignals;
  /** PlanIR.timers. */
  timers: readonly TimerSpec[];
  /** Called once the run is under way (no stop pending): the process whose exit ends it, if any. */
  target?(): TargetWatch | undefined;
  /** Applies what the engine has queued; runs before every stop and every timer. */
  pending?(): void;
  /** Starts the engine's own event sources; returns what stops them. `fail` rejects the run (until it ends). */
  sources?(callback: DriverCallback, fail: (error: unknown) => void): (() => void) | void;
  /** The end of the run (see the header); its status resolves driveSession's promise. */
  end(outcome: TargetOutcome): number | Promise<number>;
  /** Where a -c command that could not start is reported; stderr by default. */
  warn?(message: string): void;
  /** How often the /proc fallback checks that a watched process still runs (ms). */
  pollMs?: number;
}

/** Runs the session to its end; resolves with end()'s status (see the header). */
export function driveSession(spec: DriveSpec): Promise<number> {
  const { session } = spec;
  const warn = spec.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const schedule = new TimerSchedule(spec.timers, monotonicNs());
  const outcome: TargetOutcome = { status: 0 };

  return new Promise<number>((resolve, reject) => {
    let done = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    let unwatch: (() => void) | undefined;
    let stopSources: (() => void) | void;

    const cleanup = () => {
      done = true;
      spec.signals.close();
      if (timer) clearTimeout(timer);
      if (keepAlive) clearInterval(keepAlive);
      unwatch?.();
      stopSources?.();
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    // (Once the run is ending, end() owns what fails: a source's late failure is its business.)
    const fail = (error: unknown) => {
      if (done) return;
      cleanup();
      settle(() => reject(error));
    };
    const finish = () => {
      if (done) return;
      cleanup();
      let status: number | Promise<number>;
      try {
        status = spec.end(outcome);
      } catch (error) {
        settle(() => reject(error));
        return;
      }
      Promise.resolve(status).then(
        (s) => settle(() => resolve(s)),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    const callback: DriverCallback = (fn) => (...args) => {
      if (done) return;
      try {
        fn(...args);
        if (!session.running) finish();
      } catch (error) {
        fail(error);
      }
    };
    const stop = (reason: StopSignal | 'target-exited') => {
      spec.pending?.();
      session.stop(reason);
    };

    const arm = () => {
      if (done) return;
      const delay = schedule.delayNs(monotonicNs());
      if (delay === undefined) return;
      timer = setTimeout(tick, Math.max(0, Math.ceil(Number(delay) / 1e6)));
    };
    const tick = callback(() => {
      spec.pending?.();
      for (const index of schedule.due(monotonicNs())) {
        session.timer(index);
        if (!session.running) break;
      }
      session.flush();
      arm();
    });

    if (!session.running) return finish();
    spec.signals.forward(callback((signal: StopSignal) => stop(signal)));
    if (done) return; // a signal came while the begin probes ran
    session.flush();
    keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      stopSources = spec.sources?.(callback, fail);
      arm();
      const target = spec.target?.();
      if (target && 'child' in target) unwatch = watchChild(target, outcome, callback, () => stop('target-exited'), warn);
      else if (target) unwatch = watchProcessExit(target.pid, callback(() => stop('target-exited')), { pollMs: spec.pollMs });
    } catch (error) {
      fail(error);
      return;
    }
    if (done) unwatch?.();
    else if (!session.running) finish();
  });
}

/** Watches a command utap started: its exit (or failure to start) sets `outcome` and stops the run. */
function watchChild(target: { child: ChildProcess; command: string }, outcome: TargetOutcome, callback: DriverCallback, stop: () => void, warn: (m: string) => void): () => void {
  const { child, command } = target;
  const onError = callback((error: Error) => {
    warn(`utap: could not start '${command}': ${error.message}`);
    outcome.status = 127;
    stop();
  });
  const onExit = callback((code: number | null, signal: NodeJS.Signals | null) => {
    outcome.status = commandStatus(code, signal);
    outcome.warning = childExitWarning(code, signal);
    stop();
  });
  child.on('error', onError);
  child.on('exit', onExit);
  // Exited before the watch began (it ran very briefly): the 'exit' event was missed.
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  return () => {
    child.removeListener('error', onError);
    child.removeListener('exit', onExit);
  };
}

/**
 * Calls `onExit` once when process `pid` exits: through a pidfd, or by polling /proc every
 * `pollMs` where pidfd_open is refused (or `pidfd: false`). A process already gone calls it at
 * once. Returns what stops watching.
 */
export function watchProcessExit(pid: number, onExit: () => void, options: { pollMs?: number; pidfd?: boolean } = {}): () => void {
  if (options.pidfd !== false) {
    // Loaded only when a process is watched: koffi costs 2-8 ms of start-up, which a script of
    // begin and timer probes alone does not pay.
    const { watchPidfd } = require('../../kernel-helper/pidfd') as typeof import('../../kernel-helper/pidfd');
    const watch = watchPidfd(pid, onExit);
    if (watch === 'gone') {
      onExit();
      return () => undefined;
    }
    if (watch) return watch;
  }
  if (!processAlive(pid)) {
    onExit();
    return () => undefined;
  }
  const poll = setInterval(() => {
    if (processAlive(pid)) return;
    clearInterval(poll);
    onExit();
  }, options.pollMs ?? 100);
  return () => clearInterval(poll);
}

/** True while `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
