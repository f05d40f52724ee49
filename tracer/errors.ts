// The two kinds of failure a user can meet, with DESIGN.md's exit statuses. Anything thrown that
// is not one of these is a bug in utap and is reported as such (still without a stack trace,
// unless UTAP_DEBUG is set).
//
// A leaf: the front end, the planner, the engines (the ptrace worker included) and the CLI all
// throw these, and it imports nothing, so none of them depends on another to report a failure.

/** Exit status 1: the script is wrong (parse, semantic or runtime error). */
export const EXIT_SCRIPT_ERROR = 1;
/** Exit status 2: the environment refuses (no such process, permission, no debug info, engine unsupported). */
export const EXIT_ENVIRONMENT = 2;

/**
 * An error meant for the user: `message` is one or more complete sentences saying what is wrong
 * and what to do. Printed as `utap: <message>` (or verbatim when it is already a formatted
 * diagnostic), then utap exits with `status`.
 */
export class UtapError extends Error {
  constructor(message: string, readonly status: number = EXIT_ENVIRONMENT, readonly preformatted = false) {
    super(message);
    this.name = 'UtapError';
  }
}

/** Wraps a lower-level error with what utap was doing, keeping it as the cause. */
export function environmentError(message: string, cause?: unknown): UtapError {
  const error = new UtapError(message, EXIT_ENVIRONMENT);
  if (cause !== undefined) (error as { cause?: unknown }).cause = cause;
  return error;
}
