// What utap says when the -c command ends badly, the same on every engine: SystemTap's
// `Warning: child process exited with status N` (or `with signal N`), after which utap exits 1.
import { constants } from 'node:os';

/** The warning line for a command's exit, or undefined when it exited with status 0. */
export function childExitWarning(code: number | null, signal: NodeJS.Signals | number | null): string | undefined {
  if (signal !== null && signal !== 0) {
    const number = typeof signal === 'number' ? signal : constants.signals[signal];
    return `Warning: child process exited with signal ${number}`;
  }
  return code ? `Warning: child process exited with status ${code}` : undefined;
}
