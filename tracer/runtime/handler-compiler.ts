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
import type {
  AssignOp, BinaryOp, ContextValue, Expr, ForeachStmt, FormatIR, FunctionIR, GlobalDecl, HandlerIR, HistSpec, LValue, ProgramIR, SourceLoc, Stmt,
} from '../ir/ir';
import * as L from './long';
import type { Formatter } from './printf-format';
import type { ProbeContext } from './probe-context';
import { MESSAGES, NEXT_SIGNAL, NoThreadError, ScriptRuntimeError } from './runtime-error';
import { ADDRESS_STYLES, usymsText, type AddressStyle, type RuntimeServices } from './runtime-services';
import { fromText, maxContentLength, toText } from './script-string';
import { histIndex, histLayout, type StatsValue } from './statistics';
import type { GlobalStore, Scalar } from './storage';

// Helpers only some scripts use are loaded on first use (see `bindings`), which keeps
// `utap -e 'probe begin { exit() }'` from paying for printf, foreach, histograms or user memory.
const foreachOrder = () => require('./foreach-order') as typeof import('./foreach-order');
const userMemory = () => require('./user-memory') as typeof import('./user-memory');

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

/** A construct the runtime cannot execute (a front-end-only node left in a plan): a utap bug. */
export class CompileError extends Error {
  constructor(message: string, readonly loc?: SourceLoc) {
    super(loc ? `${message} at ${loc.file}:${loc.line}:${loc.column}` : message);
    this.name = 'CompileError';
  }
}

const BINARY_FN: Record<BinaryOp, string> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'divz', '%': 'modz', '<<': 'shl', '>>': 'shr', '>>>': 'ushr', '&': 'and', '|': 'or', '^': 'xor',
};
const ASSIGN_BINARY: Record<Exclude<AssignOp, '=' | '.='>, BinaryOp> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '<<=': '<<', '>>=': '>>', '>>>=': '>>>', '&=': '&', '|=': '|', '^=': '^',
};

function longLiteral(value: bigint | number): string {
  const v = L.toLong(value);
  const text = typeof v === 'bigint' ? `${v}n` : String(v);
  return v < 0 ? `(${text})` : text;
}

/** A literal as the C string SystemTap makes of it: "a\0b" is "a". */
function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

function zeroOf(type: string): string {
  return type === 'string' ? '""' : '0';
}

/** Emits the JS of one function or handler body. */
class BodyEmitter {
  /** Temporaries in use; a statement's are free again after it (stmt), so sibling statements share them. */
  private temps = 0;
  /** The most in use at once: what the body declares (one per statement made a handler of 150k statements overflow V8's stack). */
  private maxTemps = 0;
  private readonly lines: string[] = [];

  constructor(private readonly module: ModuleEmitter, private readonly inFunction: boolean) {}

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

  private check(loc: SourceLoc): string {
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

  private binary(op: BinaryOp, left: string, right: string, loc: SourceLoc): string {
    const fn = BINARY_FN[op];
    if (op === '/' || op === '%') return `${fn}(${left}, ${right}, ${this.loc(loc)})`;
    return `${fn}(${left}, ${right})`;
  }

  private combine(op: AssignOp, current: string, value: string, loc: SourceLoc): string {
    if (op === '=') return value;
    if (op === '.=') return `cat(${current}, ${value})`;
    return this.binary(ASSIGN_BINARY[op], current, value, loc);
  }

  private assign(target: LValue, op: AssignOp, valueCode: string, type: string, loc: SourceLoc): string {
    switch (target.kind) {
      case 'local': {
        const v = `v${target.slot}`;
        return `(${v} = ${this.combine(op, v, valueCode, loc)})`;
      }
      case 'global': {
        const g = this.store(target.global);
        const t = this.temp();
        return `(${t} = ${this.combine(op, `${g}.get()`, valueCode, loc)}, ${g}.set(${t}), ${t})`;
      }
      case 'element': {
        const g = this.store(target.global);
        const k = this.temp(), t = this.temp();
        const current = `(${g}.get(${k}) ?? ${zeroOf(type)})`;
        return `(${k} = ${this.keys(target.keys)}, ${t} = ${this.combine(op, current, valueCode, loc)}, ${g}.set(${k}, ${t}) || overflow(${target.global}, ${this.loc(loc)}), ${t})`;
      }
      case 'reg': {
        const t = this.temp();
        const current = `reg(ctx, ${JSON.stringify(target.reg)}, ${this.loc(loc)})`;
        return `(${t} = ${this.combine(op, current, valueCode, loc)}, wreg(ctx, ${JSON.stringify(target.reg)}, ${t}, ${this.loc(loc)}), ${t})`;
      }
      case 'userMemory': {
        const a = this.temp(), t = this.temp();
        const current = `ru(ctx, ${a}, ${target.size}, true, ${this.loc(loc)})`;
        return `(${a} = ${this.expr(target.addr)}, ${t} = ${this.combine(op, current, valueCode, loc)}, wu(ctx, ${a}, ${t}, ${target.size}, ${this.loc(loc)}), ${t})`;
      }
      case 'target':
        throw new CompileError('a target-variable write reached the runtime unlowered (the planner lowers $vars per probe site)', loc);
    }
  }

  private incdec(target: LValue, delta: 1 | -1, prefix: boolean, loc: SourceLoc): string {
    const step = delta === 1 ? '1' : '(-1)';
    if (target.kind === 'local') {
      const v = `v${target.slot}`;
      if (prefix) return `(${v} = add(${v}, ${step}))`;
      const old = this.temp();
      return `(${old} = ${v}, ${v} = add(${old}, ${step}), ${old})`;
    }
    // Other targets: as `x += ±1`, keeping the old value for postfix.
    if (prefix) return this.assign(target, '+=', step, 'long', loc);
    const old = this.temp();
    const read = this.readLValue(target, loc);
    return `(${old} = ${read.code}, ${this.assignWithKeys(read, target, `add(${old}, ${step})`, loc)}, ${old})`;
  }

  /** For postfix ++/-- on non-locals: read once (evaluating keys/address once), then store. */
  private readLValue(target: LValue, loc: SourceLoc): { code: string; keyTemp?: string } {
    switch (target.kind) {
      case 'global':
        return { code: `${this.store(target.global)}.get()` };
      case 'element': {
        const k = this.temp();
        return { code: `(${k} = ${this.keys(target.keys)}, ${this.store(target.global)}.get(${k}) ?? 0)`, keyTemp: k };
      }
      case 'reg':
        return { code: `reg(ctx, ${JSON.stringify(target.reg)}, ${this.loc(loc)})` };
      case 'userMemory': {
        const a = this.temp();
        return { code: `(${a} = ${this.expr(target.addr)}, ru(ctx, ${a}, ${target.size}, true, ${this.loc(loc)}))`, keyTemp: a };
      }
      default:
        throw new CompileError(`cannot increment a ${target.kind}`, loc);
    }
  }

  private assignWithKeys(read: { keyTemp?: string }, target: LValue, value: string, loc: SourceLoc): string {
    switch (target.kind) {
      case 'global':
        return `${this.store(target.global)}.set(${value})`;
      case 'element':
        return `(${this.store(target.global)}.set(${read.keyTemp}, ${value}) || overflow(${target.global}, ${this.loc(loc)}))`;
      case 'reg':
        return `wreg(ctx, ${JSON.stringify(target.reg)}, ${value}, ${this.loc(loc)})`;
      case 'userMemory':
        return `wu(ctx, ${read.keyTemp}, ${value}, ${target.size}, ${this.loc(loc)})`;
      default:
        throw new CompileError(`cannot assign a ${target.kind}`, loc);
    }
  }

  private context(what: ContextValue, type: string, loc: SourceLoc): string {
    switch (what) {
      case 'tid':
        return 'ctx.tid';
      case 'pid':
        return 'ctx.pid';
      case 'pp':
        return 'curPP';
      case 'probefunc':
        return 'curFunc';
      default:
        return type === 'string' ? `cs(ctx, ${JSON.stringify(what)}, ${this.loc(loc)})` : `cl(ctx, ${JSON.stringify(what)}, ${this.loc(loc)})`;
    }
  }

  private builtin(name: string, args: readonly Expr[], loc: SourceLoc): string {
    const a = args.map((x) => this.expr(x));
    switch (name) {
      case 'strlen':
        return `(${a[0]}).length`;
      case 'substr':
        return `S.substr(${a[0]}, ${a[1]}, ${a[2]}, MAXC)`;
      case 'isinstr':
        return `S.isinstr(${a[0]}, ${a[1]})`;
      case 'strtol':
        return `S.strtol(${a[0]}, ${a[1]})`;
      case 'stringat':
        return `S.stringat(${a[0]}, ${a[1]})`;
      case 'isdigit':
        return `S.isdigit(${a[0]})`;
      case 'str_replace':
        return `S.strReplace(${a[0]}, ${a[1]}, ${a[2]}, MAXC)`;
      case 'text_str':
        return `S.textStr(${a[0]}, 0, false, MAXC)`;
      case 'text_strn':
        return `S.textStr(${a[0]}, ${a[1]}, (${a[2]}) ? true : false, MAXC)`;
      case 'strpos':
        return `S.strpos(${a[0]}, ${a[1]})`;
      case 'string_quoted':
        return `S.textStr(${a[0]}, 0, true, MAXC)`;
      case 'tokenize':
        return `S.tokenize(tok, ${a[0]}, ${a[1]}, MAXC)`;
      case 'randint':
        return `randint(${a[0]}, ${this.loc(loc)})`;
      case 'ctime':
        return `ctime(${a[0]}, ${this.loc(loc)})`;
      case 'errno_str':
        return `errnoStr(${a[0]})`;
      case 'usymname':
        return `cut(svc.usymname(${a[0]}))`;
      case 'umodname':
        return `cut(svc.umodname(${a[0]}))`;
      case 'sprint_ubacktrace':
        return `cut(svc.sprintUbacktrace(${a[0]}))`;
      case 'usymdata':
        return `cut(svc.addressText(${a[0]}, "data"))`;
      case 'usymfile':
        return `cut(svc.addressText(${a[0]}, "file"))`;
      case 'usymline':
        return `cut(svc.addressText(${a[0]}, "line"))`;
      case 'usymfileline':
        return `cut(svc.addressText(${a[0]}, "fileline"))`;
      case '_usyms_text':
        return `cut(usymsText(svc, ${a[0]}, addressStyle(${a[1]}, ${this.loc(loc)})))`;
      default:
        throw new CompileError(`the runtime has no builtin '${name}'`, loc);
    }
  }

  expr(e: Expr): string {
    switch (e.op) {
      case 'long':
        return longLiteral(e.value);
      case 'string':
        return JSON.stringify(this.module.cut(cString(e.value)));
      case 'local':
        return `v${e.slot}`;
      case 'global':
        return `g${e.global}.get()`;
      case 'arrayGet':
        return `(g${e.global}.get(${this.keys(e.keys)}) ?? ${zeroOf(e.type)})`;
      case 'arrayIn':
        return `(g${e.global}.has(${this.keys(e.keys)}) ? 1 : 0)`;
      case 'arraySliceIn':
        return `(sliceHas(g${e.global}, ${this.slicePattern(e.keys)}) ? 1 : 0)`;
      case 'binary':
        return this.binary(e.operator, this.expr(e.left), this.expr(e.right), e.loc);
      case 'compare': {
        const op = e.operator === '==' ? '===' : e.operator === '!=' ? '!==' : e.operator;
        return `(${this.expr(e.left)} ${op} ${this.expr(e.right)} ? 1 : 0)`;
      }
      case 'logical':
        return `(${this.expr(e.left)} ${e.operator} ${this.expr(e.right)} ? 1 : 0)`;
      case 'unary': {
        const x = this.expr(e.operand);
        if (e.operator === '-') return `neg(${x})`;
        if (e.operator === '~') return `not(${x})`;
        if (e.operator === '!') return `(${x} ? 0 : 1)`;
        return x;
      }
      case 'concat':
        return `cat(${this.expr(e.left)}, ${this.expr(e.right)})`;
      case 'conditional':
        return `(${this.expr(e.test)} ? ${this.expr(e.then)} : ${this.expr(e.else)})`;
      case 'assign':
        return this.assign(e.target, e.operator, this.expr(e.value), e.type, e.loc);
      case 'incdec':
        return this.incdec(e.target, e.delta, e.prefix, e.loc);
      case 'aggregate': {
        const read = this.statsRead(e.source.global, e.source.keys);
        if (e.fn === 'count') return `aggCount(${read})`;
        if (e.fn === 'sum') return `aggSum(${read})`;
        return `agg(${read}, ${JSON.stringify(e.fn)}, ${this.loc(e.loc)})`;
      }
      case 'call': {
        const t = this.temp();
        return `(${t} = f${e.function}(${e.args.map((x) => this.expr(x)).join(', ')}), depth--, ${t})`;
      }
      case 'histText': {
        const spec = this.module.histSpecIndex(e.source.global, e.hist, e.loc);
        return `cut(hist(${this.statsRead(e.source.global, e.source.keys)}, ${e.source.global}, ${spec}, ${this.loc(e.loc)}))`;
      }
      case 'histBucket': {
        const spec = this.module.histSpecIndex(e.source.global, e.hist, e.loc);
        return `hbucket(${this.statsRead(e.source.global, e.source.keys)}, ${spec}, ${this.expr(e.bucket)}, ${this.loc(e.loc)})`;
      }
      case 'builtin':
        return this.builtin(e.name, e.args, e.loc);
      case 'sprintf':
        // a C string: what %c of 0 or %b put after a NUL byte is not part of it
        return `cut(cstr(sfmt[${e.format}]([${e.args.map((x) => this.expr(x)).join(', ')}])))`;
      case 'context':
        return this.context(e.what, e.type, e.loc);
      case 'target':
        throw new CompileError('a target variable reached the runtime unlowered (the planner lowers $vars per probe site)', e.loc);
      case 'reg':
        return `reg(ctx, ${JSON.stringify(e.reg)}, ${this.loc(e.loc)})`;
      case 'userRead':
        return `ru(ctx, ${this.expr(e.addr)}, ${e.size}, ${e.signed}, ${this.loc(e.loc)})`;
      case 'userString':
        return `rs(ctx, ${this.expr(e.addr)}, ${e.maxLen ? this.expr(e.maxLen) : 'MAXC'}, ${this.loc(e.loc)})`;
      case 'entry':
        return `ent(ctx.entryValue(${e.index}), ${e.type === 'string'})`;
      case 'captured':
        return `ent(ctx.captured(${e.index}), ${e.type === 'string'})`;
    }
  }

  /** A statement's temporaries hold values only while it runs (foreach's across its body, nested above them). */
  stmt(s: Stmt): void {
    const mark = this.temps;
    this.statement(s);
    this.temps = mark;
  }

  private statement(s: Stmt): void {
    const out = this.lines;
    switch (s.kind) {
      case 'block':
        out.push('{');
        for (const child of s.body) this.stmt(child);
        out.push('}');
        return;
      case 'expr':
        out.push(this.check(s.loc), `${this.expr(s.expr)};`);
        return;
      case 'if':
        out.push(this.check(s.loc), `if (${this.expr(s.test)}) {`);
        this.stmt(s.then);
        if (s.else) {
          out.push('} else {');
          this.stmt(s.else);
        }
        out.push('}');
        return;
      case 'while':
        out.push(this.check(s.loc), `while (${this.expr(s.test)}) {`, this.check(s.loc));
        this.stmt(s.body);
        out.push('}');
        return;
      case 'for': {
        out.push(this.check(s.loc));
        if (s.init) this.stmt(s.init);
        out.push(`for (; ${s.test ? this.expr(s.test) : ''}; ${s.step ? this.expr(s.step) : ''}) {`, this.check(s.loc));
        this.stmt(s.body);
        out.push('}');
        return;
      }
      case 'foreach':
        this.foreach(s);
        return;
      case 'break':
        out.push('break;');
        return;
      case 'continue':
        out.push('continue;');
        return;
      case 'next':
        out.push(this.inFunction ? 'throw NEXT;' : 'return;');
        return;
      case 'return':
        out.push(this.check(s.loc));
        if (!this.inFunction) out.push(s.value ? `${this.expr(s.value)}; return;` : 'return;');
        else out.push(s.value ? `return ${this.expr(s.value)};` : 'return;');
        return;
      case 'delete':
        out.push(this.check(s.loc), this.delete(s.target) + ';');
        return;
      case 'statsAdd': {
        const g = this.store(s.target.global);
        const value = this.expr(s.value);
        if (s.target.keys && s.target.keys.length > 0) {
          out.push(this.check(s.loc), `${g}.add(${this.keys(s.target.keys)}, ${value}) || overflow(${s.target.global}, ${this.loc(s.loc)});`);
        } else out.push(this.check(s.loc), `${g}.add(${value});`);
        return;
      }
      case 'printf':
        out.push(this.check(s.loc), `emit(fmt[${s.format}]([${s.args.map((a) => this.expr(a)).join(', ')}]), curPP);`);
        return;
      case 'print': {
        const parts = s.args.map((a) => (a.type === 'string' ? this.expr(a) : `String(${this.expr(a)})`));
        if (s.newline) parts.push('"\\n"');
        out.push(this.check(s.loc), `emit(${parts.length ? parts.join(' + ') : '""'}, curPP);`);
        return;
      }
      case 'printHist': {
        const spec = this.module.histSpecIndex(s.source.global, s.hist, s.loc);
        out.push(this.check(s.loc), `emit(hist(${this.statsRead(s.source.global, s.source.keys)}, ${s.source.global}, ${spec}, ${this.loc(s.loc)}), curPP);`);
        return;
      }
      case 'printBacktrace':
        out.push(this.check(s.loc), `emit(svc.sprintUbacktrace(cs(ctx, "ubacktrace", ${this.loc(s.loc)})), curPP);`);
        return;
      case 'exit':
        if (s.abort) {
          out.push(this.check(s.loc), 'abortNow();', this.inFunction ? 'throw NEXT;' : 'return;');
          return;
        }
        out.push(this.check(s.loc), 'exitNow();');
        return;
      case 'error':
        if (s.warn) out.push(this.check(s.loc), `warnNow(${this.expr(s.message)});`);
        else out.push(this.check(s.loc), `throw userError(${this.expr(s.message)}, ${this.loc(s.loc)});`);
        return;
      case 'try': {
        // the call depth is restored: an error thrown in a nested call skipped its `depth--`
        const saved = this.temp(), error = this.temp();
        out.push(this.check(s.loc), `${saved} = depth;`, 'try {');
        this.stmt(s.body);
        out.push(`} catch (${error}) {`, `depth = ${saved};`, s.catchSlot !== undefined ? `v${s.catchSlot} = caught(${error});` : `caught(${error});`);
        this.stmt(s.handler);
        out.push('}');
        return;
      }
    }
  }

  private delete(target: Extract<Stmt, { kind: 'delete' }>['target']): string {
    switch (target.kind) {
      case 'element':
        return `g${target.global}.delete(${this.keys(target.keys)})`;
      case 'array':
        return `g${target.global}.clear()`;
      case 'global': {
        const decl = this.module.global(target.global);
        if (decl.kind === 'scalar') return `g${target.global}.set(${zeroOf(decl.type)})`;
        return `g${target.global}.clear()`;
      }
      case 'local':
        return `v${target.slot} = ${zeroOf(this.module.localType(target.slot))}`;
      case 'slice':
        return `sliceDelete(g${target.global}, ${this.slicePattern(target.keys)})`;
    }
  }

  private foreach(s: ForeachStmt): void {
    if (s.hist) return this.foreachBucket(s, s.hist);
    const out = this.lines;
    const decl = this.module.global(s.global);
    const list = this.temp(), i = this.temp(), entry = this.temp();
    const sort = s.sort ? this.module.sortSpec(s.sort) : 'undefined';
    // the slice's keys are evaluated once, before the limit, as SystemTap does
    const slice = s.slice ? this.slicePattern(s.slice) : 'undefined';
    const limit = s.limit ? `Number(${this.expr(s.limit)})` : 'undefined';
    out.push(this.check(s.loc), `${list} = iter(g${s.global}, ${sort}, ${limit}, ${slice});`);
    out.push(`for (${i} = 0; ${i} < ${list}.length; ${i}++) {`, this.check(s.loc), `${entry} = ${list}[${i}];`);
    s.keys.forEach((slot, part) => out.push(`v${slot} = ${entry}[0][${part}];`));
    if (s.value !== undefined) {
      const isStats = decl.kind === 'array' && decl.value === 'stats';
      const fn = s.sort?.by === 'value' && s.sort.aggregate ? s.sort.aggregate : 'count';
      out.push(isStats ? `v${s.value} = aggregateOf(${entry}[1], ${JSON.stringify(fn)});` : `v${s.value} = ${entry}[1];`);
    }
    this.stmt(s.body);
    out.push('}');
  }

  /** foreach over the buckets of a histogram: bucket numbers in order, the value its count. */
  private foreachBucket(s: ForeachStmt, hist: NonNullable<ForeachStmt['hist']>): void {
    const out = this.lines;
    const spec = this.module.histSpecIndex(s.global, hist.spec, s.loc);
    const counts = this.temp(), i = this.temp(), n = this.temp();
    const limit = s.limit ? `Number(${this.expr(s.limit)})` : 'Infinity';
    out.push(this.check(s.loc), `${counts} = hbuckets(${this.statsRead(s.global, hist.keys)}, ${spec}, ${this.loc(s.loc)});`);
    out.push(`${n} = Math.min(${counts}.length, ${limit});`);
    out.push(`for (${i} = 0; ${i} < ${n}; ${i}++) {`, this.check(s.loc));
    if (s.keys.length > 0) out.push(`v${s.keys[0]} = ${i};`);
    if (s.value !== undefined) out.push(`v${s.value} = ${counts}[${i}];`);
    this.stmt(s.body);
    out.push('}');
  }

  body(): string {
    return this.lines.join('\n');
  }
}

/** Collects what the generated module shares: locations, sort specs, the globals' declarations. */
class ModuleEmitter {
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

function toScalar(value: bigint | number | string, isString: boolean): Scalar {
  if (isString) return typeof value === 'string' ? value : String(value);
  return typeof value === 'string' ? 0 : L.toLong(value);
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

  const maxContent = module.maxContent;
  const globalNames = new Map(program.globals.map((g) => [g.index, g]));
  const emit = input.emit;
  const services = input.services;
  const fieldLimitPrintf = 8192;
  const compileFormats = (fieldLimit: number): Formatter[] => {
    const { compileFormat } = require('./printf-format') as typeof import('./printf-format');
    return program.formats.map((f: FormatIR) => compileFormat(f, fieldLimit));
  };

  // The generated module destructures only the bindings its code names; the getters below load
  // their modules at that moment.
  const bindings = {
    L,
    get S() {
      return require('./string-builtins') as typeof import('./string-builtins');
    },
    stores: input.stores,
    locs: module.locs,
    sorts: module.sorts,
    get fmt() {
      return compileFormats(fieldLimitPrintf);
    },
    get sfmt() {
      return compileFormats(program.limits.maxStringLen);
    },
    svc: services,
    NEXT: NEXT_SIGNAL,
    MAXC: maxContent,
    MAXNEST: program.limits.maxNesting,
    emit,
    exitNow: input.exit,
    abortNow: input.abort ?? input.exit,
    warnNow: input.warn ?? (() => undefined),
    get aggregateOf() {
      return foreachOrder().aggregateOf;
    },
    cut(text: string): string {
      return text.length > maxContent ? text.slice(0, maxContent) : text;
    },
    cstr: cString,
    cat(a: string, b: string): string {
      const text = a + b;
      return text.length > maxContent ? text.slice(0, maxContent) : text;
    },
    divz(a: L.Long, b: L.Long, loc: SourceLoc): L.Long {
      if (b === 0) throw new ScriptRuntimeError(MESSAGES.divisionByZero, loc);
      return L.div(a, b);
    },
    modz(a: L.Long, b: L.Long, loc: SourceLoc): L.Long {
      if (b === 0) throw new ScriptRuntimeError(MESSAGES.divisionByZero, loc);
      return L.mod(a, b);
    },
    act(loc: SourceLoc): never {
      throw new ScriptRuntimeError(MESSAGES.maxAction, loc);
    },
    nesting(loc: SourceLoc): never {
      throw new ScriptRuntimeError(MESSAGES.maxNesting, loc);
    },
    // V8's stack (about 1 MB) ran out inside script functions before MAXNESTING did: large
    // function frames times a high -D MAXNESTING. The same runtime error, saying so.
    stackOut(error: unknown, depth: number, index: number): unknown {
      if (!(error instanceof RangeError) || depth === 0) return error;
      return new ScriptRuntimeError(`${MESSAGES.maxNesting}: the stack ran out ${depth} script function calls deep; lower -D MAXNESTING`, input.handlers[index].handler.body.loc);
    },
    overflow(global: number, loc: SourceLoc): never {
      const decl = globalNames.get(global);
      const capacity = decl?.kind === 'array' ? decl.maxEntries : program.limits.maxMapEntries;
      throw new ScriptRuntimeError(MESSAGES.arrayOverflow(capacity, capacity !== program.limits.maxMapEntries), loc);
    },
    /** try/catch: the message (bytes) of a runtime error a script may catch; anything else goes on. */
    caught(error: unknown): string {
      if (error instanceof ScriptRuntimeError && error.message !== MESSAGES.maxAction && error.message !== MESSAGES.maxNesting) return fromText(error.message);
      throw error;
    },
    userError(message: string, loc: SourceLoc): ScriptRuntimeError {
      return new ScriptRuntimeError(toText(message), loc);
    },
    aggCount(stats: StatsValue | undefined): L.Long {
      return stats === undefined ? 0 : stats.count;
    },
    aggSum(stats: StatsValue | undefined): L.Long {
      return stats === undefined ? 0 : stats.sum;
    },
    get agg() {
      const { aggregateOf } = foreachOrder();
      return (stats: StatsValue | undefined, fn: 'min' | 'max' | 'avg' | 'variance', loc: SourceLoc): L.Long => {
        if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
        return aggregateOf(stats, fn);
      };
    },
    get hist() {
      const { histogramText, HIST_ELISION } = require('./histogram-text') as typeof import('./histogram-text');
      const given = Number(program.limits.extra.HIST_ELISION);
      const histElision = program.limits.extra.HIST_ELISION !== undefined && Number.isInteger(given) ? given : HIST_ELISION;
      return (stats: StatsValue | undefined, global: number, spec: number, loc: SourceLoc): string => {
        if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
        const decl = globalNames.get(global)!;
        const use = decl.kind === 'stats' || decl.kind === 'array' ? decl.stats : undefined;
        return histogramText(histLayout(use!.hist[spec]), stats.hists[spec], histElision);
      };
    },
    get iter() {
      return foreachOrder().foreachEntries;
    },
    get sliceHas() {
      return foreachOrder().sliceHas;
    },
    get sliceDelete() {
      return foreachOrder().sliceDelete;
    },
    hbuckets(stats: StatsValue | undefined, spec: number, loc: SourceLoc): readonly number[] {
      if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
      return stats.hists[spec];
    },
    hbucket(stats: StatsValue | undefined, spec: number, bucket: L.Long, loc: SourceLoc): L.Long {
      if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
      const counts = stats.hists[spec];
      return bucket >= 0 && bucket < counts.length ? counts[Number(bucket)] : 0;
    },
    reg(ctx: ProbeContext, name: Parameters<ProbeContext['reg']>[0], loc: SourceLoc): L.Long {
      try {
        return L.toLong(ctx.reg(name));
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    wreg(ctx: ProbeContext, name: Parameters<ProbeContext['reg']>[0], value: L.Long, loc: SourceLoc): void {
      try {
        ctx.writeReg(name, BigInt(value));
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    cl(ctx: ProbeContext, what: ContextValue, loc: SourceLoc): L.Long {
      try {
        const v = ctx.context(what);
        return typeof v === 'string' ? 0 : L.toLong(v);
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    cs(ctx: ProbeContext, what: ContextValue, loc: SourceLoc): string {
      try {
        const v = ctx.context(what);
        const text = typeof v === 'string' ? v : String(v);
        return text.length > maxContent ? text.slice(0, maxContent) : text;
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    get ru() {
      return userMemory().readUser;
    },
    get rs() {
      const { readUserString } = userMemory();
      return (ctx: ProbeContext, addr: L.Long, maxLen: L.Long, loc: SourceLoc): string => {
        const max = maxLen < 0 ? 0 : maxLen > maxContent ? maxContent : Number(maxLen);
        return readUserString(ctx, addr, max, loc);
      };
    },
    get wu() {
      return userMemory().writeUser;
    },
    ent: toScalar,
    get tok() {
      return (require('./string-builtins') as typeof import('./string-builtins')).newTokenizeState();
    },
    randint(n: L.Long, loc: SourceLoc): L.Long {
      // SystemTap's _stp_random_u range limit; n is taken as unsigned, as there
      if (n < 0 || n > 1024 * 1024) throw new ScriptRuntimeError('range too wide', loc);
      return Math.floor(Math.random() * Number(n));
    },
    ctime(secs: L.Long, loc: SourceLoc): string {
      const r = (require('./ctime') as typeof import('./ctime')).ctime(secs);
      if ('error' in r) throw new ScriptRuntimeError(r.error, loc);
      return r.text;
    },
    get errnoStr() {
      return (require('./errno-names') as typeof import('./errno-names')).errnoStr;
    },
    usymsText,
    addressStyle(style: string, loc: SourceLoc): AddressStyle {
      if (!(ADDRESS_STYLES as readonly string[]).includes(style)) throw new ScriptRuntimeError(`unknown address layout '${style}' (one of ${ADDRESS_STYLES.join(', ')})`, loc);
      return style as AddressStyle;
    },
  };

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
  let factory: (b: typeof bindings) => Omit<CompiledProgram, 'source'>;
  try {
    factory = new Function('B', source) as typeof factory;
  } catch (error) {
    throw new CompileError(`generated handler code does not parse (${(error as Error).message}); this is a utap bug`);
  }
  const compiled = factory(bindings);
  return { run: compiled.run, capture: compiled.capture, source };
}
