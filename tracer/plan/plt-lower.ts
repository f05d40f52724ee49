// Target expressions of a PLT probe (`process(...).plt("NAME")`): only `$$name`, the name of the
// function the stub jumps to, as a string. A stub has no debug information and no frame of its
// own, so anything else is refused in one located sentence.
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { Expr, HandlerIR, LValue, ProgramIR, SourceLoc, TargetRef } from '../ir/ir';
import type { PltEntry } from '../../symbolizer/plt';
import { sourceExcerpt } from '../source-excerpt';
import { mapTargetsInStmt, type TargetRewriter } from './map-targets';
import type { LoweredHandler } from './lower-target';

class PltLowering implements TargetRewriter {
  constructor(readonly program: ProgramIR, readonly entry: PltEntry, readonly canonical: string) {}

  private located(loc: SourceLoc, message: string): UtapError {
    return new UtapError(`${loc.file}:${loc.line}:${loc.column}: error: ${message}\n${sourceExcerpt(loc, this.program.sources)}`.replace(/\n$/, ''), EXIT_SCRIPT_ERROR, true);
  }

  expr(node: Extract<Expr, { op: 'target' }>): Expr {
    const { ref, loc } = node;
    if (ref.name === '$name' && !ref.path.length && !ref.pretty && !ref.addressOf) return { op: 'string', type: 'string', value: this.entry.target, loc };
    throw this.located(loc, `$${ref.name}${ref.pretty ?? ''} is not known in the PLT probe ${this.canonical}; a PLT entry has only $$name (read arguments with register("rdi") and the like).`);
  }

  lvalue(ref: TargetRef, loc: SourceLoc): LValue {
    throw this.located(loc, `$${ref.name} cannot be assigned in the PLT probe ${this.canonical}.`);
  }
}

/** Lowers every target expression of `handler` for one PLT stub. */
export function lowerPltTargets(program: ProgramIR, handler: HandlerIR, entry: PltEntry, canonical: string): LoweredHandler {
  const body = mapTargetsInStmt(handler.body, new PltLowering(program, entry, canonical));
  return { handler: { ...handler, body }, entryCaptures: [] };
}
