// The state of emitting one function or handler body, and the small emitters every part of the
// generator uses (temporaries, locations, the MAXACTION check, keys). The parts themselves are
// functions over a BodyEmitter, one module each: expressions.ts, assignments.ts, strings.ts
// (string builtins and formatted output), statistics.ts (aggregates, histograms, `<<<`),
// arrays.ts (foreach, delete, slices), statements.ts. Expressions and statements nest in each
// other, so the parts reach them through expr() and stmt() here rather than importing one another.
import type { Expr, SourceLoc, Stmt } from '../../ir/ir';
import { emitExpr } from './expressions';
import type { ModuleEmitter } from './module-emitter';
import { emitStatement } from './statements';

export class BodyEmitter {
  /** Temporaries in use; a statement's are free again after it (stmt), so sibling statements share them. */
  private temps = 0;
  /** The most in use at once: what the body declares (one per statement made a handler of 150k statements overflow V8's stack). */
  private maxTemps = 0;
  /** The body's lines so far. */
  readonly out: string[] = [];

  constructor(readonly module: ModuleEmitter, readonly inFunction: boolean) {}

  temp(): string {
    const t = `t${this.temps++}`;
    this.maxTemps = Math.max(this.maxTemps, this.temps);
    return t;
  }

  tempDeclarations(): string {
    if (this.maxTemps === 0) return '';
    return `let ${Array.from({ length: this.maxTemps }, (_, i) => `t${i}`).join(', ')};`;
  }

  loc(loc: SourceLoc): string {
    return this.module.loc(loc);
  }

  /** One action of the MAXACTION budget. */
  check(loc: SourceLoc): string {
    return `if (++steps > limit) act(${this.loc(loc)});`;
  }

  keys(keys: readonly Expr[]): string {
    return `[${keys.map((k) => this.expr(k)).join(', ')}]`;
  }

  store(global: number): string {
    return `g${global}`;
  }

  statsRead(global: number, keys: readonly Expr[] | undefined): string {
    return keys && keys.length > 0 ? `g${global}.read(${this.keys(keys)})` : `g${global}.read()`;
  }

  /** A slice's key pattern: each part's value, `undefined` for `*` (any value). */
  slicePattern(keys: readonly (Expr | null)[]): string {
    return `[${keys.map((k) => (k ? this.expr(k) : 'undefined')).join(', ')}]`;
  }

  /** `next` or abort(): a handler returns, a function throws (the handler's run catches it). */
  leave(): string {
    return this.inFunction ? 'throw NEXT;' : 'return;';
  }

  expr(e: Expr): string {
    return emitExpr(this, e);
  }

  /** A statement's temporaries hold values only while it runs (foreach's across its body, nested above them). */
  stmt(s: Stmt): void {
    const mark = this.temps;
    emitStatement(this, s);
    this.temps = mark;
  }

  body(): string {
    return this.out.join('\n');
  }
}
