// Runs a script with no probes inside a process (only begin, end, error and timer probes) on the
// main thread, through the session driver (session-driver.ts): begin → timers → end, where the end
// comes from exit(), a runtime error, a stop signal, or the target exiting (-p: the process is
// watched; -c: the command is started after the begin probes, as SystemTap does, and waited for).
import { shellCommand } from './shell-command';
import type { Session } from './session';
import { driveSession } from './session-driver';
import { StopSignals } from './stop-signals';

export interface MainThreadOptions {
  /** -p: end when this process exits. */
  watchPid?: number;
  /** -c: the command to start (by /bin/sh) once the begin probes have run; end when it exits. */
  command?: string;
  /** Told the -c child's pid as soon as it exists (so target() can return it). */
  onChildStarted?(pid: number): void;
  /** Diagnostics for the user (child exit warnings), on stderr by default. */
  warn?(message: string): void;
  /** How often -p checks that its process still runs, where it cannot be watched by a pidfd (ms). */
  pollMs?: number;
}

/**
 * Runs `session` to its end; resolves with the exit status. Rejects only on a utap bug (an
 * exception that is not a script runtime error), after cleaning up its timers and listeners.
 */
export async function driveOnMainThread(session: Session, options: MainThreadOptions = {}): Promise<number> {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const signals = new StopSignals();
  try {
    session.begin();
    return await driveSession({
      session,
      signals,
      timers: session.plan.timers,
      warn,
      pollMs: options.pollMs,
      target: () => {
        if (options.command !== undefined) {
          // Loaded only for -c: node:child_process costs ~3 ms of startup.
          const { spawn } = require('node:child_process') as typeof import('node:child_process');
          const child = spawn('/bin/sh', ['-c', shellCommand(options.command)], { stdio: 'inherit' });
          if (child.pid !== undefined) options.onChildStarted?.(child.pid);
          return { child, command: options.command };
        }
        return options.watchPid === undefined ? undefined : { pid: options.watchPid };
      },
      end: (outcome) => {
        const status = session.finish(outcome.status);
        // After the end probes' output, as every engine does.
        if (outcome.warning && !session.failed) warn(outcome.warning);
        return status;
      },
    });
  } finally {
    signals.close();
  }
}
