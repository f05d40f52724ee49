// Pass 2 of the checker, types and meaning: walks the syntax trees of every probe and function
// and learns, the way SystemTap does, what each global is (scalar, array, statistic), the type
// of every variable, array key and value, parameter and return value (long or string, never an
// implicit conversion). Types flow both ways (`x = f()` types x from f, `f(x)` types f's
// parameter from x), so the walk repeats until nothing new is learned; what no use ever types is
// a long. It also rejects every other misuse (wrong arity, `break` outside a loop, target
// variables outside process probes, writes without -g ...), so the lowering after it cannot
// fail. Errors are collected one per probe or function body.
import { BUILTINS, REG_NAMES, type BuiltinName, type RegName, type SourceLoc } from '../ir/ir';
import type { AstExpr, AstStmt } from './ast';
import { visitAst } from './ast-walk';
import { ARG_FUNCTIONS, CLOCK_FUNCTIONS, CONTEXT_FUNCTIONS, STATEMENT_BUILTINS, SUB_REGISTERS, UNSUPPORTED, USER_READS } from './builtins';
import type { Diagnostics } from './diagnostic';
import { ForeachWrites } from './foreach-writes';
import { formatArgTypes, FormatProblem, parseFormat } from './format';
import { histogramOf, PRINT_FAMILY } from './print-family';
import { constantLong, escapeText, localOf, targetType, where, type FunctionSym, type GlobalSym, type Resolved, type Scope, type T } from './symbols';

/** An expression's type as far as known; 'void' for a call of a function returning nothing. */
type Ty = T | 'void' | undefined;

const ARITH_OPS = new Set(['+', '-', '*', '/', '%', '<<', '>>', '>>>', '&', '|', '^']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export interface TypeInput {
  resolved: Resolved;
  guru: boolean;
  diag: Diagnostics;
}

/** Types every symbol of `resolved` in place (shapes, types, key types, return types). */
export function inferTypes(input: TypeInput): void {
  new TypeChecker(input).run();
}

const value = (t: Ty): T | undefined => (t === 'long' || t === 'string' ? t : undefined);

class TypeChecker {
  private readonly diag: Diagnostics;
  private readonly globals: Map<string, GlobalSym>;
  private readonly functions: Map<string, FunctionSym>;
  private changed = false;
  private final = false;
  private readonly foreachWrites: ForeachWrites;
  /** The probe or function being walked. */
  private current: object | undefined;
  /** Bodies that failed: not walked again, so one mistake is reported once. */
  private readonly failed = new Set<object>();

  constructor(private readonly input: TypeInput) {
    this.diag = input.diag;
    this.globals = input.resolved.globals;
    this.functions = input.resolved.functions;
    this.foreachWrites = new ForeachWrites(this.functions);
  }

  private fail(loc: SourceLoc, reason: string): never {
    return this.diag.error(loc, reason);
  }

  run(): void {
    // Types flow up calls (return values) and down them (arguments): rounds alternate between
    // walking callees first and callers first (probes before functions), so a long chain of
    // calls settles in a round or two instead of one call per round.
    const calleesFirst = this.calleesFirst();
    const callersFirst = [...calleesFirst].reverse();
    for (let round = 0; round < 50; round++) {
      this.changed = false;
      this.walkEverything(round % 2 === 0 ? calleesFirst : callersFirst, round % 2 === 1);
      if (!this.changed) break;
    }
    // as in SystemTap, a variable no use gives a type is an error (reported when nothing else
    // is wrong: a mistake elsewhere often leaves types unsettled)
    const errorsBefore = this.diag.count;
    const unresolved = this.unresolved();
    this.defaultUnknownTypes();
    this.walkEverything();
    this.defaultUnknownTypes();
    this.final = true;
    this.walkEverything();
    if (this.diag.count === errorsBefore) for (const u of unresolved) this.diag.report(u.loc, u.message);
  }

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
      // an explicit stack: a chain of thousands of calls must not overflow V8's
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

  /** Walks every function (in `order`) and probe body; `probesFirst` walks the probes before the functions. */
  private walkEverything(order: Iterable<FunctionSym> = this.functions.values(), probesFirst = false): void {
    const walkProbes = () => {
      for (const p of this.input.resolved.probes) {
        if (this.failed.has(p)) continue;
        this.current = p;
        const ok = this.diag.collect(() => {
          for (const c of p.conditions) this.condition(c, p.scope);
          for (const b of p.bodies) this.stmt(b, p.scope);
        });
        if (!ok) this.failed.add(p);
      }
    };
    if (probesFirst) walkProbes();
    for (const f of order) {
      if (this.failed.has(f)) continue;
      f.returnsValue = false;
      this.current = f;
      if (!this.diag.collect(() => this.stmt(f.ast.body, f.scope))) this.failed.add(f);
      if (f.returnType === undefined && this.final) f.returnType = f.returnsValue ? 'long' : 'void';
    }
    if (!probesFirst) walkProbes();
  }

  /** Variables whose type nothing settles: SystemTap's "unresolved type". */
  private unresolved(): Array<{ loc: SourceLoc; message: string }> {
    const out: Array<{ loc: SourceLoc; message: string }> = [];
    const diag = { report: (loc: SourceLoc, message: string) => out.push({ loc, message }) };
    const why = (name: string) => `cannot tell whether '${name}' is a long or a string: no use of it says; give it a value somewhere (${name} = 0 or ${name} = "").`;
    const live = (user: object) => !this.failed.has(user) && (!('ast' in user) || (user as FunctionSym).called === true);
    for (const g of this.globals.values()) {
      if (![...(g.usedBy ?? [])].some(live)) continue;
      if (g.shape === 'scalar' && g.type === undefined) diag.report(g.loc, why(g.name));
      else if (g.shape === 'array') {
        if (g.keyTypes?.some((t) => t === undefined)) diag.report(g.loc, `cannot tell the key types of '${g.name}': no use of it says.`);
        else if (!g.elementStats && g.type === undefined) diag.report(g.loc, `cannot tell whether the values of '${g.name}' are longs or strings: no use of them says.`);
      }
    }
    const scopes = [...this.input.resolved.probes.filter((p) => !this.failed.has(p)).map((p) => p.scope), ...[...this.functions.values()].filter((f) => f.called && !this.failed.has(f)).map((f) => f.scope)];
    for (const scope of scopes) for (const l of scope.list) if (l.type === undefined && l.loc) diag.report(l.loc, why(l.name));
    return out;
  }

  private defaultUnknownTypes(): void {
    const scopes = [...this.input.resolved.probes.map((p) => p.scope), ...[...this.functions.values()].map((f) => f.scope)];
    for (const scope of scopes) for (const l of scope.list) l.type ??= 'long';
    for (const f of this.functions.values()) f.returnType ??= f.returnsValue ? 'long' : 'void';
    for (const g of this.globals.values()) {
      if (g.shape === 'stats') continue;
      if (g.shape === 'array') {
        g.keyTypes = (g.keyTypes ?? ['long']).map((t) => t ?? 'long');
        if (!g.elementStats) g.type ??= 'long';
      } else g.type ??= 'long';
    }
  }

  // ───────────── learning types ─────────────

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
    if (this.current) (g.usedBy ??= new Set()).add(this.current);
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

  /** The keys of an array use; `null` entries are the `*` of a slice. */
  private keys(g: GlobalSym, keys: Array<AstExpr | null>, scope: Scope, loc: SourceLoc): void {
    this.shape(g, 'array', loc);
    if (!g.keyTypes) {
      g.keyTypes = keys.map(() => undefined);
      this.changed = true;
    }
    if (g.keyTypes.length !== keys.length) {
      this.fail(loc, `'${g.name}' is used with ${keys.length} key${keys.length === 1 ? '' : 's'} here but ${g.keyTypes.length} elsewhere; every use of an array needs the same number of keys.`);
    }
    keys.forEach((k, i) => {
      if (k === null) return;
      const t = this.expr(k, scope, g.keyTypes![i]);
      this.needValue(k, t);
      this.agree(g.keyTypes![i], value(t), (x) => (g.keyTypes![i] = x), k.loc, () => `key ${i + 1} of '${g.name}'`);
    });
  }

  private needType(e: AstExpr, t: Ty, wanted: T, what: string): void {
    this.needValue(e, t);
    if (t === undefined) return;
    if (t !== wanted) {
      const hint = wanted === 'string' ? ' (convert a number with sprintf("%d", n))' : '';
      this.fail(e.loc, `type mismatch: ${what} must be a ${wanted}, but this is a ${t}${hint}.`);
    }
  }

  /** A call of a function that returns nothing has no value to use. */
  private needValue(e: AstExpr, t: Ty): void {
    if (t === 'void' && e.kind === 'call') this.fail(e.loc, `function '${e.name}' returns no value, so its result cannot be used.`);
  }

  private global(name: string, loc: SourceLoc): GlobalSym {
    const g = this.globals.get(name);
    if (!g) this.fail(loc, `there is no array '${name}'.`);
    return g!;
  }

  // ───────────── statements ─────────────

  private stmt(s: AstStmt, scope: Scope): void {
    const loc = s.loc;
    switch (s.kind) {
      case 'block':
        for (const b of s.body) this.stmt(b, scope);
        return;
      case 'empty':
        return;
      case 'expr':
        this.exprStatement(s.expr, scope);
        return;
      case 'if': {
        this.condition(s.test, scope);
        const known = staticTest(s.test, scope);
        if (known !== false) this.stmt(s.then, scope);
        if (s.else && known !== true) this.stmt(s.else, scope);
        return;
      }
      case 'while':
        this.condition(s.test, scope);
        this.loopBody(s.body, scope);
        return;
      case 'for':
        if (s.init) this.exprStatement(s.init, scope);
        if (s.test) this.condition(s.test, scope);
        if (s.step) this.expr(s.step, scope);
        this.loopBody(s.body, scope);
        return;
      case 'foreach':
        this.foreach(s, scope);
        return;
      case 'break':
      case 'continue':
        if (scope.loops === 0) this.fail(loc, `'${s.kind}' is only allowed inside a loop (while, for, foreach).`);
        return;
      case 'next':
        // from a function too: it leaves the probe handler that called it
        return;
      case 'return': {
        const fn = scope.fn;
        if (!fn) this.fail(loc, "'return' is only allowed in a function; use 'next' to leave a probe handler early.");
        if (!s.value) {
          // as SystemTap: a function that returns a value somewhere must return one everywhere
          if (fn!.returnType !== 'void' && (fn!.returnsValue || returnsValueSomewhere(fn!.ast.body))) {
            this.fail(loc, `function '${fn!.ast.name}' returns a value elsewhere; 'return' needs a value here.`);
          }
          // nor one whose result a caller uses
          if (this.final && fn!.returnType !== undefined && fn!.returnType !== 'void') {
            this.fail(loc, `function '${fn!.ast.name}' is used for its value (a ${fn!.returnType}); 'return' needs a value here.`);
          }
          return;
        }
        fn!.returnsValue = true;
        if (fn!.returnType === 'void') this.fail(loc, `function '${fn!.ast.name}' returns no value elsewhere, so it cannot return one here.`);
        const t = this.expr(s.value, scope, fn!.returnType as T | undefined);
        this.needValue(s.value, t);
        this.agree(fn!.returnType as T | undefined, value(t), (x) => (fn!.returnType = x), s.value.loc, () => `the return value of '${fn!.ast.name}'`);
        return;
      }
      case 'delete':
        this.delete(s.target, scope);
        return;
      case 'try':
        this.stmt(s.body, scope);
        if (s.catchVar) {
          const v = s.catchVar;
          const local = localOf(v.name, scope, v.loc);
          this.agree(local.type, 'string', (t) => (local.type = t), v.loc, () => `'${v.name}' (the error message)`);
        }
        this.stmt(s.handler, scope);
        return;
    }
  }

  private loopBody(body: AstStmt, scope: Scope): void {
    scope.loops++;
    try {
      this.stmt(body, scope);
    } finally {
      scope.loops--;
    }
  }

  private condition(e: AstExpr, scope: Scope): void {
    this.needType(e, this.expr(e, scope, 'long'), 'long', 'a condition');
  }

  private delete(target: AstExpr, scope: Scope): void {
    if (target.kind === 'index' || target.kind === 'slice') {
      this.keys(this.global(target.name, target.nameLoc), target.keys, scope, target.loc);
      return;
    }
    if (target.kind === 'name') {
      if (scope.locals.has(target.name)) return;
      if (!this.globals.has(target.name)) this.fail(target.loc, `'delete ${target.name}': there is no variable '${target.name}'.`);
      return;
    }
    this.fail(target.loc, "'delete' takes a variable, an array or an array element, as in delete a[k].");
  }

  private foreach(s: Extract<AstStmt, { kind: 'foreach' }>, scope: Scope): void {
    if (s.hist) return this.foreachBuckets(s, s.hist, scope);
    const g = this.global(s.array, s.arrayLoc);
    this.shape(g, 'array', s.arrayLoc);
    if (!g.keyTypes) {
      g.keyTypes = s.keys.map(() => undefined);
      this.changed = true;
    }
    if (g.keyTypes.length !== s.keys.length) {
      this.fail(s.arrayLoc, `'${g.name}' has ${g.keyTypes.length} key${g.keyTypes.length === 1 ? '' : 's'}, but this foreach names ${s.keys.length}.`);
    }
    s.keys.forEach((k, i) => {
      const local = localOf(k.name, scope, k.loc);
      this.agree(local.type, g.keyTypes![i], (t) => (local.type = t), k.loc, () => `'${k.name}'`);
      this.agree(g.keyTypes![i], local.type, (t) => (g.keyTypes![i] = t), k.loc, () => `key ${i + 1} of '${g.name}'`);
    });
    if (s.value) {
      const local = localOf(s.value.name, scope, s.value.loc);
      const valueType: T | undefined = g.elementStats ? 'long' : g.type;
      this.agree(local.type, valueType, (t) => (local.type = t), s.value.loc, () => `'${s.value!.name}'`);
      if (!g.elementStats) this.agree(g.type, local.type, (t) => (g.type = t), s.value.loc, () => `the values of '${g.name}'`);
    }
    if (s.valueSort?.aggregate && !g.elementStats && this.final) this.fail(s.arrayLoc, `'${g.name}' does not hold statistics, so it cannot be sorted by @${s.valueSort.aggregate}.`);
    const write = this.foreachWrites.firstWrite(s.array, s.body);
    if (write) {
      this.fail(write.loc, `'${g.name}' cannot be changed inside a foreach over it (see ${where(s.arrayLoc)})${write.via ? `, and function '${write.via}' changes it` : ''}; collect the changes and make them after the loop.`);
    }
    s.slice?.forEach((k, i) => {
      if (k === null) return;
      const t = this.expr(k, scope, g.keyTypes![i]);
      this.needValue(k, t);
      this.agree(g.keyTypes![i], value(t), (x) => (g.keyTypes![i] = x), k.loc, () => `key ${i + 1} of '${g.name}'`);
    });
    if (s.limit) this.needType(s.limit, this.expr(s.limit, scope, 'long'), 'long', "foreach's limit");
    this.loopBody(s.body, scope);
  }

  /** foreach over a histogram's buckets: one key (the bucket number), the value its count. */
  private foreachBuckets(s: Extract<AstStmt, { kind: 'foreach' }>, hist: AstExpr, scope: Scope): void {
    if (hist.kind !== 'aggregate') return;
    this.statsRef(hist.operand, scope);
    this.histSpec(hist);
    if (s.keys.length !== 1) this.fail(s.keys[1]?.loc ?? s.loc, 'foreach over a histogram names one key: the bucket number.');
    for (const k of [s.keys[0], s.value]) {
      if (!k) continue;
      const local = localOf(k.name, scope);
      this.agree(local.type, 'long', (t) => (local.type = t), k.loc, () => `'${k.name}'`);
    }
    if (s.limit) this.needType(s.limit, this.expr(s.limit, scope, 'long'), 'long', "foreach's limit");
    this.loopBody(s.body, scope);
  }

  private exprStatement(e: AstExpr, scope: Scope): void {
    if (e.kind === 'call' && STATEMENT_BUILTINS.has(e.name) && !this.functions.has(e.name)) return this.statementBuiltin(e, scope);
    if (e.kind === 'statsAdd') {
      this.statsRef(e.target, scope);
      this.needType(e.value, this.expr(e.value, scope, 'long'), 'long', 'a value added with <<<');
      return;
    }
    this.expr(e, scope);
  }

  private statementBuiltin(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): void {
    switch (e.name) {
      case 'printf':
        this.formatted(e, scope);
        return;
      case 'print':
      case 'println': {
        const hist = e.args.find((a) => a.kind === 'aggregate' && a.fn.startsWith('hist_'));
        if (hist && hist.kind === 'aggregate') {
          if (e.args.length !== 1) this.fail(hist.loc, `a histogram is printed on its own: ${e.name}(@${hist.fn}(x)).`);
          this.statsRef(hist.operand, scope);
          this.histSpec(hist);
          return;
        }
        if (e.name === 'print' && e.args.length === 0) this.fail(e.loc, 'print needs something to print, as in print(x).');
        for (const a of e.args) this.needValue(a, this.expr(a, scope));
        return;
      }
      case 'exit':
      case 'abort':
        this.arity(e, 0);
        return;
      case 'error':
      case 'warn':
        this.arity(e, 1);
        this.needType(e.args[0], this.expr(e.args[0], scope, 'string'), 'string', "error()'s message");
        return;
      case 'print_ubacktrace':
        this.arity(e, 0);
        return;
    }
    if (PRINT_FAMILY[e.name]) this.printFamily(e, scope);
  }

  /** sprint/sprintln/printd/printdln/sprintd/sprintdln/print_char (print-family.ts). */
  private printFamily(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): void {
    const member = PRINT_FAMILY[e.name];
    let values = e.args;
    if (member.delimited) {
      if (e.args.length < 2) this.fail(e.loc, `${e.name} takes a delimiter and at least one value, as in ${e.name}(", ", a, b).`);
      if (e.args[0].kind !== 'string') this.fail(e.args[0].loc, `${e.name}'s delimiter must be a string literal.`);
      values = e.args.slice(1);
    }
    if (member.char) {
      this.arity(e, 1);
      this.needType(e.args[0], this.expr(e.args[0], scope, 'long'), 'long', 'the character of print_char()');
      return;
    }
    if (e.args.length === 0 && e.name !== 'sprintln') this.fail(e.loc, `${e.name} needs something to print, as in ${e.name}(x).`);
    const hist = histogramOf(e);
    if (hist) {
      this.statsRef(hist.operand, scope);
      this.histSpec(hist);
      return;
    }
    for (const a of values) this.needValue(a, this.expr(a, scope));
  }

  /** `@variance(x, N)`: N scales values by 2^N before the division, a literal from 0 to 62. */
  private varianceShift(e: AstExpr): void {
    const n = constantLong(e);
    if (n === undefined || n < 0n || n > 62n) this.fail(e.loc, "@variance's second argument (the bit shift) must be a number literal from 0 to 62.");
  }

  private histSpec(e: Extract<AstExpr, { kind: 'aggregate' }>): void {
    if (e.fn === 'hist_log') return;
    const nums = e.args.map((a) => {
      const v = constantLong(a);
      if (v === undefined) this.fail(a.loc, "@hist_linear's low, high and step must be number literals.");
      return v!;
    });
    const [low, high, step] = nums;
    if (step <= 0n) this.fail(e.args[2].loc, "@hist_linear's step must be positive.");
    if (high < low) this.fail(e.args[1].loc, "@hist_linear's high must not be below its low.");
    if ((high - low) / step > 10000n) this.fail(e.args[2].loc, '@hist_linear would have more than 10000 buckets; use a larger step.');
  }

  private formatted(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope): void {
    const first = e.args[0];
    if (!first) this.fail(e.loc, `${e.name} needs a format string, as in ${e.name}("%d\\n", x).`);
    if (first.kind !== 'string') this.fail(first.loc, `${e.name}'s format must be a string literal.`);
    let types: T[] = [];
    let text = '';
    try {
      const format = parseFormat((first as { value: string }).value, first.loc);
      types = formatArgTypes(format);
      text = format.text;
    } catch (error) {
      if (error instanceof FormatProblem) this.fail(first.loc, error.message);
      throw error;
    }
    const given = e.args.slice(1);
    if (given.length !== types.length) {
      this.fail(given.length > types.length ? given[types.length].loc : e.loc, `the format "${escapeText(text)}" takes ${types.length} value${types.length === 1 ? '' : 's'}, but ${given.length} ${given.length === 1 ? 'was' : 'were'} given.`);
    }
    given.forEach((a, i) => this.needType(a, this.expr(a, scope, types[i]), types[i], `value ${i + 1} of this format`));
  }

  // ───────────── expressions ─────────────

  private statsRef(e: AstExpr, scope: Scope): void {
    if (e.kind === 'name') {
      if (scope.locals.has(e.name)) this.fail(e.loc, `'${e.name}' is a local variable; statistics must be globals.`);
      this.shape(this.global(e.name, e.loc), 'stats', e.loc);
      return;
    }
    if (e.kind === 'index') {
      const g = this.global(e.name, e.nameLoc);
      this.keys(g, e.keys, scope, e.loc);
      if (!g.elementStats) {
        if (g.type !== undefined) this.fail(e.loc, `'${g.name}' holds ${g.type}s (see ${where(g.loc)}), so its elements cannot be statistics.`);
        g.elementStats = true;
        this.changed = true;
      }
      return;
    }
    this.fail(e.loc, 'only a global variable or an array element can hold statistics (x <<< v, x[k] <<< v).');
  }

  /** The type of `e` as far as known; `want` is what the context needs (learned by symbols). */
  expr(e: AstExpr, scope: Scope, want?: T): Ty {
    const loc = e.loc;
    switch (e.kind) {
      case 'number':
        return 'long';
      case 'string':
        return 'string';
      case 'name': {
        const local = scope.locals.get(e.name);
        if (local) return this.agree(local.type, want, (t) => (local.type = t), loc, () => `'${e.name}'`);
        const g = this.globals.get(e.name);
        if (g) {
          this.shape(g, 'scalar', loc);
          return this.agree(g.type, want, (t) => (g.type = t), loc, () => `'${e.name}'`);
        }
        const created = localOf(e.name, scope, e.loc);
        return this.agree(created.type, want, (t) => (created.type = t), loc, () => `'${e.name}'`);
      }
      case 'index': {
        const g = this.global(e.name, e.nameLoc);
        this.keys(g, e.keys, scope, loc);
        if (g.elementStats) this.fail(loc, `'${g.name}' holds statistics; read an element with @count(${g.name}[...]), @sum, @min, @max or @avg.`);
        return this.agree(g.type, want, (t) => (g.type = t), loc, () => `the values of '${g.name}'`);
      }
      case 'in':
        this.keys(this.global(e.name, e.nameLoc), e.keys, scope, loc);
        return 'long';
      case 'slice':
        return this.fail(loc, `a slice such as ${e.name}[*, k] has no single value; slices are for delete, foreach (... in ${e.name}[...]) and [...] in ${e.name}.`);
      case 'defined':
        this.defined(e, scope);
        return 'long';
      case 'regex':
        return this.fail(loc, `regular expression matching ('${e.operator}') is not supported by utap yet; use isinstr() or compare substr().`);
      case 'embedded':
        return this.fail(loc, 'embedded C (%{ ... %}) is not supported by utap: scripts cannot run C code inside the traced process.');
      case 'unsupported':
        return this.fail(loc, `${e.what} is not supported by utap: it needs kernel memory or C type information that utap does not have.`);
      case 'target':
      case 'entry':
        return this.target(e, scope, want);
      case 'histBucket':
        if (e.hist.kind === 'aggregate') {
          this.statsRef(e.hist.operand, scope);
          this.histSpec(e.hist);
        }
        this.needType(e.bucket, this.expr(e.bucket, scope, 'long'), 'long', 'a bucket number');
        return 'long';
      case 'aggregate':
        if (e.fn.startsWith('hist_')) this.fail(loc, `@${e.fn} can only be printed, as in print(@${e.fn}(x)), indexed by a bucket number, as in @${e.fn}(x)[b], or visited with foreach.`);
        if (e.fn === 'variance' && e.args.length) this.varianceShift(e.args[0]);
        this.statsRef(e.operand, scope);
        return 'long';
      case 'call':
        return this.call(e, scope, want);
      case 'statsAdd':
        return this.fail(loc, "'<<<' adds a value to a statistic as a statement of its own; it has no value.");
      case 'unary':
        this.needType(e.operand, this.expr(e.operand, scope, 'long'), 'long', `the operand of '${e.operator}'`);
        return 'long';
      case 'binary':
        return this.binary(e, scope, want);
      case 'conditional': {
        this.condition(e.test, scope);
        // `@defined(x) ? a : b` decided here: only the live side is checked, as SystemTap elides the other
        const known = staticTest(e.test, scope);
        if (known !== undefined) return this.expr(known ? e.then : e.else, scope, want);
        let tt = value(this.expr(e.then, scope, want));
        const et = value(this.expr(e.else, scope, want ?? tt));
        if (tt === undefined && et !== undefined) tt = value(this.expr(e.then, scope, et));
        if (tt !== undefined && et !== undefined && tt !== et) this.fail(e.else.loc, `type mismatch: the two branches of '?:' must have the same type, but one is a ${tt} and the other a ${et}.`);
        return tt ?? et;
      }
      case 'assign':
        return this.assign(e, scope, want);
      case 'incdec':
        this.lvalue(e.target, scope, 'long', `'${e.delta > 0 ? '++' : '--'}'`);
        return 'long';
    }
  }

  private binary(e: Extract<AstExpr, { kind: 'binary' }>, scope: Scope, want?: T): Ty {
    const op = e.operator;
    if (op === '&&' || op === '||') {
      this.condition(e.left, scope);
      this.condition(e.right, scope);
      return 'long';
    }
    if (op === '.') {
      this.needType(e.left, this.expr(e.left, scope, 'string'), 'string', "the left side of '.'");
      this.needType(e.right, this.expr(e.right, scope, 'string'), 'string', "the right side of '.'");
      if (want === 'long') this.fail(e.loc, "type mismatch: '.' joins strings, but a long is needed here.");
      return 'string';
    }
    if (COMPARE_OPS.has(op)) {
      let lt = this.expr(e.left, scope);
      this.needValue(e.left, lt);
      const rt = this.expr(e.right, scope, value(lt));
      this.needValue(e.right, rt);
      if (value(lt) === undefined && value(rt) !== undefined) lt = this.expr(e.left, scope, value(rt));
      if (value(lt) !== undefined && value(rt) !== undefined && lt !== rt) this.fail(e.loc, `type mismatch: '${op}' compares a ${lt} with a ${rt}; both sides must be longs or both strings.`);
      return 'long';
    }
    if (ARITH_OPS.has(op)) {
      const lt = this.expr(e.left, scope, 'long');
      const rt = this.expr(e.right, scope, 'long');
      this.needValue(e.left, lt);
      this.needValue(e.right, rt);
      if (lt === 'string' || rt === 'string') {
        this.fail(e.loc, `type mismatch: '${op}' works on longs, but ${lt === 'string' && rt === 'string' ? 'both sides are strings' : `the ${lt === 'string' ? 'left' : 'right'} side is a string`}${op === '+' ? "; join strings with '.'" : ''}.`);
      }
      return 'long';
    }
    return this.fail(e.loc, `'${op}' is not an operator utap knows.`);
  }

  private assign(e: Extract<AstExpr, { kind: 'assign' }>, scope: Scope, want?: T): Ty {
    const op = e.operator;
    if (op === '=') {
      const peeked = this.lvalue(e.target, scope, undefined, "'='", true);
      const vt = this.expr(e.value, scope, peeked.type ?? want);
      this.needValue(e.value, vt);
      const target = this.lvalue(e.target, scope, value(vt) ?? want, "'='");
      if (target.type !== undefined && value(vt) !== undefined && target.type !== vt) {
        this.fail(e.value.loc, `type mismatch: ${target.describe} is a ${target.type}, but the value assigned is a ${vt}.`);
      }
      return target.type ?? value(vt);
    }
    const type: T = op === '.=' ? 'string' : 'long';
    this.lvalue(e.target, scope, type, `'${op}'`);
    this.needType(e.value, this.expr(e.value, scope, type), type, `the right side of '${op}'`);
    return type;
  }

  /** An assignable place; `want` records its type. `peek` only looks (no creation, no errors for new locals). */
  private lvalue(e: AstExpr, scope: Scope, want: T | undefined, what: string, peek = false): { type?: T; describe: string } {
    switch (e.kind) {
      case 'name': {
        const describe = `'${e.name}'`;
        const local = scope.locals.get(e.name);
        if (local) {
          if (!peek) this.agree(local.type, want, (t) => (local.type = t), e.loc, () => describe);
          return { type: local.type, describe };
        }
        const g = this.globals.get(e.name);
        if (g) {
          if (g.shape === 'stats') this.fail(e.loc, `'${g.name}' is a statistic; add values to it with ${g.name} <<< value.`);
          if (g.shape === 'array') this.fail(e.loc, `'${g.name}' is an array; assign to an element, as in ${g.name}[key] = value.`);
          if (!peek) {
            this.shape(g, 'scalar', e.loc);
            this.agree(g.type, want, (t) => (g.type = t), e.loc, () => describe);
          }
          return { type: g.type, describe };
        }
        if (peek) return { type: undefined, describe };
        const created = localOf(e.name, scope, e.loc);
        this.agree(created.type, want, (t) => (created.type = t), e.loc, () => describe);
        return { type: created.type, describe };
      }
      case 'index': {
        const g = this.global(e.name, e.nameLoc);
        const describe = `the values of '${g.name}'`;
        if (g.elementStats) this.fail(e.loc, `the elements of '${g.name}' are statistics; add values with ${g.name}[...] <<< value.`);
        if (peek) return { type: g.type, describe };
        this.keys(g, e.keys, scope, e.loc);
        this.agree(g.type, want, (t) => (g.type = t), e.loc, () => describe);
        return { type: g.type, describe };
      }
      case 'target': {
        const describe = `$${e.name}`;
        if (peek) return { type: targetType(e), describe };
        if (!this.input.guru) this.fail(e.loc, `changing $${e.name} changes the traced program; run utap with -g (guru mode) to allow it.`);
        if (e.pretty || e.addressOf || e.name.startsWith('$')) this.fail(e.loc, `$${e.name}${e.pretty ?? ''} cannot be assigned; assign a variable or a member.`);
        this.target(e, scope, want);
        if (want === 'string') this.fail(e.loc, `$${e.name} is a number in the target; a string cannot be stored in it.`);
        return { type: 'long', describe };
      }
      case 'call':
        if (e.name === 'register' && !peek) {
          if (!this.input.guru) this.fail(e.loc, 'changing a register changes the traced program; run utap with -g (guru mode) to allow it.');
          const reg = this.registerName(e, true);
          return { type: 'long', describe: `register("${reg}")` };
        }
        if (e.name === 'register') return { type: 'long', describe: 'register' };
        break;
    }
    if (peek) return { type: undefined, describe: 'this' };
    return this.fail(e.loc, `${what} needs a variable, an array element${this.input.guru ? ' or a target variable' : ''} on its left.`);
  }

  /**
   * `@defined(x)`: whether x means something here. Target variables mean nothing outside
   * process probes (0); everything else the checker accepts is defined (1). Whether a `$var`
   * exists at a process probe's sites is for the planner to say (lower.ts leaves it a target).
   */
  private defined(e: Extract<AstExpr, { kind: 'defined' }>, scope: Scope): void {
    if (definedConstant(e, scope) !== undefined) return;
    this.expr(e.operand, scope);
  }

  private target(e: Extract<AstExpr, { kind: 'target' | 'entry' }>, scope: Scope, want?: T): T {
    let t = e;
    if (t.kind === 'entry') {
      if (!scope.returnProbe && !scope.fn) this.fail(t.loc, '@entry(...) only has a meaning in a .return probe: the value the expression had when the function was entered.');
      if (t.operand.kind !== 'target') this.fail(t.operand.loc, '@entry takes a target variable, as in @entry($n).');
      t = t.operand;
    }
    const target = t as Extract<AstExpr, { kind: 'target' }>;
    if (!scope.targetVars) {
      this.fail(target.loc, `$${target.name} is a target variable; those only exist in process probes (process("...").function("...")), not in ${scope.fn ? 'functions' : 'this probe'}.`);
    }
    this.contextVar(target, scope);
    for (const step of target.path) if (step.kind === 'index') this.needType(step.index, this.expr(step.index, scope, 'long'), 'long', 'a subscript');
    if (target.cast) this.needType(target.cast.address, this.expr(target.cast.address, scope, 'long'), 'long', "@cast's address");
    const type = targetType(target);
    if (want !== undefined && want !== type) {
      this.fail(e.loc, `type mismatch: $${target.name}${target.pretty ?? ''} is a ${type}${type === 'long' ? ' (for a char* use user_string($' + target.name + '))' : ''}, but a ${want} is needed here.`);
    }
    return type;
  }

  /** SystemTap's rules for `$vars` at process begin/end and syscall probes. */
  private contextVar(target: Extract<AstExpr, { kind: 'target' }>, scope: Scope): void {
    const spelled = `$${target.name}`;
    switch (scope.contextVars) {
      case 'none':
        this.fail(target.loc, `${spelled}: process and thread begin/end probes have no target variables.`);
        break;
      case 'syscall':
      case 'syscallReturn': {
        if (!contextVarAvailable(target.name, scope)) {
          this.fail(target.loc, `${spelled} is not available here: a .syscall probe has $syscall and $arg1..$arg6 (and $$parms), a .syscall.return probe $syscall and $return.`);
        }
        if (target.path.length) this.fail(target.loc, `${spelled} is a number; it has no members or elements.`);
        break;
      }
      case 'plt':
        if (!contextVarAvailable(target.name, scope)) this.fail(target.loc, `${spelled} is not known in a PLT probe; a PLT entry has only $$name (read arguments with register("rdi") and the like).`);
    }
  }

  private arity(e: Extract<AstExpr, { kind: 'call' }>, n: number, m = n): void {
    if (e.args.length < n || e.args.length > m) {
      const count = n === m ? `${n} argument${n === 1 ? '' : 's'}` : `${n} to ${m} arguments`;
      this.fail(e.loc, `${e.name}() takes ${count}, not ${e.args.length}.`);
    }
  }

  /** A register register()/u_register() reads (parts such as eax or al too); `write`: a whole one. */
  private registerName(e: Extract<AstExpr, { kind: 'call' }>, write = false): RegName {
    this.arity(e, 1);
    const a = e.args[0];
    if (a.kind !== 'string') this.fail(a.loc, `${e.name}() takes a register name in quotes, as in ${e.name}("rdi").`);
    const name = (a as { value: string }).value;
    if ((REG_NAMES as readonly string[]).includes(name)) return name as RegName;
    const part = SUB_REGISTERS[name];
    if (part && write && part.bits !== 64) this.fail(a.loc, `only whole registers can be written; '${name}' is part of ${part.reg}.`);
    if (part) return part.reg;
    return this.fail(a.loc, `'${name}' is not an x86-64 register utap knows (${REG_NAMES.join(', ')}).`);
  }

  private argNumber(e: Extract<AstExpr, { kind: 'call' }>): void {
    this.arity(e, 1);
    const n = constantLong(e.args[0]);
    if (n === undefined || n < 1n || n > 6n) this.fail(e.args[0].loc, `${e.name}(n) takes a number from 1 to 6: the register arguments of the x86-64 calling convention.`);
  }

  private call(e: Extract<AstExpr, { kind: 'call' }>, scope: Scope, want?: T): Ty {
    const loc = e.loc;
    const fn = this.functions.get(e.name);
    if (fn) return this.userCall(e, fn, scope, want);
    const result = (t: Ty): Ty => {
      if (want !== undefined && value(t) !== undefined && t !== want) this.fail(loc, `type mismatch: ${e.name}() gives a ${t}, but a ${want} is needed here.`);
      return t;
    };
    const longArg = (i: number): void => this.needType(e.args[i], this.expr(e.args[i], scope, 'long'), 'long', `argument ${i + 1} of ${e.name}()`);
    if (STATEMENT_BUILTINS.has(e.name)) this.fail(loc, `${e.name}() does not give a value; call it as a statement of its own.`);
    if (e.name in UNSUPPORTED) this.fail(loc, `${e.name}() is not available: ${UNSUPPORTED[e.name]}`);
    const context = CONTEXT_FUNCTIONS[e.name];
    if (context) {
      this.arity(e, 0);
      return result(context === 'execname' || context === 'pp' || context === 'probefunc' || context === 'ubacktrace' ? 'string' : 'long');
    }
    if (CLOCK_FUNCTIONS[e.name]) {
      this.arity(e, 0);
      return result('long');
    }
    if (USER_READS[e.name]) {
      this.arity(e, 1);
      longArg(0);
      return result('long');
    }
    if (ARG_FUNCTIONS[e.name]) {
      this.argNumber(e);
      return result('long');
    }
    switch (e.name) {
      case 'register':
      case 'u_register':
        this.registerName(e);
        return result('long');
      case 'returnval':
        this.arity(e, 0);
        return result('long');
      case 'user_string':
      case 'user_string_n': {
        const n = e.name === 'user_string' ? 1 : 2;
        if (e.name === 'user_string' && e.args.length === 2) this.fail(loc, 'user_string(addr, default) is not supported; a bad address is a runtime error that runs the error probes.');
        this.arity(e, n);
        longArg(0);
        if (n === 2) longArg(1);
        return result('string');
      }
      case 'sprintf':
        this.formatted(e, scope);
        return result('string');
      case 'sprint_ubacktrace':
      case 'ctime':
        // sprint_ubacktrace() of this hit's stack; ctime() of the current time
        if (e.args.length === 0) return result('string');
        break;
    }
    if (PRINT_FAMILY[e.name]) {
      this.printFamily(e, scope);
      return result('string');
    }
    if (e.name in BUILTINS) {
      const spec = BUILTINS[e.name as BuiltinName];
      this.arity(e, spec.args.length);
      e.args.forEach((a, i) => {
        const wantArg = spec.args[i] as T;
        this.needType(a, this.expr(a, scope, wantArg), wantArg, `argument ${i + 1} of ${e.name}()`);
      });
      return result(spec.returns as T);
    }
    return this.fail(loc, `there is no function '${e.name}' (not in the script, its tapsets or utap's builtins).`);
  }

  private userCall(e: Extract<AstExpr, { kind: 'call' }>, fn: FunctionSym, scope: Scope, want?: T): Ty {
    fn.called = true;
    if (e.args.length !== fn.params.length) {
      this.fail(e.loc, `function '${fn.ast.name}' takes ${fn.params.length} argument${fn.params.length === 1 ? '' : 's'}, but ${e.args.length} ${e.args.length === 1 ? 'was' : 'were'} given.`);
    }
    e.args.forEach((a, i) => {
      const p = fn.params[i];
      const t = this.expr(a, scope, p.type);
      this.needValue(a, t);
      this.agree(p.type, value(t), (x) => (p.type = x), a.loc, () => `parameter '${p.name}' of '${fn.ast.name}'`);
    });
    if (want !== undefined) {
      if (fn.returnType === 'void') this.fail(e.loc, `function '${fn.ast.name}' returns no value, so its result cannot be used.`);
      this.agree(fn.returnType as T | undefined, want, (t) => (fn.returnType = t), e.loc, () => `the return value of '${fn.ast.name}'`);
    }
    return fn.returnType;
  }
}

/** At a process begin/end or syscall probe: whether `$name` exists there (undefined elsewhere). */
export function contextVarAvailable(name: string, scope: Scope): boolean | undefined {
  switch (scope.contextVars) {
    case 'none':
      return false;
    case 'syscall':
      return name === 'syscall' || /^arg[1-6]$/.test(name) || name === '$parms';
    case 'syscallReturn':
      return name === 'syscall' || name === 'return';
    case 'plt':
      return name === '$name';
  }
  return undefined;
}

/** A test the front end decides: `@defined(...)` it can settle (else undefined). */
export function staticTest(test: AstExpr, scope: Scope): boolean | undefined {
  if (test.kind !== 'defined') return undefined;
  const known = definedConstant(test, scope);
  return known === undefined ? undefined : known === 1n;
}

/** `@defined(x)` when the front end can decide it: 1, 0, or undefined (the planner decides). */
export function definedConstant(e: Extract<AstExpr, { kind: 'defined' }>, scope: Scope): 0n | 1n | undefined {
  const operand = e.operand.kind === 'entry' ? e.operand.operand : e.operand;
  if (operand.kind === 'target' && scope.targetVars && scope.contextVars) return contextVarAvailable(operand.name, scope) && operand.path.length === 0 ? 1n : 0n;
  let targets = false;
  const visit = (x: AstExpr): void => {
    if (x.kind === 'target') targets = true;
    else if (x.kind === 'entry' || x.kind === 'defined') visit(x.operand);
    else if (x.kind === 'unsupported') targets = true;
  };
  visit(e.operand);
  if (!targets) return 1n;
  if (!scope.targetVars || e.operand.kind === 'unsupported') return 0n;
  return undefined;
}

const valueReturns = new WeakMap<AstStmt, boolean>();

/** Whether a function body has a `return` with a value anywhere. */
function returnsValueSomewhere(body: AstStmt): boolean {
  let known = valueReturns.get(body);
  if (known === undefined) {
    known = false;
    visitAst(body, () => undefined, (s) => {
      if (s.kind === 'return' && s.value) known = true;
    });
    valueReturns.set(body, known);
  }
  return known;
}
