// How a script error reads: `file:line:col: error: message`, then the offending line and a caret
// under the column — the same excerpt runtime errors show. Thrown as a UtapError with status 1,
// so the CLI prints it verbatim and never a stack trace.
import { EXIT_SCRIPT_ERROR, UtapError } from '../cli/errors';
import type { SourceLoc } from '../ir/ir';
import { sourceExcerpt, visibleText } from '../runtime/error-report';

export class ScriptError extends UtapError {
  constructor(
    readonly loc: SourceLoc,
    readonly reason: string,
    sources: Readonly<Record<string, string>>,
  ) {
    super(`${visibleText(`${loc.file}:${loc.line}:${loc.column}: error: ${reason}`)}\n${sourceExcerpt(loc, sources)}`.replace(/\n$/, ''), EXIT_SCRIPT_ERROR, true);
    this.name = 'ScriptError';
  }
}

/** Raises script errors against the text of every file read so far. */
export class Diagnostics {
  readonly sources: Record<string, string> = {};

  addSource(file: string, text: string): void {
    this.sources[file] = text;
  }

  error(loc: SourceLoc, reason: string): never {
    throw new ScriptError(loc, reason, this.sources);
  }
}
