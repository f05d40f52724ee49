// The checker: syntax trees → ProgramIR. It resolves names (locals, globals — declared, or
// implied by array/statistics use as SystemTap does —, script and tapset functions, builtins,
// probe aliases), infers every variable's type the way SystemTap does (long, string,
// statistics, arrays with consistent key types; never an implicit string↔number conversion) and
// lowers statements and expressions to the handler IR.
//
// Types are inferred by running the lowering repeatedly over every body until no symbol learns
// a type any more; a contradiction is an error as soon as it is seen, a type never learned
// defaults to long. The last run emits the IR.
import type {
  AggregateFn, AssignOp, BinaryOp, CompareOp, Expr, ForeachSort, FormatIR, FunctionIR, GlobalDecl, HistSpec, LValue, Limits, LocalDecl,
  ProbeIR, ProbePointIR, ProgramIR, ScalarType, SourceLoc, Stmt, StatsRef, TargetRef, TargetStep,
} from '../ir/ir';
import { ARG_REGS, BUILTINS, REG_NAMES, type BuiltinName, type RegName } from '../ir/ir';
import type { AstAlias, AstExpr, AstFile, AstFunction, AstProbe, AstProbePoint, AstStmt } from './ast';
import { ARG_FUNCTIONS, CLOCK_FUNCTIONS, CONTEXT_FUNCTIONS, STATEMENT_BUILTINS, UNSUPPORTED, USER_READS } from './builtins';
import type { Diagnostics } from './diagnostic';
import { formatArgTypes, FormatProblem, parseFormat } from './format';
import type { TapsetLibrary } from './tapsets';
import { walkStmt } from '../ir/walk';

type T = ScalarType;

interface GlobalSym {
  name: string;
  index: number;
  loc: SourceLoc;
  size?: number;
  init?: bigint | string;
  /** undefined until a use says what it is */
  shape?: 'scalar' | 'array' | 'stats';
  /** scalar type, or the element type of an array (undefined: not known yet) */
  type?: T;
  /** arrays of statistics */
  elementStats?: boolean;
  keyTypes?: Array<T | undefined>;
}

interface LocalSym {
  name: string;
  slot: number;
  type?: T;
}

/** How many probe points one alias may expand to (nested aliases multiply). */
const MAX_ALIAS_EXPANSION = 10_000;

interface FunctionSym {
  ast: AstFunction;
  index: number;
  params: LocalSym[];
  /** undefined: not known yet; 'void' once a body is known to return nothing */
  returnType?: T | 'void';
  returnsValue: boolean;
  scope: Scope;
}

interface Scope {
  locals: Map<string, LocalSym>;
  list: LocalSym[];
  fn?: FunctionSym;
  /** the probe has process points, so target variables have a meaning */
  targetVars: boolean;
  loops: number;
}

const PROBE_KINDS = new Set(['begin', 'end', 'error', 'timer', 'process', 'never']);
const ARITH_ASSIGN: Record<string, BinaryOp> = { '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '<<=': '<<', '>>=': '>>', '>>>=': '>>>', '&=': '&', '|=': '|', '^=': '^' };
const ARITH_OPS = new Set(['+', '-', '*', '/', '%', '<<', '>>', '>>>', '&', '|', '^']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

interface PlannedProbe {
  points: AstProbePoint[];
  /** alias prologues, the user's body, alias epilogues */
  bodies: AstStmt[];
  loc: SourceLoc;
  scope?: Scope;
}

export interface CheckInput {
  script: AstFile;
  limits: Limits;
  guru: boolean;
  tapsets: TapsetLibrary;
  diag: Diagnostics;
}

export function checkProgram(input: CheckInput): ProgramIR {
  return new Checker(input).run();
}

class Checker {
  private readonly diag: Diagnostics;
  private readonly globals = new Map<string, GlobalSym>();
  private readonly functions = new Map<string, FunctionSym>();
  private readonly aliases = new Map<string, AstAlias>();
  private readonly files: AstFile[] = [];
  private probes: PlannedProbe[] = [];
  private formats: FormatIR[] = [];
  private changed = false;
  private final = false;

  constructor(private readonly input: CheckInput) {
    this.diag = input.diag;
  }

  private fail(loc: SourceLoc, reason: string): never {
    return this.diag.error(loc, reason);
  }

  run(): ProgramIR {
    this.addFile(this.input.script);
    this.pullTapsets();
    for (const p of this.input.script.probes) this.probes.push(...this.expandProbe(p));
    for (const f of this.files) if (f !== this.input.script) for (const p of f.probes) this.probes.push(...this.expandProbe(p));
    this.implyGlobals();
    // Types flow up calls (return values) and down them (arguments): rounds alternate between
    // lowering callees first and callers first, so a chain of calls settles in a round or two
    // instead of one call per round.
    const calleesFirst = this.calleesFirst();
    for (let round = 0; round < 50; round++) {
      this.changed = false;
      this.lowerEverything(round % 2 === 0 ? calleesFirst : [...calleesFirst].reverse(), round % 2 === 1);
      if (!this.changed) break;
    }
    // whatever no use has typed is a long, as in SystemTap; one more round spreads that
    this.defaultUnknownTypes();
    this.lowerEverything();
    this.defaultUnknownTypes();
    this.final = true;
    const { probes, functions } = this.lowerEverything();
    return {
      globals: this.globalDecls(),
      functions,
      probes,
      formats: this.formats,
      limits: this.input.limits,
      guru: this.input.guru,
      sources: this.diag.sources,
    };
  }

  // ───────────── definitions and tapsets ─────────────

  private addFile(file: AstFile): void {
    this.files.push(file);
    for (const g of file.globals) {
      const existing = this.globals.get(g.name);
      if (existing) this.fail(g.loc, `the global '${g.name}' is already declared at ${where(existing.loc)}.`);
      this.globals.set(g.name, {
        name: g.name,
        index: this.globals.size,
        loc: g.loc,
        size: g.size,
        init: g.init,
        shape: g.size !== undefined ? 'array' : g.init !== undefined ? 'scalar' : undefined,
        type: g.init === undefined ? undefined : typeof g.init === 'string' ? 'string' : 'long',
      });
    }
    for (const f of file.functions) {
      const existing = this.functions.get(f.name);
      if (existing) this.fail(f.loc, `the function '${f.name}' is already defined at ${where(existing.ast.loc)}.`);
      if (f.name in BUILTINS || f.name in CONTEXT_FUNCTIONS || f.name in CLOCK_FUNCTIONS || STATEMENT_BUILTINS.has(f.name)) {
        this.fail(f.loc, `'${f.name}' is a builtin function; give your function another name.`);
      }
      const scope: Scope = { locals: new Map(), list: [], targetVars: false, loops: 0 };
      const params = f.params.map((p) => {
        const sym: LocalSym = { name: p.name, slot: scope.list.length, type: p.type };
        scope.locals.set(p.name, sym);
        scope.list.push(sym);
        return sym;
      });
      const sym: FunctionSym = { ast: f, index: this.functions.size, params, returnType: f.returnType, returnsValue: false, scope };
      scope.fn = sym;
      this.functions.set(f.name, sym);
    }
    for (const a of file.aliases) {
      for (const n of a.names) {
        const name = n.join('.');
        if (this.aliases.has(name)) this.fail(a.loc, `the probe alias '${name}' is already defined at ${where(this.aliases.get(name)!.loc)}.`);
        this.aliases.set(name, a);
      }
    }
  }

  /** Takes in tapset files for every function and alias the program uses but does not define. */
  private pullTapsets(): void {
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files[i];
      const wanted: Array<() => AstFile | undefined> = [];
      const pointsOf = [...file.probes.flatMap((p) => p.points), ...file.aliases.flatMap((a) => a.points)];
      for (const point of pointsOf) {
        const name = point.components.map((c) => c.name).join('.');
        if (!PROBE_KINDS.has(point.components[0].name) && !this.aliases.has(name)) wanted.push(() => this.input.tapsets.takeAlias(name));
      }
      const bodies = [...file.probes.map((p) => p.body), ...file.functions.map((f) => f.body), ...file.aliases.map((a) => a.body)];
      for (const body of bodies) {
        visitAst(body, (e) => {
          if (e.kind === 'call' && !this.functions.has(e.name) && !isBuiltinName(e.name)) wanted.push(() => this.input.tapsets.takeFunction(e.name));
          if ((e.kind === 'name' || e.kind === 'index') && !this.globals.has(e.name)) wanted.push(() => this.input.tapsets.takeGlobal(e.name));
        });
      }
      for (const take of wanted) {
        const taken = take();
        if (taken) this.addFile(taken);
      }
    }
  }

  private expandProbe(p: AstProbe): PlannedProbe[] {
    const direct: AstProbePoint[] = [];
    const out: PlannedProbe[] = [];
    for (const point of p.points) {
      const expanded = this.expandPoint(point, 0);
      for (const e of expanded) {
        if (e.prologue.length === 0 && e.epilogue.length === 0) direct.push(...e.points);
        else out.push({ points: e.points, bodies: [...e.prologue, p.body, ...e.epilogue], loc: p.loc });
      }
    }
    if (direct.length) out.unshift({ points: direct, bodies: [p.body], loc: p.loc });
    return out;
  }

  /** A point with its aliases expanded: groups of concrete points sharing alias bodies. */
  private expandPoint(point: AstProbePoint, depth: number): Array<{ points: AstProbePoint[]; prologue: AstStmt[]; epilogue: AstStmt[] }> {
    const first = point.components[0];
    if (first.name === 'kernel' || first.name === 'module' || first.name === 'syscall' || first.name === 'kprobe') {
      this.fail(point.loc, `'${first.name}' probes are kernel probes; utap traces user processes (process(...) probes, begin, end, error, timer).`);
    }
    if (PROBE_KINDS.has(first.name)) return [{ points: [point], prologue: [], epilogue: [] }];
    const name = point.components.map((c) => c.name).join('.');
    const alias = point.components.every((c) => c.arg === undefined) ? this.aliases.get(name) : undefined;
    if (!alias) {
      this.fail(point.loc, `unknown probe point '${pointText(point)}'; utap knows begin, end, error, timer.s/ms/us/ns/hz(N), process("PATH").function("NAME")[.call|.return], .statement(...), .library(...) and aliases defined in tapsets.`);
    }
    if (depth > 20) this.fail(point.loc, `the probe alias '${name}' refers to itself.`);
    const out: Array<{ points: AstProbePoint[]; prologue: AstStmt[]; epilogue: AstStmt[] }> = [];
    for (const p of alias!.points) {
      for (const inner of this.expandPoint(p, depth + 1)) {
        const points = inner.points.map((ip) => ({ ...ip, optional: ip.optional || point.optional }));
        out.push({
          points,
          prologue: alias!.epilogue ? inner.prologue : [...inner.prologue, alias!.body],
          epilogue: alias!.epilogue ? [alias!.body, ...inner.epilogue] : inner.epilogue,
        });
      }
      // aliases naming aliases multiply: 20 levels of two points each would be a million probes
      if (out.length > MAX_ALIAS_EXPANSION) {
        this.fail(point.loc, `the probe alias '${name}' expands to more than ${MAX_ALIAS_EXPANSION} probe points through the aliases it names; utap allows ${MAX_ALIAS_EXPANSION}.`);
      }
    }
    return out;
  }

  /** Names used with subscripts, `<<<`, aggregates, `in`, foreach or delete-of-element are globals. */
  private implyGlobals(): void {
    const imply = (name: string, loc: SourceLoc) => {
      if (this.globals.has(name)) return;
      this.globals.set(name, { name, index: this.globals.size, loc });
    };
    const bodies: AstStmt[] = [...this.probes.flatMap((p) => p.bodies), ...[...this.functions.values()].map((f) => f.ast.body)];
    for (const body of bodies) {
      visitAst(
        body,
        (e) => {
          if (e.kind === 'index' || e.kind === 'in') imply(e.name, e.loc);
          else if (e.kind === 'statsAdd' && e.target.kind === 'name') imply(e.target.name, e.target.loc);
          else if (e.kind === 'aggregate' && e.operand.kind === 'name') imply(e.operand.name, e.operand.loc);
        },
        (s) => {
          if (s.kind === 'foreach') imply(s.array, s.arrayLoc);
        },
      );
    }
  }

  // ───────────── the lowering runs ─────────────

  /** Script functions ordered so that each comes after the functions it calls (cycles in any order). */
  private calleesFirst(): FunctionSym[] {
    const out: FunctionSym[] = [];
    const done = new Set<FunctionSym>();
    const callees = (f: FunctionSym): FunctionSym[] => {
      const found: FunctionSym[] = [];
      visitAst(f.ast.body, (e) => {
        const g = e.kind === 'call' ? this.functions.get(e.name) : undefined;
        if (g) found.push(g);
      });
      return found;
    };
    for (const root of this.functions.values()) {
      if (done.has(root)) continue;
      done.add(root);
      const frames: Array<{ f: FunctionSym; next: FunctionSym[] }> = [{ f: root, next: callees(root) }];
      while (frames.length) {
        const top = frames[frames.length - 1];
        const g = top.next.pop();
        if (g === undefined) {
          out.push(top.f);
          frames.pop();
        } else if (!done.has(g)) {
          done.add(g);
          frames.push({ f: g, next: callees(g) });
        }
      }
    }
    return out;
  }

  /**
   * Lowers every function and probe body; what comes out of the last call is the program. `order`
   * (inference rounds only) is the order functions are lowered in; `probesFirst` lowers the
   * probes before them.
   */
  private lowerEverything(order: Iterable<FunctionSym> = this.functions.values(), probesFirst = false): { probes: ProbeIR[]; functions: FunctionIR[] } {
    this.formats = [];
    const functions: FunctionIR[] = [];
    const lowerProbes = (): ProbeIR[] => this.probes.map((p, index) => {
      if (!p.scope) p.scope = { locals: new Map(), list: [], targetVars: p.points.some((pt) => pt.components[0].name === 'process'), loops: 0 };
      const body: Stmt[] = p.bodies.map((b) => this.stmt(b, p.scope!));
      if (this.final) for (const l of p.scope.list) if (l.type === undefined) l.type = 'long';
      return {
        index,
        points: p.points.map((pt) => pointIR(pt)),
        handler: { locals: p.scope.list.map(decl), body: body.length === 1 ? body[0] : { kind: 'block', body, loc: p.loc } },
        loc: p.loc,
      };
    });
    const early = probesFirst ? lowerProbes() : undefined;
    for (const f of order) {
      f.returnsValue = false;
      const body = this.stmt(f.ast.body, f.scope);
      if (f.returnType === undefined && this.final) f.returnType = f.returnsValue ? 'long' : 'void';
      for (const l of f.scope.list) if (this.final && l.type === undefined) l.type = 'long';
      functions.push({
        index: f.index,
        name: f.ast.name,
        params: f.params.map(decl),
        locals: f.scope.list.map(decl),
        returnType: (f.returnType ?? 'void') as FunctionIR['returnType'],
        body,
        recursive: false,
        loc: f.ast.loc,
      });
    }
    const probes = early ?? lowerProbes();
    functions.sort((a, b) => a.index - b.index);
    if (this.final) markRecursion(functions);
    return { probes, functions };
  }

  private defaultUnknownTypes(): void {
    const scopes = [...this.probes.map((p) => p.scope), ...[...this.functions.values()].map((f) => f.scope)];
    for (const scope of scopes) for (const l of scope?.list ?? []) l.type ??= 'long';
    for (const f of this.functions.values()) f.returnType ??= f.returnsValue ? 'long' : 'void';
    for (const g of this.globals.values()) {
      if (g.shape === 'stats') continue;
      if (g.shape === 'array') {
        g.keyTypes = (g.keyTypes ?? ['long']).map((t) => t ?? 'long');
        if (!g.elementStats) g.type ??= 'long';
      } else g.type ??= 'long';
    }
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
        const type = g.type ?? 'long';
        out.push({ kind: 'scalar', index: g.index, name: g.name, type, init: g.init, loc: g.loc });
      }
    }
    return out;
  }

  // ───────────── types ─────────────

  /** Records that `current` (a symbol's type) must be `wanted`; returns the agreed type. */
  private agree(current: T | undefined, wanted: T | undefined, set: (t: T) => void, loc: SourceLoc, what: () => string): T | undefined {
    if (wanted === undefined) return current;
    if (current === undefined) {
      set(wanted);
      this.changed = true;
      return wanted;
    }
    if (current !== wanted) this.fail(loc, `type mismatch: ${what()} is a ${current}, but a ${wanted} is needed here.`);
    return current;
  }

  private shape(g: GlobalSym, shape: 'scalar' | 'array' | 'stats', loc: SourceLoc): void {
    if (g.shape === undefined) {
      g.shape = shape;
      this.changed = true;
      return;
    }
    if (g.shape === shape) return;
    const describe = { scalar: 'a scalar', array: 'an array', stats: 'a statistic (fed with <<<)' };
    const hint = g.shape === 'stats' ? ` Read it with @count(${g.name}), @sum, @min, @max, @avg or print(@hist_log(${g.name})).` : g.shape === 'array' ? ` Use it with keys, as in ${g.name}[key].` : '';
    const see = where(g.loc) === where(loc) ? '' : ` (see ${where(g.loc)})`;
    this.fail(loc, `'${g.name}' is ${describe[g.shape]}${see}, so it cannot be used as ${describe[shape]} here.${hint}`);
  }

  private keys(g: GlobalSym, keys: AstExpr[], scope: Scope, loc: SourceLoc): Expr[] {
    this.shape(g, 'array', loc);
    if (!g.keyTypes) {
      g.keyTypes = keys.map(() => undefined);
      this.changed = true;
    }
    if (g.keyTypes.length !== keys.length) {
      this.fail(loc, `'${g.name}' is used with ${keys.length} key${keys.length === 1 ? '' : 's'} here but ${g.keyTypes.length} elsewhere; every use of an array needs the same number of keys.`);
    }
    return keys.map((k, i) => {
      const e = this.expr(k, scope, g.keyTypes![i]);
      this.agree(g.keyTypes![i], typeOf(e), (t) => (g.keyTypes![i] = t), k.loc, () => `key ${i + 1} of '${g.name}'`);
      return e;
    });
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
      case 'if':
        return { kind: 'if', test: this.condition(s.test, scope), then: this.stmt(s.then, scope), else: s.else ? this.stmt(s.else, scope) : undefined, loc };
      case 'while': {
        const test = this.condition(s.test, scope);
        scope.loops++;
        const body = this.stmt(s.body, scope);
        scope.loops--;
        return { kind: 'while', test, body, loc };
      }
      case 'for': {
        const init: Stmt | undefined = s.init ? this.exprStatement(s.init, scope, s.init.loc) : undefined;
        const test = s.test ? this.condition(s.test, scope) : undefined;
        const step = s.step ? this.expr(s.step, scope) : undefined;
        scope.loops++;
        const body = this.stmt(s.body, scope);
        scope.loops--;
        return { kind: 'for', init, test, step, body, loc };
      }
      case 'foreach':
        return this.foreach(s, scope);
      case 'break':
      case 'continue':
        if (scope.loops === 0) this.fail(loc, `'${s.kind}' is only allowed inside a loop (while, for, foreach).`);
        return { kind: s.kind, loc };
      case 'next':
        // from a function too: it leaves the probe handler that called it
        return { kind: 'next', loc };
      case 'return': {
        const fn = scope.fn;
        if (!fn) this.fail(loc, "'return' is only allowed in a function; use 'next' to leave a probe handler early.");
        if (!s.value) {
          if (fn!.returnType !== undefined && fn!.returnType !== 'void' && this.final && fn!.returnsValue) {
            this.fail(loc, `function '${fn!.ast.name}' returns a ${fn!.returnType}; 'return' needs a value here.`);
          }
          return { kind: 'return', loc };
        }
        fn!.returnsValue = true;
        if (fn!.returnType === 'void') this.fail(loc, `function '${fn!.ast.name}' returns no value elsewhere, so it cannot return one here.`);
        const value = this.expr(s.value, scope, fn!.returnType as T | undefined);
        this.agree(fn!.returnType as T | undefined, typeOf(value), (t) => (fn!.returnType = t), s.value.loc, () => `the return value of '${fn!.ast.name}'`);
        return { kind: 'return', value, loc };
      }
      case 'delete':
        return this.delete(s.target, scope, loc);
    }
  }

  private condition(e: AstExpr, scope: Scope): Expr {
    const ir = this.expr(e, scope, 'long');
    this.needType(ir, 'long', e.loc, 'a condition');
    return ir;
  }

  private delete(target: AstExpr, scope: Scope, loc: SourceLoc): Stmt {
    if (target.kind === 'index') {
      const g = this.global(target.name, target.nameLoc);
      const keys = this.keys(g, target.keys, scope, target.loc);
      return { kind: 'delete', target: { kind: 'element', global: g.index, keys }, loc };
    }
    if (target.kind === 'name') {
      const local = scope.locals.get(target.name);
      if (local) return { kind: 'delete', target: { kind: 'local', slot: local.slot }, loc };
      const g = this.globals.get(target.name);
      if (!g) this.fail(target.loc, `'delete ${target.name}': there is no variable '${target.name}'.`);
      if (g!.shape === 'array') return { kind: 'delete', target: { kind: 'array', global: g!.index }, loc };
      return { kind: 'delete', target: { kind: 'global', global: g!.index }, loc };
    }
    return this.fail(target.loc, "'delete' takes a variable, an array or an array element, as in delete a[k].");
  }

  private foreach(s: Extract<AstStmt, { kind: 'foreach' }>, scope: Scope): Stmt {
    const g = this.global(s.array, s.arrayLoc);
    this.shape(g, 'array', s.arrayLoc);
    if (!g.keyTypes) {
      g.keyTypes = s.keys.map(() => undefined);
      this.changed = true;
    }
    if (g.keyTypes.length !== s.keys.length) {
      this.fail(s.arrayLoc, `'${g.name}' has ${g.keyTypes.length} key${g.keyTypes.length === 1 ? '' : 's'}, but this foreach names ${s.keys.length}.`);
    }
    const keys = s.keys.map((k, i) => {
      const local = this.local(k.name, scope, k.loc);
      this.agree(local.type, g.keyTypes![i], (t) => (local.type = t), k.loc, () => `'${k.name}'`);
      this.agree(g.keyTypes![i], local.type, (t) => (g.keyTypes![i] = t), k.loc, () => `key ${i + 1} of '${g.name}'`);
      return local.slot;
    });
    let value: number | undefined;
    if (s.value) {
      const local = this.local(s.value.name, scope, s.value.loc);
      const valueType: T | undefined = g.elementStats ? 'long' : g.type;
      this.agree(local.type, valueType, (t) => (local.type = t), s.value.loc, () => `'${s.value!.name}'`);
      if (!g.elementStats) this.agree(g.type, local.type, (t) => (g.type = t), s.value.loc, () => `the values of '${g.name}'`);
      value = local.slot;
    }
    let sort: ForeachSort | undefined;
    const keyIndex = s.keys.findIndex((k) => k.sort);
    if (keyIndex >= 0) sort = { by: 'key', part: keyIndex, direction: s.keys[keyIndex].sort! };
    else if (s.valueSort) {
      if (s.valueSort.aggregate && !g.elementStats && this.final) this.fail(s.arrayLoc, `'${g.name}' does not hold statistics, so it cannot be sorted by @${s.valueSort.aggregate}.`);
      sort = { by: 'value', direction: s.valueSort.direction, aggregate: s.valueSort.aggregate as AggregateFn | undefined };
    }
    let limit: Expr | undefined;
    if (s.limit) {
      limit = this.expr(s.limit, scope, 'long');
      this.needType(limit, 'long', s.limit.loc, "foreach's limit");
    }
    scope.loops++;
    const body = this.stmt(s.body, scope);
    scope.loops--;
    return { kind: 'foreach', global: g.index, keys, value, sort, limit, body, loc: s.loc };
  }

  private exprStatement(e: AstExpr, scope: Scope, loc: SourceLoc): Stmt {
    if (e.kind === 'call' && STATEMENT_BUILTINS.has(e.name) && !this.functions.has(e.name)) return this.statementBuiltin(e, scope);
    if (e.kind === 'statsAdd') {
      const target = this.statsRef(e.target, scope);
      const value = this.expr(e.value, scope, 'long');
      this.needType(value, 'long', e.value.loc, 'a value added with <<<');
      return { kind: 'statsAdd', target, value, loc: e.loc };
    }
    return { kind: 'expr', expr: this.expr(e, scope), loc };
  }

  private statementBuiltin(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): Stmt {
    const loc = e.loc;
    switch (e.name) {
      case 'printf': {
        const { format, args } = this.formatted(e, scope);
        return { kind: 'printf', format, args, loc };
      }
      case 'print':
      case 'println': {
        const hist = e.args.find((a) => a.kind === 'aggregate' && a.fn.startsWith('hist_'));
        if (hist && hist.kind === 'aggregate') {
          if (e.args.length !== 1) this.fail(hist.loc, `a histogram is printed on its own: ${e.name}(@${hist.fn}(x)).`);
          return { kind: 'printHist', source: this.statsRef(hist.operand, scope), hist: this.histSpec(hist), loc };
        }
        if (e.name === 'print' && e.args.length === 0) this.fail(loc, 'print needs something to print, as in print(x).');
        const args = e.args.map((a) => {
          const ir = this.expr(a, scope);
          this.needValue(ir, a.loc);
          return ir;
        });
        return { kind: 'print', args, newline: e.name === 'println', loc };
      }
      case 'exit':
        this.arity(e, 0);
        return { kind: 'exit', loc };
      case 'error': {
        this.arity(e, 1);
        const message = this.expr(e.args[0], scope, 'string');
        this.needType(message, 'string', e.args[0].loc, "error()'s message");
        return { kind: 'error', message, loc };
      }
      case 'print_ubacktrace':
        this.arity(e, 0);
        return { kind: 'printBacktrace', loc };
    }
    return this.fail(loc, `'${e.name}' is not a statement.`);
  }

  private histSpec(e: Extract<AstExpr, { kind: 'aggregate' }>): HistSpec {
    if (e.fn === 'hist_log') return { kind: 'log' };
    const nums = e.args.map((a) => {
      const v = constantLong(a);
      if (v === undefined) this.fail(a.loc, "@hist_linear's low, high and step must be number literals.");
      return v!;
    });
    const [low, high, step] = nums;
    if (step <= 0n) this.fail(e.args[2].loc, "@hist_linear's step must be positive.");
    if (high <= low) this.fail(e.args[1].loc, "@hist_linear's high must be above its low.");
    if ((high - low) / step > 10000n) this.fail(e.args[2].loc, '@hist_linear would have more than 10000 buckets; use a larger step.');
    return { kind: 'linear', low, high, step };
  }

  private formatted(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): { format: number; args: Expr[] } {
    const first = e.args[0];
    if (!first) this.fail(e.loc, `${e.name} needs a format string, as in ${e.name}("%d\\n", x).`);
    if (first.kind !== 'string') this.fail(first.loc, `${e.name}'s format must be a string literal.`);
    let format: FormatIR;
    try {
      format = parseFormat((first as { value: string }).value, first.loc);
    } catch (error) {
      if (error instanceof FormatProblem) this.fail(first.loc, error.message);
      throw error;
    }
    const types = formatArgTypes(format!);
    const given = e.args.slice(1);
    if (given.length !== types.length) {
      this.fail(given.length > types.length ? given[types.length].loc : e.loc, `the format "${escapeText(format!.text)}" takes ${types.length} value${types.length === 1 ? '' : 's'}, but ${given.length} ${given.length === 1 ? 'was' : 'were'} given.`);
    }
    const args = given.map((a, i) => {
      const ir = this.expr(a, scope, types[i]);
      this.needType(ir, types[i], a.loc, `value ${i + 1} of this format`);
      return ir;
    });
    this.formats.push(format!);
    return { format: this.formats.length - 1, args };
  }

  // ───────────── expressions ─────────────

  private needType(e: Expr, wanted: T, loc: SourceLoc, what: string): void {
    this.needValue(e, loc);
    const t = typeOf(e);
    if (t === undefined) {
      return;
    }
    if (t !== wanted) {
      const hint = wanted === 'long' ? '' : wanted === 'string' ? ' (convert a number with sprintf("%d", n))' : '';
      this.fail(loc, `type mismatch: ${what} must be a ${wanted}, but this is a ${t}${hint}.`);
    }
  }

  /** A call of a function that returns nothing has no value to use. */
  private needValue(e: Expr, loc: SourceLoc): void {
    if (e.op === 'call' && e.type === 'void') this.fail(loc, `function '${this.functionName(e.function)}' returns no value, so its result cannot be used.`);
  }

  private functionName(index: number): string {
    return [...this.functions.values()].find((f) => f.index === index)?.ast.name ?? '?';
  }

  private global(name: string, loc: SourceLoc): GlobalSym {
    const g = this.globals.get(name);
    if (!g) this.fail(loc, `there is no array '${name}'.`);
    return g!;
  }

  private local(name: string, scope: Scope, _loc: SourceLoc): LocalSym {
    let l = scope.locals.get(name);
    if (!l) {
      l = { name, slot: scope.list.length };
      scope.locals.set(name, l);
      scope.list.push(l);
    }
    return l;
  }

  private statsRef(e: AstExpr, scope: Scope): StatsRef {
    if (e.kind === 'name') {
      if (scope.locals.has(e.name)) this.fail(e.loc, `'${e.name}' is a local variable; statistics must be globals.`);
      const g = this.global(e.name, e.loc);
      this.shape(g, 'stats', e.loc);
      return { global: g.index };
    }
    if (e.kind === 'index') {
      const g = this.global(e.name, e.nameLoc);
      const keys = this.keys(g, e.keys, scope, e.loc);
      if (!g.elementStats) {
        if (g.type !== undefined) this.fail(e.loc, `'${g.name}' holds ${g.type}s (see ${where(g.loc)}), so its elements cannot be statistics.`);
        g.elementStats = true;
        this.changed = true;
      }
      return { global: g.index, keys };
    }
    return this.fail(e.loc, 'only a global variable or an array element can hold statistics (x <<< v, x[k] <<< v).');
  }

  private expr(e: AstExpr, scope: Scope, want?: T): Expr {
    const loc = e.loc;
    switch (e.kind) {
      case 'number':
        return { op: 'long', type: 'long', value: BigInt.asIntN(64, e.value), loc };
      case 'string':
        return { op: 'string', type: 'string', value: e.value, loc };
      case 'name': {
        const local = scope.locals.get(e.name);
        if (local) {
          this.agree(local.type, want, (t) => (local.type = t), loc, () => `'${e.name}'`);
          return { op: 'local', type: local.type as T, slot: local.slot, loc };
        }
        const g = this.globals.get(e.name);
        if (g) {
          this.shape(g, 'scalar', loc);
          this.agree(g.type, want, (t) => (g.type = t), loc, () => `'${e.name}'`);
          return { op: 'global', type: g.type as T, global: g.index, loc };
        }
        const created = this.local(e.name, scope, loc);
        this.agree(created.type, want, (t) => (created.type = t), loc, () => `'${e.name}'`);
        return { op: 'local', type: created.type as T, slot: created.slot, loc };
      }
      case 'index': {
        const g = this.global(e.name, e.nameLoc);
        const keys = this.keys(g, e.keys, scope, loc);
        if (g.elementStats) this.fail(loc, `'${g.name}' holds statistics; read an element with @count(${g.name}[...]), @sum, @min, @max or @avg.`);
        this.agree(g.type, want, (t) => (g.type = t), loc, () => `the values of '${g.name}'`);
        return { op: 'arrayGet', type: g.type as T, global: g.index, keys, loc };
      }
      case 'in': {
        const g = this.global(e.name, e.nameLoc);
        const keys = this.keys(g, e.keys, scope, loc);
        return { op: 'arrayIn', type: 'long', global: g.index, keys, loc };
      }
      case 'target':
      case 'entry':
        return this.target(e, scope, want);
      case 'aggregate': {
        if (e.fn.startsWith('hist_')) this.fail(loc, `@${e.fn} can only be printed, as in print(@${e.fn}(x)).`);
        return { op: 'aggregate', type: 'long', fn: e.fn as AggregateFn, source: this.statsRef(e.operand, scope), loc };
      }
      case 'call':
        return this.call(e, scope, want);
      case 'statsAdd':
        return this.fail(loc, "'<<<' adds a value to a statistic as a statement of its own; it has no value.");
      case 'unary': {
        const operand = this.expr(e.operand, scope, 'long');
        this.needType(operand, 'long', e.operand.loc, `the operand of '${e.operator}'`);
        return { op: 'unary', type: 'long', operator: e.operator, operand, loc };
      }
      case 'binary':
        return this.binary(e, scope, want);
      case 'conditional': {
        const test = this.condition(e.test, scope);
        let then = this.expr(e.then, scope, want);
        const otherwise = this.expr(e.else, scope, want ?? typeOf(then));
        if (typeOf(then) === undefined && typeOf(otherwise) !== undefined) then = this.expr(e.then, scope, typeOf(otherwise));
        const tt = typeOf(then), et = typeOf(otherwise);
        if (tt !== undefined && et !== undefined && tt !== et) this.fail(e.else.loc, `type mismatch: the two branches of '?:' must have the same type, but one is a ${tt} and the other a ${et}.`);
        return { op: 'conditional', type: (tt ?? et) as T, test, then, else: otherwise, loc };
      }
      case 'assign':
        return this.assign(e, scope, want);
      case 'incdec': {
        const target = this.lvalue(e.target, scope, 'long', `'${e.delta > 0 ? '++' : '--'}'`);
        return { op: 'incdec', type: 'long', target: target.lvalue, delta: e.delta, prefix: e.prefix, loc };
      }
    }
  }

  private binary(e: Extract<AstExpr, { kind: 'binary' }>, scope: Scope, want?: T): Expr {
    const loc = e.loc;
    const op = e.operator;
    if (op === '&&' || op === '||') {
      return { op: 'logical', type: 'long', operator: op, left: this.condition(e.left, scope), right: this.condition(e.right, scope), loc };
    }
    if (op === '.') {
      const left = this.expr(e.left, scope, 'string');
      const right = this.expr(e.right, scope, 'string');
      this.needType(left, 'string', e.left.loc, "the left side of '.'");
      this.needType(right, 'string', e.right.loc, "the right side of '.'");
      if (want === 'long') this.fail(loc, "type mismatch: '.' joins strings, but a long is needed here.");
      return { op: 'concat', type: 'string', left, right, loc };
    }
    if (COMPARE_OPS.has(op)) {
      let left = this.expr(e.left, scope);
      const right = this.expr(e.right, scope, typeOf(left));
      if (typeOf(left) === undefined && typeOf(right) !== undefined) left = this.expr(e.left, scope, typeOf(right));
      const lt = typeOf(left), rt = typeOf(right);
      if (lt !== undefined && rt !== undefined && lt !== rt) this.fail(loc, `type mismatch: '${op}' compares a ${lt} with a ${rt}; both sides must be longs or both strings.`);
      return { op: 'compare', type: 'long', operator: op as CompareOp, left, right, loc };
    }
    if (ARITH_OPS.has(op)) {
      const left = this.expr(e.left, scope, 'long');
      const right = this.expr(e.right, scope, 'long');
      const lt = typeOf(left), rt = typeOf(right);
      if (lt === 'string' || rt === 'string') {
        this.fail(loc, `type mismatch: '${op}' works on longs, but ${lt === 'string' && rt === 'string' ? 'both sides are strings' : `the ${lt === 'string' ? 'left' : 'right'} side is a string`}${op === '+' ? "; join strings with '.'" : ''}.`);
      }
      return { op: 'binary', type: 'long', operator: op as BinaryOp, left, right, loc };
    }
    return this.fail(loc, `'${op}' is not an operator utap knows.`);
  }

  private assign(e: Extract<AstExpr, { kind: 'assign' }>, scope: Scope, want?: T): Expr {
    const op = e.operator;
    if (op === '=') {
      const probe = this.lvalue(e.target, scope, undefined, "'='", true);
      const value = this.expr(e.value, scope, probe.type ?? want);
      this.needValue(value, e.value.loc);
      const vt = typeOf(value);
      const target = this.lvalue(e.target, scope, vt ?? want, "'='");
      if (target.type !== undefined && vt !== undefined && target.type !== vt) {
        this.fail(e.value.loc, `type mismatch: ${target.describe} is a ${target.type}, but the value assigned is a ${vt}.`);
      }
      return { op: 'assign', type: (target.type ?? vt) as T, operator: '=', target: target.lvalue, value, loc: e.loc };
    }
    const type: T = op === '.=' ? 'string' : 'long';
    const target = this.lvalue(e.target, scope, type, `'${op}'`);
    const value = this.expr(e.value, scope, type);
    this.needType(value, type, e.value.loc, `the right side of '${op}'`);
    return { op: 'assign', type, operator: op as AssignOp, target: target.lvalue, value, loc: e.loc };
  }

  /** An assignable place; `want` records its type. `peek` only looks (no creation, no errors for new locals). */
  private lvalue(e: AstExpr, scope: Scope, want: T | undefined, what: string, peek = false): { lvalue: LValue; type?: T; describe: string } {
    switch (e.kind) {
      case 'name': {
        const local = scope.locals.get(e.name);
        if (local) {
          if (!peek) this.agree(local.type, want, (t) => (local.type = t), e.loc, () => `'${e.name}'`);
          return { lvalue: { kind: 'local', slot: local.slot }, type: local.type, describe: `'${e.name}'` };
        }
        const g = this.globals.get(e.name);
        if (g) {
          if (g.shape === 'stats') this.fail(e.loc, `'${g.name}' is a statistic; add values to it with ${g.name} <<< value.`);
          if (g.shape === 'array') this.fail(e.loc, `'${g.name}' is an array; assign to an element, as in ${g.name}[key] = value.`);
          if (!peek) {
            this.shape(g, 'scalar', e.loc);
            this.agree(g.type, want, (t) => (g.type = t), e.loc, () => `'${e.name}'`);
          }
          return { lvalue: { kind: 'global', global: g.index }, type: g.type, describe: `'${e.name}'` };
        }
        if (peek) return { lvalue: { kind: 'local', slot: -1 }, type: undefined, describe: `'${e.name}'` };
        const created = this.local(e.name, scope, e.loc);
        this.agree(created.type, want, (t) => (created.type = t), e.loc, () => `'${e.name}'`);
        return { lvalue: { kind: 'local', slot: created.slot }, type: created.type, describe: `'${e.name}'` };
      }
      case 'index': {
        const g = this.global(e.name, e.nameLoc);
        if (g.elementStats) this.fail(e.loc, `the elements of '${g.name}' are statistics; add values with ${g.name}[...] <<< value.`);
        if (peek) return { lvalue: { kind: 'local', slot: -1 }, type: g.type, describe: `the values of '${g.name}'` };
        const keys = this.keys(g, e.keys, scope, e.loc);
        this.agree(g.type, want, (t) => (g.type = t), e.loc, () => `the values of '${g.name}'`);
        return { lvalue: { kind: 'element', global: g.index, keys }, type: g.type, describe: `the values of '${g.name}'` };
      }
      case 'target': {
        if (peek) return { lvalue: { kind: 'local', slot: -1 }, type: targetType(e), describe: `$${e.name}` };
        if (!this.input.guru) this.fail(e.loc, `changing $${e.name} changes the traced program; run utap with -g (guru mode) to allow it.`);
        if (e.pretty || e.addressOf || e.name.startsWith('$')) this.fail(e.loc, `$${e.name}${e.pretty ?? ''} cannot be assigned; assign a variable or a member.`);
        const ir = this.target(e, scope, want);
        if (ir.op !== 'target') this.fail(e.loc, 'this cannot be assigned.');
        if (want === 'string') this.fail(e.loc, `$${e.name} is a number in the target; a string cannot be stored in it.`);
        return { lvalue: { kind: 'target', ref: (ir as Extract<Expr, { op: 'target' }>).ref }, type: 'long', describe: `$${e.name}` };
      }
      case 'call':
        if (e.name === 'register' && !peek) {
          if (!this.input.guru) this.fail(e.loc, 'changing a register changes the traced program; run utap with -g (guru mode) to allow it.');
          const reg = this.registerName(e);
          return { lvalue: { kind: 'reg', reg }, type: 'long', describe: `register("${reg}")` };
        }
        if (e.name === 'register') return { lvalue: { kind: 'local', slot: -1 }, type: 'long', describe: 'register' };
        break;
    }
    if (peek) return { lvalue: { kind: 'local', slot: -1 }, type: undefined, describe: 'this' };
    return this.fail(e.loc, `${what} needs a variable, an array element${this.input.guru ? ' or a target variable' : ''} on its left.`);
  }

  private target(e: Extract<AstExpr, { kind: 'target' | 'entry' }>, scope: Scope, want?: T): Expr {
    let atEntry = false;
    let t = e;
    if (t.kind === 'entry') {
      if (t.operand.kind !== 'target') this.fail(t.operand.loc, '@entry takes a target variable, as in @entry($n).');
      atEntry = true;
      t = t.operand;
    }
    const target = t as Extract<AstExpr, { kind: 'target' }>;
    if (!scope.targetVars) {
      this.fail(target.loc, `$${target.name} is a target variable; those only exist in process probes (process("...").function("...")), not in ${scope.fn ? 'functions' : 'this probe'}.`);
    }
    const path: TargetStep[] = target.path.map((step) => {
      if (step.kind === 'member') return step;
      const index = this.expr(step.index, scope, 'long');
      this.needType(index, 'long', step.index.loc, 'a subscript');
      return { kind: 'index', index };
    });
    const ref: TargetRef = { name: target.name, path, atEntry };
    if (target.pretty) ref.pretty = target.pretty;
    if (target.addressOf) ref.addressOf = true;
    const type = targetType(target);
    if (want !== undefined && want !== type) {
      this.fail(e.loc, `type mismatch: $${target.name}${target.pretty ?? ''} is a ${type}${type === 'long' ? ' (for a char* use user_string($' + target.name + '))' : ''}, but a ${want} is needed here.`);
    }
    return { op: 'target', type, ref, loc: e.loc };
  }

  private arity(e: Extract<AstExpr, { kind: 'call' }>, n: number, m = n): void {
    if (e.args.length < n || e.args.length > m) {
      const count = n === m ? `${n} argument${n === 1 ? '' : 's'}` : `${n} to ${m} arguments`;
      this.fail(e.loc, `${e.name}() takes ${count}, not ${e.args.length}.`);
    }
  }

  private registerName(e: Extract<AstExpr, { kind: 'call' }>): RegName {
    this.arity(e, 1);
    const a = e.args[0];
    if (a.kind !== 'string') this.fail(a.loc, 'register() takes a register name in quotes, as in register("rdi").');
    const name = (a as { value: string }).value;
    if (!(REG_NAMES as readonly string[]).includes(name)) this.fail(a.loc, `'${name}' is not an x86-64 register utap knows (${REG_NAMES.join(', ')}).`);
    return name as RegName;
  }

  private argNumber(e: Extract<AstExpr, { kind: 'call' }>): number {
    this.arity(e, 1);
    const n = constantLong(e.args[0]);
    if (n === undefined || n < 1n || n > 6n) this.fail(e.args[0].loc, `${e.name}(n) takes a number from 1 to 6: the register arguments of the x86-64 calling convention.`);
    return Number(n);
  }

  private call(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope, want?: T): Expr {
    const loc = e.loc;
    const fn = this.functions.get(e.name);
    if (fn) return this.userCall(e, fn, scope, want);
    const result = (ir: Expr): Expr => {
      const t = typeOf(ir);
      if (want !== undefined && t !== undefined && t !== want) this.fail(loc, `type mismatch: ${e.name}() gives a ${t}, but a ${want} is needed here.`);
      return ir;
    };
    const longArg = (i: number): Expr => {
      const ir = this.expr(e.args[i], scope, 'long');
      this.needType(ir, 'long', e.args[i].loc, `argument ${i + 1} of ${e.name}()`);
      return ir;
    };
    if (STATEMENT_BUILTINS.has(e.name)) this.fail(loc, `${e.name}() does not give a value; call it as a statement of its own.`);
    if (e.name in UNSUPPORTED) this.fail(loc, `${e.name}() is not available: ${UNSUPPORTED[e.name]}`);
    const context = CONTEXT_FUNCTIONS[e.name];
    if (context) {
      this.arity(e, 0);
      const type = context === 'execname' || context === 'pp' || context === 'probefunc' || context === 'ubacktrace' ? 'string' : 'long';
      return result({ op: 'context', type, what: context, loc });
    }
    const clock = CLOCK_FUNCTIONS[e.name];
    if (clock) {
      this.arity(e, 0);
      const now: Expr = { op: 'context', type: 'long', what: clock.what, loc };
      return result(clock.divisor === 1n ? now : { op: 'binary', type: 'long', operator: '/', left: now, right: { op: 'long', type: 'long', value: clock.divisor, loc }, loc });
    }
    const read = USER_READS[e.name];
    if (read) {
      this.arity(e, 1);
      return result({ op: 'userRead', type: 'long', addr: longArg(0), size: read.size, signed: read.signed, loc });
    }
    const arg = ARG_FUNCTIONS[e.name];
    if (arg) {
      const n = this.argNumber(e);
      const reg: Expr = { op: 'reg', type: 'long', reg: ARG_REGS[n - 1], loc };
      if (arg.bits === 64) return result(reg);
      const lit = (v: bigint): Expr => ({ op: 'long', type: 'long', value: v, loc });
      return result(
        arg.signed
          ? { op: 'binary', type: 'long', operator: '>>', left: { op: 'binary', type: 'long', operator: '<<', left: reg, right: lit(32n), loc }, right: lit(32n), loc }
          : { op: 'binary', type: 'long', operator: '&', left: reg, right: lit(0xffffffffn), loc },
      );
    }
    switch (e.name) {
      case 'register':
        return result({ op: 'reg', type: 'long', reg: this.registerName(e), loc });
      case 'returnval':
        this.arity(e, 0);
        return result({ op: 'reg', type: 'long', reg: 'rax', loc });
      case 'user_string':
      case 'user_string_n': {
        const n = e.name === 'user_string' ? 1 : 2;
        if (e.name === 'user_string' && e.args.length === 2) this.fail(loc, 'user_string(addr, default) is not supported; a bad address is a runtime error that runs the error probes.');
        this.arity(e, n);
        return result({ op: 'userString', type: 'string', addr: longArg(0), maxLen: n === 2 ? longArg(1) : undefined, loc });
      }
      case 'sprintf': {
        const { format, args } = this.formatted(e, scope);
        return result({ op: 'sprintf', type: 'string', format, args, loc });
      }
      case 'sprint_ubacktrace':
        if (e.args.length === 0) return result({ op: 'builtin', type: 'string', name: 'sprint_ubacktrace', args: [{ op: 'context', type: 'string', what: 'ubacktrace', loc }], loc });
        break;
    }
    if (e.name in BUILTINS) {
      const spec = BUILTINS[e.name as BuiltinName];
      this.arity(e, spec.args.length);
      const args = e.args.map((a, i) => {
        const wantArg = spec.args[i] as T;
        const ir = this.expr(a, scope, wantArg);
        this.needType(ir, wantArg, a.loc, `argument ${i + 1} of ${e.name}()`);
        return ir;
      });
      return result({ op: 'builtin', type: spec.returns as T, name: e.name as BuiltinName, args, loc });
    }
    return this.fail(loc, `there is no function '${e.name}' (not in the script, its tapsets or utap's builtins).`);
  }

  private userCall(e: Extract<AstExpr, { kind: 'call' }>, fn: FunctionSym, scope: Scope, want?: T): Expr {
    if (e.args.length !== fn.params.length) {
      this.fail(e.loc, `function '${fn.ast.name}' takes ${fn.params.length} argument${fn.params.length === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given.`);
    }
    const args = e.args.map((a, i) => {
      const p = fn.params[i];
      const ir = this.expr(a, scope, p.type);
      this.agree(p.type, typeOf(ir), (t) => (p.type = t), a.loc, () => `parameter '${p.name}' of '${fn.ast.name}'`);
      return ir;
    });
    if (want !== undefined) {
      if (fn.returnType === 'void') this.fail(e.loc, `function '${fn.ast.name}' returns no value, so its result cannot be used.`);
      this.agree(fn.returnType as T | undefined, want, (t) => (fn.returnType = t), e.loc, () => `the return value of '${fn.ast.name}'`);
    }
    const type = fn.returnType === undefined ? undefined : fn.returnType;
    return { op: 'call', type: type as Expr['type'], function: fn.index, args, loc: e.loc } as Expr;
  }
}

// ───────────── helpers ─────────────

function typeOf(e: Expr): T | undefined {
  const t = e.type as string | undefined;
  return t === 'long' || t === 'string' ? t : undefined;
}

function targetType(e: Extract<AstExpr, { kind: 'target' }>): T {
  return e.pretty || e.name.startsWith('$') ? 'string' : 'long';
}

function decl(l: LocalSym): LocalDecl {
  return { name: l.name, type: l.type ?? 'long' };
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

function constantLong(e: AstExpr): bigint | undefined {
  if (e.kind === 'number') return BigInt.asIntN(64, e.value);
  if (e.kind === 'unary' && e.operator === '-') {
    const v = constantLong(e.operand);
    return v === undefined ? undefined : BigInt.asIntN(64, -v);
  }
  return undefined;
}

function isBuiltinName(name: string): boolean {
  return (
    name in BUILTINS || name in CONTEXT_FUNCTIONS || name in CLOCK_FUNCTIONS || name in USER_READS || name in ARG_FUNCTIONS || STATEMENT_BUILTINS.has(name) ||
    ['register', 'returnval', 'user_string', 'user_string_n', 'sprintf', 'sprint_ubacktrace'].includes(name)
  );
}

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/"/g, '\\"');
}

function pointText(p: AstProbePoint): string {
  return p.components
    .map((c) => (c.arg === undefined ? c.name : typeof c.arg === 'string' ? `${c.name}("${escapeText(c.arg)}")` : `${c.name}(${c.arg})`))
    .join('.');
}

function pointIR(p: AstProbePoint): ProbePointIR {
  return { text: pointText(p), components: p.components.map((c) => (c.arg === undefined ? { name: c.name } : { name: c.name, arg: c.arg })), optional: p.optional, loc: p.loc };
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

/** Calls `onExpr` on every expression and `onStmt` on every statement of a syntax tree. */
export function visitAst(s: AstStmt, onExpr: (e: AstExpr) => void, onStmt?: (s: AstStmt) => void): void {
  const ex = (e: AstExpr | undefined): void => {
    if (!e) return;
    onExpr(e);
    switch (e.kind) {
      case 'index':
        e.keys.forEach(ex);
        return;
      case 'in':
        e.keys.forEach(ex);
        return;
      case 'target':
        for (const step of e.path) if (step.kind === 'index') ex(step.index);
        return;
      case 'entry':
        ex(e.operand);
        return;
      case 'call':
        e.args.forEach(ex);
        return;
      case 'aggregate':
        ex(e.operand);
        e.args.forEach(ex);
        return;
      case 'binary':
        ex(e.left);
        ex(e.right);
        return;
      case 'unary':
        ex(e.operand);
        return;
      case 'conditional':
        ex(e.test);
        ex(e.then);
        ex(e.else);
        return;
      case 'assign':
      case 'statsAdd':
        ex(e.target);
        ex(e.value);
        return;
      case 'incdec':
        ex(e.target);
        return;
      default:
        return;
    }
  };
  const st = (s: AstStmt): void => {
    onStmt?.(s);
    switch (s.kind) {
      case 'block':
        s.body.forEach(st);
        return;
      case 'expr':
        ex(s.expr);
        return;
      case 'if':
        ex(s.test);
        st(s.then);
        if (s.else) st(s.else);
        return;
      case 'while':
        ex(s.test);
        st(s.body);
        return;
      case 'for':
        ex(s.init);
        ex(s.test);
        ex(s.step);
        st(s.body);
        return;
      case 'foreach':
        ex(s.limit);
        st(s.body);
        return;
      case 'return':
        ex(s.value);
        return;
      case 'delete':
        ex(s.target);
        return;
      default:
        return;
    }
  };
  st(s);
}
