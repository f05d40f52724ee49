// Drives a session on the main thread, for scripts with no probes inside a process (only begin,
// end, error and timer probes): begin → timers → end, where the end comes from exit(), a runtime
// error, SIGINT (Ctrl-C) or SIGTERM, or the traced process exiting (-p: the process is watched;
// -c: the command is started after the begin probes, as SystemTap does, and waited for).
//
// Timers are fired from one setTimeout chain over a TimerSchedule. A script with nothing that
// could end it but a signal keeps running until one comes, as `stap -e 'probe begin {...}'` does.
import { childExitWarning, commandStatus } from './child-exit';
import { shellCommand } from './shell-command';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Session } from './session';
import { monotonicNs, TimerSchedule } from './timer-schedule';

export interface MainThreadOptions {
  /** -p: end when this process exits. */
  watchPid?: number;
  /** -c: the command to start (by /bin/sh) once the begin probes have run; end when it exits. */
  command?: string;
  /** Told the -c child's pid as soon as it exists (so target() can return it). */
  onChildStarted?(pid: number): void;
  /** Diagnostics for the user (child exit warnings), on stderr by default. */
  warn?(message: string): void;
  /** How often -p checks that its process still runs (ms). */
  pollMs?: number;
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

/**
 * Runs `session` to its end; resolves with the exit status. Rejects only on a utap bug (an
 * exception that is not a script runtime error), after cleaning up its timers and listeners.
 */
export function driveOnMainThread(session: Session, options: MainThreadOptions = {}): Promise<number> {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  // A Ctrl-C that comes while the begin probes run (or right after their output appears) must
  // end the run through the end probes, not kill utap: hold it until the handlers below exist.
  let early: 'SIGINT' | 'SIGTERM' | undefined;
  const earlyInt = () => (early ??= 'SIGINT');
  const earlyTerm = () => (early ??= 'SIGTERM');
  process.on('SIGINT', earlyInt);
  process.on('SIGTERM', earlyTerm);
  session.begin();
  const schedule = new TimerSchedule(session.plan.timers, monotonicNs());
  /** The -c command's exit status (0 until it fails). */
  let childStatus = 0;
  let childWarning: string | undefined;

  return new Promise<number>((resolveStatus, reject) => {
    let settled = false;
    const resolve = (status: number) => {
      settled = true;
      resolveStatus(status);
    };
    // Every callback below runs through `guard`, so a bug surfaces as a rejection, not a crash.
    const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        cleanup();
        if (!settled) {
          settled = true;
          reject(error);
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    let child: ChildProcess | undefined;
    let done = false;

    const cleanup = () => {
      done = true;
      process.removeListener('SIGINT', earlyInt);
      process.removeListener('SIGTERM', earlyTerm);
      if (timer) clearTimeout(timer);
      if (keepAlive) clearInterval(keepAlive);
      if (poll) clearInterval(poll);
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      child?.removeAllListeners('exit');
    };
    const finish = () => {
      if (done) return;
      cleanup();
      const status = session.finish(childStatus);
      // After the end probes' output, as every engine does.
      if (childWarning && !session.failed) warn(childWarning);
      resolve(status);
    };
    const check = () => {
      if (!session.running) finish();
    };
    const onInt = guard(() => {
      session.stop('SIGINT');
      finish();
    });
    const onTerm = guard(() => {
      session.stop('SIGTERM');
      finish();
    });

    const arm = () => {
      if (done) return;
      const delay = schedule.delayNs(monotonicNs());
      if (delay === undefined) return;
      timer = setTimeout(tick, Math.max(0, Math.ceil(Number(delay) / 1e6)));
    };
    const tick = guard(() => {
      for (const index of schedule.due(monotonicNs())) {
        session.timer(index);
        if (!session.running) break;
      }
      session.flush();
      check();
      arm();
    });

    if (!session.running) {
      finish();
      return;
    }
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.removeListener('SIGINT', earlyInt);
    process.removeListener('SIGTERM', earlyTerm);
    if (early) {
      (early === 'SIGINT' ? onInt : onTerm)();
      return;
    }
    session.flush();
    // Something must hold the event loop open while the script waits for a signal.
    keepAlive = setInterval(() => undefined, 1 << 30);

    if (options.watchPid !== undefined) {
      const pid = options.watchPid;
      poll = setInterval(
        guard(() => {
          if (!processAlive(pid)) {
            session.stop('target-exited');
            finish();
          }
        }),
        options.pollMs ?? 100,
      );
    }
    if (options.command !== undefined) {
      // Loaded only for -c: node:child_process costs ~3 ms of startup.
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      child = spawn('/bin/sh', ['-c', shellCommand(options.command)], { stdio: 'inherit' });
      if (child.pid !== undefined) options.onChildStarted?.(child.pid);
      child.on(
        'error',
        guard((error: Error) => {
          warn(`utap: could not start '${options.command}': ${error.message}`);
          childStatus = 127;
          session.stop('target-exited');
          finish();
        }),
      );
      child.on('exit', guard((code: number | null, signal: NodeJS.Signals | null) => {
        childWarning = childExitWarning(code, signal);
        childStatus = commandStatus(code, signal);
        session.stop('target-exited');
        finish();
      }));
    }
    arm();
  });
}
