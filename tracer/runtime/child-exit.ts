// What utap says and returns when the -c command ends, the same on every engine: SystemTap's
// `Warning: child process exited with status N` (or `with signal N`), and utap's exit status is
// then the command's own (as a shell gives it: N, or 128 + the signal's number), unless the
// script failed first (Session.finish(outcome) decides, so --json's exit record agrees).
import { constants } from 'node:os';

function signalNumber(signal: NodeJS.Signals | number): number {
  return typeof signal === 'number' ? signal : constants.signals[signal];
}

/** The warning line for a command's exit, or undefined when it exited with status 0. */
export function childExitWarning(code: number | null, signal: NodeJS.Signals | number | null): string | undefined {
  if (signal !== null && signal !== 0) return `Warning: child process exited with signal ${signalNumber(signal)}`;
  return code ? `Warning: child process exited with status ${code}` : undefined;
}

/** The command's exit status as a shell reports it: its code, or 128 + the signal that killed it. */
export function commandStatus(code: number | null, signal: NodeJS.Signals | number | null): number {
  if (signal !== null && signal !== 0) return 128 + signalNumber(signal);
  return code ?? 0;
}
