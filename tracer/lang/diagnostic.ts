// How a script error reads: `file:line:col: error: message`, then the offending line and a caret
// under the column — the same excerpt runtime errors show. Thrown as a UtapError with status 1,
// so the CLI prints it verbatim and never a stack trace.
//
// Errors are collected, as SystemTap does: a pass reports an error and carries on with the next
// independent piece (the parser with the next top-level declaration, the checker with the next
// probe or function body), and the front end raises them all at once at the end of the pass,
// each with its excerpt, then one summary line when there is more than one.
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { SourceLoc } from '../ir/ir';
import { sourceExcerpt, visibleText } from '../source-excerpt';

/** One located error. */
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

/** Several located errors, printed one after another with a count at the end. */
export class ScriptErrors extends UtapError {
  constructor(readonly errors: readonly ScriptError[]) {
    super(`${errors.map((e) => e.message).join('\n')}\n${errors.length} errors; the script was not run.`, EXIT_SCRIPT_ERROR, true);
    this.name = 'ScriptErrors';
  }
}

/** Raises and collects script errors against the text of every file read so far. */
export class Diagnostics {
  readonly sources: Record<string, string> = {};
  private readonly errors: ScriptError[] = [];
  private readonly seen = new Set<string>();

  addSource(file: string, text: string): void {
    this.sources[file] = text;
  }

  /** Stops the current piece of work with this error (collect() records it). */
  error(loc: SourceLoc, reason: string): never {
    throw new ScriptError(loc, reason, this.sources);
  }

  /** Records an error and lets the caller carry on. */
  report(loc: SourceLoc, reason: string): void {
    this.record(new ScriptError(loc, reason, this.sources));
  }

  /** Runs one independent piece of work; an error it raises is recorded. Returns false when it failed. */
  collect(work: () => void): boolean {
    try {
      work();
      return true;
    } catch (error) {
      if (!(error instanceof ScriptError)) throw error;
      this.record(error);
      return false;
    }
  }

  get count(): number {
    return this.errors.length;
  }

  /** Raises what was collected, if anything: one error as it is, several with a summary line. */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    if (this.errors.length === 1) throw this.errors[0];
    // in source order: files as they were read, then line and column
    const files = Object.keys(this.sources);
    const order = (e: ScriptError) => [files.indexOf(e.loc.file), e.loc.line, e.loc.column];
    const sorted = [...this.errors].sort((a, b) => {
      const x = order(a), y = order(b);
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
    throw new ScriptErrors(sorted);
  }

  private record(error: ScriptError): void {
    const key = `${error.loc.file}:${error.loc.line}:${error.loc.column}:${error.reason}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.errors.push(error);
  }
}
