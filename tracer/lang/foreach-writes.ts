// SystemTap's rule that a foreach locks its array: the loop body may read the array but not
// change it — no element assignment, `++`/`--`, `<<<`, `delete` — directly or through a script
// function it calls (at any depth). The checker (types.ts) asks this module where the first
// such write is.
import type { SourceLoc } from '../ir/ir';
import type { AstExpr, AstStmt } from './ast';
import { visitAst } from './ast-walk';
import type { FunctionSym } from './symbols';

export interface ArrayWrite {
  loc: SourceLoc;
  /** `via` names the function whose call writes the array, if it is not written directly. */
  via?: string;
}

/** The arrays a target expression writes (`a[k] = ...` writes `a`, `x = ...` writes `x`). */
function written(target: AstExpr): string | undefined {
  return target.kind === 'index' || target.kind === 'slice' || target.kind === 'name' ? target.name : undefined;
}

export class ForeachWrites {
  private readonly byFunction = new Map<string, Set<string>>();

  constructor(private readonly functions: ReadonlyMap<string, FunctionSym>) {}

  /** Every global name function `name` may write, through the calls it makes too. */
  private writesOf(name: string, active = new Set<string>()): Set<string> {
    const known = this.byFunction.get(name);
    if (known) return known;
    const fn = this.functions.get(name);
    const out = new Set<string>();
    if (!fn || active.has(name)) return out;
    active.add(name);
    this.scan(fn.ast.body, (array) => out.add(array), (callee) => this.writesOf(callee, active).forEach((a) => out.add(a)));
    active.delete(name);
    this.byFunction.set(name, out);
    return out;
  }

  private scan(body: AstStmt, onWrite: (array: string, loc: SourceLoc) => void, onCall: (fn: string, loc: SourceLoc) => void): void {
    visitAst(
      body,
      (e) => {
        if (e.kind === 'assign' || e.kind === 'incdec' || e.kind === 'statsAdd') {
          const array = written(e.target);
          if (array) onWrite(array, e.loc);
        } else if (e.kind === 'call' && this.functions.has(e.name)) onCall(e.name, e.loc);
      },
      (s) => {
        if (s.kind === 'delete') {
          const array = written(s.target);
          if (array) onWrite(array, s.loc);
        }
      },
    );
  }

  /** The first write to `array` in a foreach body over it, if any. */
  firstWrite(array: string, body: AstStmt): ArrayWrite | undefined {
    let found: ArrayWrite | undefined;
    this.scan(
      body,
      (a, loc) => {
        if (!found && a === array) found = { loc };
      },
      (fn, loc) => {
        if (!found && this.writesOf(fn).has(array)) found = { loc, via: fn };
      },
    );
    return found;
  }
}
