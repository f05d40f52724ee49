// Compiles a plan's handlers and script functions into JavaScript once, at session start, so a
// probe hit runs straight-line JS instead of walking the IR: locals become JS variables, script
// functions JS functions, `break`/`continue`/`return` the JS statements, and every operation on
// longs a call of a tiny function from long.ts that V8 inlines. The whole program is one
// generated module (`new Function`), whose shared closure variables hold the running hit's
// context, the MAXACTION budget and the call depth.
//
// Semantics carried here:
// - MAXACTION: every executed statement except a block, and every loop iteration, costs one
//   action; a handler run that exceeds its budget is a runtime error;
// - MAXNESTING: a call that would make the chain of active script functions longer than the
//   limit is a runtime error;
// - `next` ends the handler (from inside a function too); exit() only raises a flag;
// - missing array elements read as 0 / ""; @count/@sum of an empty statistic are 0, @min/@max/
//   @avg and printing its histogram are the runtime error "empty aggregate", as in SystemTap.
//
// This file assembles the module (prelude, functions, handlers, entry captures, the run/capture
// entry points); the code of each part is emitted by js-codegen/: module-emitter.ts (what the
// module shares, each function's frame), body-emitter.ts (one body's state) with expressions.ts,
// assignments.ts, statements.ts, arrays.ts, statistics.ts and strings.ts, and values.ts
// (literals, operators); runtime-bindings.ts holds what the generated code calls.
import type { Expr, HandlerIR, ProgramIR } from '../ir/ir';
import type { ProbeContext } from './probe-context';
import type { RuntimeServices } from './runtime-services';
import { fromText } from './script-string';
import type { GlobalStore, Scalar } from './storage';
import { CompileError } from './js-codegen/compile-error';
import { ModuleEmitter } from './js-codegen/module-emitter';
import { runtimeBindings, type RuntimeBindings } from './js-codegen/runtime-bindings';

export { CompileError };

/** One handler to compile, with what pp() and probefunc() return while it runs. */
export interface HandlerToCompile {
  handler: HandlerIR;
  pp: string;
  probefunc: string;
}

export interface CompileInput {
  program: ProgramIR;
  handlers: readonly HandlerToCompile[];
  /** Expression lists evaluated at function entry (ProbeSiteIR.entryCaptures), one per return site that has any. */
  entryCaptures: readonly (readonly Expr[])[];
  stores: readonly GlobalStore[];
  /** Where printed text goes, with the pp() of the handler that printed it. */
  emit(text: string, pp: string): void;
  /** exit() was called. */
  exit(): void;
  /** abort() was called: the session ends without its `end` probes. */
  abort?(): void;
  /** warn(msg): `msg` (a byte string) for stderr as a warning. */
  warn?(message: string): void;
  services: RuntimeServices;
}

export interface CompiledProgram {
  /** Runs handler `index` (of CompileInput.handlers) on `ctx` with a budget of `maxActions`. Throws ScriptRuntimeError. */
  run(index: number, ctx: ProbeContext, maxActions: number): void;
  /** Evaluates entry-capture list `index` on `ctx`. Throws ScriptRuntimeError. */
  capture(index: number, ctx: ProbeContext, maxActions: number): Scalar[];
  /** The generated source, for -v dumps and debugging. */
  readonly source: string;
}

export function compileProgram(input: CompileInput): CompiledProgram {
  const { program } = input;
  const module = new ModuleEmitter(program);
  const parts: string[] = [];
  for (const fn of program.functions) parts.push(module.function(fn));
  // A probe with several points shares one HandlerIR: compile each distinct handler once.
  const handlerNames = new Map<HandlerIR, string>();
  const table: string[] = [];
  for (const h of input.handlers) {
    let name = handlerNames.get(h.handler);
    if (name === undefined) {
      name = `h${handlerNames.size}`;
      handlerNames.set(h.handler, name);
      parts.push(module.handler(name, h.handler));
    }
    table.push(name);
  }
  input.entryCaptures.forEach((exprs, i) => parts.push(module.capture(`c${i}`, exprs)));

  const bindings = runtimeBindings(input, module);

  const code = [...parts].join('\n');
  const used = Object.keys(bindings).filter((name) => name === 'L' || name === 'stores' || name === 'NEXT' || name === 'stackOut' || new RegExp(`\\b${name}\\b`).test(code));
  const prelude = [
    '"use strict";',
    `const { ${used.join(', ')} } = B;`,
    'const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;',
    ...program.globals.map((g) => `const g${g.index} = stores[${g.index}];`),
    'let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";',
  ];
  const epilogue = [
    `const handlers = [${table.join(', ')}];`,
    `const captures = [${input.entryCaptures.map((_, i) => `c${i}`).join(', ')}];`,
    `const pps = ${JSON.stringify(input.handlers.map((h) => fromText(h.pp)))};`,
    `const funcs = ${JSON.stringify(input.handlers.map((h) => fromText(h.probefunc)))};`,
    'return {',
    '  run(index, context, maxActions) {',
    '    ctx = context; steps = 0; limit = maxActions; depth = 0; curPP = pps[index]; curFunc = funcs[index];',
    '    try { handlers[index](); }',
    '    catch (e) { if (e !== NEXT) throw stackOut(e, depth, index); }',
    '    finally { ctx = null; }',
    '  },',
    '  capture(index, context, maxActions) {',
    '    ctx = context; steps = 0; limit = maxActions; depth = 0;',
    '    try { return captures[index](); } finally { ctx = null; }',
    '  },',
    '};',
  ];
  const source = [...prelude, ...parts, ...epilogue].join('\n');
  let factory: (b: RuntimeBindings) => Omit<CompiledProgram, 'source'>;
  try {
    factory = new Function('B', source) as typeof factory;
  } catch (error) {
    throw new CompileError(`generated handler code does not parse (${(error as Error).message}); this is a utap bug`);
  }
  const compiled = factory(bindings);
  return { run: compiled.run, capture: compiled.capture, source };
}
