// What the generated module shares (source locations, sort specs, the globals' declarations, the
// string limit), and the emission of each of its functions: script functions, handlers and
// entry-capture lists.
import type { Expr, FunctionIR, GlobalDecl, HandlerIR, HistSpec, ProgramIR, SourceLoc } from '../../ir/ir';
import { maxContentLength } from '../script-string';
import { histIndex } from '../statistics';
import { BodyEmitter } from './body-emitter';
import { CompileError } from './compile-error';
import { zeroOf } from './values';

export class ModuleEmitter {
  readonly locs: SourceLoc[] = [];
  private readonly locIndex = new Map<SourceLoc, number>();
  readonly sorts: unknown[] = [];
  private currentLocals: readonly { type: string }[] = [];
  readonly maxContent: number;

  constructor(readonly program: ProgramIR) {
    this.maxContent = maxContentLength(program.limits.maxStringLen);
  }

  loc(loc: SourceLoc): string {
    let index = this.locIndex.get(loc);
    if (index === undefined) {
      index = this.locs.length;
      this.locs.push(loc);
      this.locIndex.set(loc, index);
    }
    return `locs[${index}]`;
  }

  sortSpec(sort: unknown): string {
    this.sorts.push(sort);
    return `sorts[${this.sorts.length - 1}]`;
  }

  cut(text: string): string {
    return text.length > this.maxContent ? text.slice(0, this.maxContent) : text;
  }

  global(index: number): GlobalDecl {
    const decl = this.program.globals.find((g) => g.index === index);
    if (!decl) throw new CompileError(`no global number ${index}`);
    return decl;
  }

  histSpecIndex(global: number, spec: HistSpec, loc: SourceLoc): number {
    const decl = this.global(global);
    const use = decl.kind === 'stats' ? decl.stats : decl.kind === 'array' ? decl.stats : undefined;
    const index = histIndex(use, spec);
    if (index < 0) throw new CompileError(`histogram of '${decl.name}' missing from its StatsUse (the planner completes it)`, loc);
    return index;
  }

  withLocals(locals: readonly { type: string }[]): void {
    this.currentLocals = locals;
  }

  localType(slot: number): string {
    return this.currentLocals[slot]?.type ?? 'long';
  }

  function(fn: FunctionIR): string {
    this.withLocals(fn.locals);
    const body = new BodyEmitter(this, true);
    body.stmt(fn.body);
    const params = fn.params.map((_, i) => `v${i}`).join(', ');
    const locals = fn.locals.slice(fn.params.length).map((l, i) => `v${i + fn.params.length} = ${zeroOf(l.type)}`);
    return [
      `function f${fn.index}(${params}) {`,
      `if (++depth > MAXNEST) nesting(${this.loc(fn.loc)});`,
      locals.length ? `let ${locals.join(', ')};` : '',
      body.tempDeclarations(),
      body.body(),
      `return ${fn.returnType === 'string' ? '""' : '0'};`,
      '}',
    ].join('\n');
  }

  handler(name: string, handler: HandlerIR): string {
    this.withLocals(handler.locals);
    const body = new BodyEmitter(this, false);
    body.stmt(handler.body);
    const locals = handler.locals.map((l, i) => `v${i} = ${zeroOf(l.type)}`);
    return [`function ${name}() {`, locals.length ? `let ${locals.join(', ')};` : '', body.tempDeclarations(), body.body(), '}'].join('\n');
  }

  capture(name: string, exprs: readonly Expr[]): string {
    this.withLocals([]);
    const body = new BodyEmitter(this, false);
    const values = exprs.map((e) => body.expr(e));
    return [`function ${name}() {`, body.tempDeclarations(), `return [${values.join(', ')}];`, '}'].join('\n');
  }
}
