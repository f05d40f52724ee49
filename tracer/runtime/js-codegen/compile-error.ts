// The one error of the JavaScript generator.
import type { SourceLoc } from '../../ir/ir';

/** A construct the runtime cannot execute (a front-end-only node left in a plan): a utap bug. */
export class CompileError extends Error {
  constructor(message: string, readonly loc?: SourceLoc) {
    super(loc ? `${message} at ${loc.file}:${loc.line}:${loc.column}` : message);
    this.name = 'CompileError';
  }
}
