// Pass 3 of the checker, lowering: syntax trees whose names resolve.ts found and whose types
// types.ts learned and checked → the handler IR. Nothing here can be a user mistake any more
// (types.ts rejected those), so this pass only builds nodes; an impossible case is a bug.
import type {
  AggregateFn, BinaryOp, CompareOp, Expr, ForeachSort, FormatIR, FunctionIR, GlobalDecl, HistSpec, LValue, Limits, LocalDecl,
  ProbeIR, ProgramIR, RegName, SourceLoc, Stmt, StatsRef, TargetStep,
} from '../ir/ir';
import { ARG_REGS, BUILTINS, type BuiltinName } from '../ir/ir';
import type { AstExpr, AstStmt } from './ast';
import { ARG_FUNCTIONS, CLOCK_FUNCTIONS, CONTEXT_FUNCTIONS, STATEMENT_BUILTINS, SUB_REGISTERS, USER_READS } from './builtins';
import { parseFormat } from './format';
import { definedConstant, staticTest } from './types';
import { histogramOf, PRINT_FAMILY, printFamilyFormat } from './print-family';
import { constantLong, pointIR, targetType, type FunctionSym, type GlobalSym, type LocalSym, type Resolved, type Scope, type T } from './symbols';
import { walkStmt } from '../ir/walk';

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export interface LowerInput {
  resolved: Resolved;
  limits: Limits;
  guru: boolean;
  sources: Record<string, string>;
}

export function lowerProgram(input: LowerInput): ProgramIR {
  return new Lowerer(input).run();
}

class Lowerer {
  private readonly globals: Map<string, GlobalSym>;
  private readonly functions: Map<string, FunctionSym>;
  private readonly formats: FormatIR[] = [];

  constructor(private readonly input: LowerInput) {
    this.globals = input.resolved.globals;
    this.functions = input.resolved.functions;
  }

  run(): ProgramIR {
    const functions: FunctionIR[] = [...this.functions.values()].map((f) => ({
      index: f.index,
      name: f.ast.name,
      params: f.params.map(decl),
      locals: undefined as unknown as LocalDecl[],
      returnType: (f.returnType ?? 'void') as FunctionIR['returnType'],
      body: this.stmt(f.ast.body, f.scope),
      recursive: false,
      loc: f.ast.loc,
    }));
    // locals are read after the body: lowering a foreach may add its temporaries
    for (const f of functions) f.locals = [...this.functions.values()][f.index].scope.list.map(decl);
    const probes: ProbeIR[] = this.input.resolved.probes.map((p, index) => {
      const body: Stmt[] = p.bodies.map((b) => this.stmt(b, p.scope));
      let handler: Stmt = body.length === 1 ? body[0] : { kind: 'block', body, loc: p.loc };
      // `probe P if (cond)`: the handler runs only while every condition holds
      for (const c of [...p.conditions].reverse()) handler = { kind: 'if', test: this.expr(c, p.scope), then: handler, loc: c.loc };
      return { index, points: p.points.map(pointIR), handler: { locals: p.scope.list.map(decl), body: handler }, loc: p.loc };
    });
    markRecursion(functions);
    return {
      globals: this.globalDecls(),
      functions,
      probes,
      formats: this.formats,
      limits: this.input.limits,
      guru: this.input.guru,
      sources: this.input.sources,
    };
  }

  private globalDecls(): GlobalDecl[] {
    const out: GlobalDecl[] = [];
    for (const g of [...this.globals.values()].sort((a, b) => a.index - b.index)) {
      const emptyStats = { count: false, sum: false, min: false, max: false, avg: false, hist: [] };
      if (g.shape === 'stats') out.push({ kind: 'stats', index: g.index, name: g.name, stats: emptyStats, loc: g.loc });
      else if (g.shape === 'array') {
        out.push({
          kind: 'array',
          index: g.index,
          name: g.name,
          keyTypes: (g.keyTypes ?? ['long']).map((t) => t ?? 'long'),
          value: g.elementStats ? 'stats' : (g.type ?? 'long'),
          stats: g.elementStats ? emptyStats : undefined,
          maxEntries: g.size ?? this.input.limits.maxMapEntries,
          loc: g.loc,
        });
      } else {
        out.push({ kind: 'scalar', index: g.index, name: g.name, type: g.type ?? 'long', init: g.init, loc: g.loc });
      }
      if (g.tapset) out[out.length - 1].tapset = true;
    }
    return out;
  }

  private global(name: string): GlobalSym {
    const g = this.globals.get(name);
    if (!g) throw new Error(`lower: unresolved global '${name}'`);
    return g;
  }

  private local(name: string, scope: Scope): LocalSym {
    const l = scope.locals.get(name);
    if (!l) throw new Error(`lower: untyped local '${name}'`);
    return l;
  }

  // ───────────── statements ─────────────

  private stmt(s: AstStmt, scope: Scope): Stmt {
    const loc = s.loc;
    switch (s.kind) {
      case 'block':
        return { kind: 'block', body: s.body.map((b) => this.stmt(b, scope)), loc };
      case 'empty':
        return { kind: 'block', body: [], loc };
      case 'expr':
        return this.exprStatement(s.expr, scope, loc);
      case 'if': {
        const known = staticTest(s.test, scope);
        if (known === true) return this.stmt(s.then, scope);
        if (known === false) return s.else ? this.stmt(s.else, scope) : { kind: 'block', body: [], loc };
        return { kind: 'if', test: this.expr(s.test, scope), then: this.stmt(s.then, scope), else: s.else ? this.stmt(s.else, scope) : undefined, loc };
      }
      case 'while':
        return { kind: 'while', test: this.expr(s.test, scope), body: this.stmt(s.body, scope), loc };
      case 'for':
        return {
          kind: 'for',
          init: s.init ? this.exprStatement(s.init, scope, s.init.loc) : undefined,
          test: s.test ? this.expr(s.test, scope) : undefined,
          step: s.step ? this.expr(s.step, scope) : undefined,
          body: this.stmt(s.body, scope),
          loc,
        };
      case 'foreach':
        return this.foreach(s, scope);
      case 'break':
      case 'continue':
      case 'next':
        return { kind: s.kind, loc };
      case 'return':
        return s.value ? { kind: 'return', value: this.expr(s.value, scope), loc } : { kind: 'return', loc };
      case 'delete':
        return this.delete(s.target, scope, loc);
      case 'try':
        return { kind: 'try', body: this.stmt(s.body, scope), ...(s.catchVar && { catchSlot: this.local(s.catchVar.name, scope).slot }), handler: this.stmt(s.handler, scope), loc };
    }
  }

  private delete(target: AstExpr, scope: Scope, loc: SourceLoc): Stmt {
    if (target.kind === 'slice') {
      const g = this.global(target.name);
      return { kind: 'delete', target: { kind: 'slice', global: g.index, keys: this.sliceKeys(target.keys, scope) }, loc };
    }
    if (target.kind === 'index') {
      const g = this.global(target.name);
      return { kind: 'delete', target: { kind: 'element', global: g.index, keys: this.keys(target.keys, scope) }, loc };
    }
    if (target.kind !== 'name') throw new Error('lower: delete of something that is not a variable');
    const local = scope.locals.get(target.name);
    if (local) return { kind: 'delete', target: { kind: 'local', slot: local.slot }, loc };
    const g = this.global(target.name);
    return { kind: 'delete', target: { kind: g.shape === 'array' ? 'array' : 'global', global: g.index }, loc };
  }

  private foreachBuckets(s: Extract<AstStmt, { kind: 'foreach' }>, hist: Extract<AstExpr, { kind: 'aggregate' }>, scope: Scope): Stmt {
    const source = this.statsRef(hist.operand, scope);
    const keys = s.keys.map((k) => this.local(k.name, scope).slot);
    const value = s.value ? this.local(s.value.name, scope).slot : undefined;
    const limit = s.limit ? this.expr(s.limit, scope) : undefined;
    const histRef = { ...(source.keys && { keys: source.keys }), spec: histSpec(hist) };
    return { kind: 'foreach', global: source.global, keys, value, limit, hist: histRef, body: this.stmt(s.body, scope), loc: s.loc };
  }

  private foreach(s: Extract<AstStmt, { kind: 'foreach' }>, scope: Scope): Stmt {
    if (s.hist?.kind === 'aggregate') return this.foreachBuckets(s, s.hist, scope);
    const g = this.global(s.array);
    const keys = s.keys.map((k) => this.local(k.name, scope).slot);
    const value = s.value ? this.local(s.value.name, scope).slot : undefined;
    let sort: ForeachSort | undefined;
    const keyIndex = s.keys.findIndex((k) => k.sort);
    if (keyIndex >= 0) sort = { by: 'key', part: keyIndex, direction: s.keys[keyIndex].sort! };
    else if (s.valueSort) sort = { by: 'value', direction: s.valueSort.direction, aggregate: s.valueSort.aggregate as AggregateFn | undefined };
    const slice = s.slice ? this.sliceKeys(s.slice, scope) : undefined;
    const limit = s.limit ? this.expr(s.limit, scope) : undefined;
    return { kind: 'foreach', global: g.index, keys, value, sort, limit, ...(slice && { slice }), body: this.stmt(s.body, scope), loc: s.loc };
  }

  private exprStatement(e: AstExpr, scope: Scope, loc: SourceLoc): Stmt {
    if (e.kind === 'call' && STATEMENT_BUILTINS.has(e.name) && !this.functions.has(e.name)) return this.statementBuiltin(e, scope);
    if (e.kind === 'statsAdd') return { kind: 'statsAdd', target: this.statsRef(e.target, scope), value: this.expr(e.value, scope), loc: e.loc };
    return { kind: 'expr', expr: this.expr(e, scope), loc };
  }

  private statementBuiltin(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): Stmt {
    const loc = e.loc;
    switch (e.name) {
      case 'printf':
        return { kind: 'printf', ...this.formatted(e, scope), loc };
      case 'print':
      case 'println': {
        const hist = e.args.find((a) => a.kind === 'aggregate' && a.fn.startsWith('hist_'));
        if (hist && hist.kind === 'aggregate') return { kind: 'printHist', source: this.statsRef(hist.operand, scope), hist: histSpec(hist), loc };
        return { kind: 'print', args: e.args.map((a) => this.expr(a, scope)), newline: e.name === 'println', loc };
      }
      case 'abort':
        return { kind: 'exit', abort: true, loc };
      case 'exit':
        return { kind: 'exit', loc };
      case 'error':
        return { kind: 'error', message: this.expr(e.args[0], scope), loc };
      case 'warn':
        return { kind: 'error', message: this.expr(e.args[0], scope), warn: true, loc };
      case 'print_ubacktrace':
        return { kind: 'printBacktrace', loc };
    }
    if (PRINT_FAMILY[e.name]) return { kind: 'printf', ...this.printFamily(e, scope), loc };
    throw new Error(`lower: '${e.name}' is not a statement`);
  }

  /** A print-family call as a printf/sprintf of a format made from its arguments' types. */
  private printFamily(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): { format: number; args: Expr[] } {
    const member = PRINT_FAMILY[e.name];
    const values = (member.delimited ? e.args.slice(1) : e.args).map((a) => this.expr(a, scope));
    const delimiter = member.delimited ? (e.args[0] as Extract<AstExpr, { kind: 'string' }>).value : '';
    this.formats.push(printFamilyFormat(member, values, delimiter, e.loc));
    return { format: this.formats.length - 1, args: values };
  }

  private formatted(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): { format: number; args: Expr[] } {
    const first = e.args[0] as Extract<AstExpr, { kind: 'string' }>;
    this.formats.push(parseFormat(first.value, first.loc));
    return { format: this.formats.length - 1, args: e.args.slice(1).map((a) => this.expr(a, scope)) };
  }

  // ───────────── expressions ─────────────

  private keys(keys: AstExpr[], scope: Scope): Expr[] {
    return keys.map((k) => this.expr(k, scope));
  }

  private sliceKeys(keys: Array<AstExpr | null>, scope: Scope): Array<Expr | null> {
    return keys.map((k) => (k === null ? null : this.expr(k, scope)));
  }

  private statsRef(e: AstExpr, scope: Scope): StatsRef {
    if (e.kind === 'name') return { global: this.global(e.name).index };
    if (e.kind === 'index') return { global: this.global(e.name).index, keys: this.keys(e.keys, scope) };
    throw new Error('lower: statistics of something that is not a global');
  }

  private expr(e: AstExpr, scope: Scope): Expr {
    const loc = e.loc;
    switch (e.kind) {
      case 'number':
        return { op: 'long', type: 'long', value: BigInt.asIntN(64, e.value), loc };
      case 'string':
        return { op: 'string', type: 'string', value: e.value, loc };
      case 'name': {
        const local = scope.locals.get(e.name);
        if (local) return { op: 'local', type: local.type ?? 'long', slot: local.slot, loc };
        const g = this.global(e.name);
        return { op: 'global', type: g.type ?? 'long', global: g.index, loc };
      }
      case 'index': {
        const g = this.global(e.name);
        return { op: 'arrayGet', type: g.type ?? 'long', global: g.index, keys: this.keys(e.keys, scope), loc };
      }
      case 'in': {
        const g = this.global(e.name);
        if (e.keys.some((k) => k === null)) return { op: 'arraySliceIn', type: 'long', global: g.index, keys: this.sliceKeys(e.keys, scope), loc };
        return { op: 'arrayIn', type: 'long', global: g.index, keys: this.keys(e.keys as AstExpr[], scope), loc };
      }
      case 'defined': {
        const known = definedConstant(e, scope);
        if (known !== undefined) return { op: 'long', type: 'long', value: known, loc };
        // a target in a process probe: the planner decides at each site
        const operand = e.operand.kind === 'target' || e.operand.kind === 'entry' ? (this.target(e.operand, scope) as Extract<Expr, { op: 'target' }>) : undefined;
        if (!operand) return { op: 'long', type: 'long', value: 1n, loc };
        return { op: 'target', type: 'long', ref: { ...operand.ref, defined: true }, loc };
      }
      case 'slice':
      case 'regex':
      case 'embedded':
      case 'unsupported':
        throw new Error(`lower: ${e.kind} reached lowering`);
      case 'target':
      case 'entry':
        return this.target(e, scope);
      case 'histBucket': {
        const hist = e.hist as Extract<AstExpr, { kind: 'aggregate' }>;
        return { op: 'histBucket', type: 'long', source: this.statsRef(hist.operand, scope), hist: histSpec(hist), bucket: this.expr(e.bucket, scope), loc };
      }
      case 'aggregate':
        return { op: 'aggregate', type: 'long', fn: e.fn as AggregateFn, source: this.statsRef(e.operand, scope), loc, ...(e.fn === 'variance' && e.args.length && { shift: Number(constantLong(e.args[0])) }) };
      case 'call':
        return this.call(e, scope);
      case 'statsAdd':
        throw new Error("lower: '<<<' used as a value");
      case 'unary':
        return { op: 'unary', type: 'long', operator: e.operator, operand: this.expr(e.operand, scope), loc };
      case 'binary':
        return this.binary(e, scope);
      case 'conditional': {
        const known = staticTest(e.test, scope);
        if (known !== undefined) return this.expr(known ? e.then : e.else, scope);
        const then = this.expr(e.then, scope);
        const otherwise = this.expr(e.else, scope);
        return { op: 'conditional', type: scalar(then) ?? scalar(otherwise) ?? 'long', test: this.expr(e.test, scope), then, else: otherwise, loc };
      }
      case 'assign': {
        const target = this.lvalue(e.target, scope);
        const value = this.expr(e.value, scope);
        const type: T = e.operator === '=' ? (target.type ?? scalar(value) ?? 'long') : e.operator === '.=' ? 'string' : 'long';
        return { op: 'assign', type, operator: e.operator, target: target.lvalue, value, loc };
      }
      case 'incdec':
        return { op: 'incdec', type: 'long', target: this.lvalue(e.target, scope).lvalue, delta: e.delta, prefix: e.prefix, loc };
    }
  }

  private binary(e: Extract<AstExpr, { kind: 'binary' }>, scope: Scope): Expr {
    const loc = e.loc;
    const op = e.operator;
    const left = this.expr(e.left, scope);
    const right = this.expr(e.right, scope);
    if (op === '&&' || op === '||') return { op: 'logical', type: 'long', operator: op, left, right, loc };
    if (op === '.') return { op: 'concat', type: 'string', left, right, loc };
    if (COMPARE_OPS.has(op)) return { op: 'compare', type: 'long', operator: op as CompareOp, left, right, loc };
    return { op: 'binary', type: 'long', operator: op as BinaryOp, left, right, loc };
  }

  private lvalue(e: AstExpr, scope: Scope): { lvalue: LValue; type?: T } {
    switch (e.kind) {
      case 'name': {
        const local = scope.locals.get(e.name);
        if (local) return { lvalue: { kind: 'local', slot: local.slot }, type: local.type };
        const g = this.global(e.name);
        return { lvalue: { kind: 'global', global: g.index }, type: g.type };
      }
      case 'index': {
        const g = this.global(e.name);
        return { lvalue: { kind: 'element', global: g.index, keys: this.keys(e.keys, scope) }, type: g.type };
      }
      case 'target': {
        const ir = this.target(e, scope) as Extract<Expr, { op: 'target' }>;
        return { lvalue: { kind: 'target', ref: ir.ref }, type: 'long' };
      }
      case 'call': {
        const name = (e.args[0] as Extract<AstExpr, { kind: 'string' }>).value;
        const reg = SUB_REGISTERS[name]?.reg ?? (name as RegName);
        return { lvalue: { kind: 'reg', reg }, type: 'long' };
      }
    }
    throw new Error('lower: assignment to something that is not a place');
  }

  private target(e: Extract<AstExpr, { kind: 'target' | 'entry' }>, scope: Scope): Expr {
    const atEntry = e.kind === 'entry';
    const target = (e.kind === 'entry' ? e.operand : e) as Extract<AstExpr, { kind: 'target' }>;
    const path: TargetStep[] = target.path.map((step) => (step.kind === 'member' ? step : { kind: 'index', index: this.expr(step.index, scope) }));
    const ref = {
      name: target.name, path, atEntry, ...(target.pretty && { pretty: target.pretty }), ...(target.addressOf && { addressOf: true }),
      ...(target.scope && { scope: target.scope }),
      ...(target.cast && { cast: { ...target.cast, address: this.expr(target.cast.address, scope) } }),
    };
    return { op: 'target', type: targetType(target), ref, loc: e.loc };
  }

  private call(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): Expr {
    const loc = e.loc;
    const fn = this.functions.get(e.name);
    if (fn) return { op: 'call', type: (fn.returnType ?? 'void') as Expr['type'], function: fn.index, args: this.keys(e.args, scope), loc } as Expr;
    const context = CONTEXT_FUNCTIONS[e.name];
    if (context) {
      const type = context === 'execname' || context === 'pp' || context === 'probefunc' || context === 'ubacktrace' ? 'string' : 'long';
      return { op: 'context', type, what: context, loc };
    }
    const clock = CLOCK_FUNCTIONS[e.name];
    if (clock) {
      const now: Expr = { op: 'context', type: 'long', what: clock.what, loc };
      return clock.divisor === 1n ? now : { op: 'binary', type: 'long', operator: '/', left: now, right: { op: 'long', type: 'long', value: clock.divisor, loc }, loc };
    }
    const read = USER_READS[e.name];
    if (read) return { op: 'userRead', type: 'long', addr: this.expr(e.args[0], scope), size: read.size, signed: read.signed, loc };
    const arg = ARG_FUNCTIONS[e.name];
    if (arg) {
      const n = Number(constantLong(e.args[0]));
      const reg: Expr = { op: 'reg', type: 'long', reg: ARG_REGS[n - 1], loc };
      if (arg.bits === 64) return reg;
      const lit = (v: bigint): Expr => ({ op: 'long', type: 'long', value: v, loc });
      return arg.signed
        ? { op: 'binary', type: 'long', operator: '>>', left: { op: 'binary', type: 'long', operator: '<<', left: reg, right: lit(32n), loc }, right: lit(32n), loc }
        : { op: 'binary', type: 'long', operator: '&', left: reg, right: lit(0xffffffffn), loc };
    }
    switch (e.name) {
      case 'register':
      case 'u_register':
        return registerRead((e.args[0] as Extract<AstExpr, { kind: 'string' }>).value, e.name === 'register', loc);
      case 'returnval':
        return { op: 'reg', type: 'long', reg: 'rax', loc };
      case 'user_string':
      case 'user_string_n':
        return { op: 'userString', type: 'string', addr: this.expr(e.args[0], scope), maxLen: e.args[1] ? this.expr(e.args[1], scope) : undefined, loc };
      case 'sprintf':
        return { op: 'sprintf', type: 'string', ...this.formatted(e, scope), loc };
      case 'sprint_ubacktrace':
        // SystemTap's sprint_ubacktrace(): `sym+0xOFF [module]` per frame (utap's one-argument form keeps print_ubacktrace's layout)
        if (e.args.length === 0) return { op: 'builtin', type: 'string', name: '_usyms_text', args: [{ op: 'context', type: 'string', what: 'ubacktrace', loc }, { op: 'string', type: 'string', value: 'simple', loc }], loc };
        break;
      case 'ctime': {
        if (e.args.length > 0) break;
        const now: Expr = { op: 'context', type: 'long', what: 'walltime_ns', loc };
        const secs: Expr = { op: 'binary', type: 'long', operator: '/', left: now, right: { op: 'long', type: 'long', value: 1_000_000_000n, loc }, loc };
        return { op: 'builtin', type: 'string', name: 'ctime', args: [secs], loc };
      }
    }
    const hist = histogramOf(e);
    if (hist) {
      const text: Expr = { op: 'histText', type: 'string', source: this.statsRef(hist.operand, scope), hist: histSpec(hist), loc };
      return e.name === 'sprintln' ? { op: 'concat', type: 'string', left: text, right: { op: 'string', type: 'string', value: '\n', loc }, loc } : text;
    }
    if (PRINT_FAMILY[e.name]) return { op: 'sprintf', type: 'string', ...this.printFamily(e, scope), loc };
    const spec = BUILTINS[e.name as BuiltinName];
    if (!spec) throw new Error(`lower: unknown function '${e.name}'`);
    return { op: 'builtin', type: spec.returns as T, name: e.name as BuiltinName, args: this.keys(e.args, scope), loc };
  }
}

// ───────────── helpers ─────────────

/** register(name) (sign-extended) or u_register(name) (zero-extended) of a register or a part of one. */
function registerRead(name: string, signed: boolean, loc: SourceLoc): Expr {
  const part = SUB_REGISTERS[name];
  const whole: Expr = { op: 'reg', type: 'long', reg: part ? part.reg : (name as RegName), loc };
  if (!part || part.bits === 64) return whole;
  const lit = (v: bigint): Expr => ({ op: 'long', type: 'long', value: v, loc });
  const shifted: Expr = part.shift ? { op: 'binary', type: 'long', operator: '>>>', left: whole, right: lit(BigInt(part.shift)), loc } : whole;
  if (!signed) return { op: 'binary', type: 'long', operator: '&', left: shifted, right: lit((1n << BigInt(part.bits)) - 1n), loc };
  const up = BigInt(64 - part.bits);
  return { op: 'binary', type: 'long', operator: '>>', left: { op: 'binary', type: 'long', operator: '<<', left: shifted, right: lit(up), loc }, right: lit(up), loc };
}

function scalar(e: Expr): T | undefined {
  return e.type === 'long' || e.type === 'string' ? e.type : undefined;
}

function decl(l: LocalSym): LocalDecl {
  return { name: l.name, type: l.type ?? 'long' };
}

function histSpec(e: Extract<AstExpr, { kind: 'aggregate' }>): HistSpec {
  if (e.fn === 'hist_log') return { kind: 'log' };
  const [low, high, step] = e.args.map((a) => constantLong(a)!);
  return { kind: 'linear', low, high, step };
}

/**
 * Marks functions that can reach themselves through calls: those in a strongly connected
 * component of the call graph with more than one function, or calling themselves. Tarjan's
 * algorithm with an explicit stack, linear in functions + calls (a search from every function
 * took minutes on a long chain of calls, and recursion would overflow on a deep one).
 */
function markRecursion(functions: FunctionIR[]): void {
  const calls = functions.map((f) => {
    const out = new Set<number>();
    walkStmt(f.body, {
      expr(e) {
        if (e.op === 'call') out.add(e.function);
      },
    });
    return [...out];
  });
  const n = functions.length;
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const component: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] >= 0) continue;
    const frames: Array<[number, number]> = [[root, 0]];
    order[root] = low[root] = next++;
    component.push(root);
    onStack[root] = true;
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const [v, i] = frame;
      if (i < calls[v].length) {
        frame[1]++;
        const w = calls[v][i];
        if (order[w] < 0) {
          order[w] = low[w] = next++;
          component.push(w);
          onStack[w] = true;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], order[w]);
        continue;
      }
      frames.pop();
      if (frames.length) {
        const parent = frames[frames.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== order[v]) continue;
      const members: number[] = [];
      let w: number;
      do {
        w = component.pop()!;
        onStack[w] = false;
        members.push(w);
      } while (w !== v);
      for (const m of members) if (members.length > 1 || calls[m].includes(m)) functions[m].recursive = true;
    }
  }
}
