// Builds handler IR by hand for runtime tests, without the front end: terse constructors for
// every node, and a ProgramBuilder that numbers globals, functions, probes and formats.
import type {
  AggregateFn, AssignOp, BinaryOp, CompareOp, ContextValue, Expr, ForeachSort, FormatConversion, FormatIR, FormatPiece, FunctionIR,
  GlobalDecl, HistSpec, Limits, LocalDecl, LValue, ProbeIR, ProgramIR, RegName, ScalarType, SourceLoc, Stmt, StatsRef,
} from '../../tracer/ir/ir';
import { DEFAULT_LIMITS } from '../../tracer/ir/ir';

export const FILE = 'test.stp';
let line = 1;
/** A fresh location (each node gets its own line unless one is given). */
export function at(l?: number, column = 1): SourceLoc {
  return { file: FILE, line: l ?? line++, column };
}

export const lit = (value: number | bigint, loc = at()): Expr => ({ op: 'long', type: 'long', value: BigInt(value), loc });
export const str = (value: string, loc = at()): Expr => ({ op: 'string', type: 'string', value, loc });
export const local = (slot: number, type: ScalarType = 'long', loc = at()): Expr => ({ op: 'local', type, slot, loc });
export const glob = (global: number, type: ScalarType = 'long', loc = at()): Expr => ({ op: 'global', type, global, loc });
export const get = (global: number, keys: Expr[], type: ScalarType = 'long', loc = at()): Expr => ({ op: 'arrayGet', type, global, keys, loc });
export const isIn = (global: number, keys: Expr[], loc = at()): Expr => ({ op: 'arrayIn', type: 'long', global, keys, loc });
export const bin = (operator: BinaryOp, left: Expr, right: Expr, loc = at()): Expr => ({ op: 'binary', type: 'long', operator, left, right, loc });
export const cmp = (operator: CompareOp, left: Expr, right: Expr, loc = at()): Expr => ({ op: 'compare', type: 'long', operator, left, right, loc });
export const and = (left: Expr, right: Expr, loc = at()): Expr => ({ op: 'logical', type: 'long', operator: '&&', left, right, loc });
export const or = (left: Expr, right: Expr, loc = at()): Expr => ({ op: 'logical', type: 'long', operator: '||', left, right, loc });
export const un = (operator: '-' | '~' | '!' | '+', operand: Expr, loc = at()): Expr => ({ op: 'unary', type: 'long', operator, operand, loc });
export const cat = (left: Expr, right: Expr, loc = at()): Expr => ({ op: 'concat', type: 'string', left, right, loc });
export const cond = (test: Expr, then: Expr, otherwise: Expr, loc = at()): Expr => ({ op: 'conditional', type: then.type as ScalarType, test, then, else: otherwise, loc });
export const assign = (target: LValue, value: Expr, operator: AssignOp = '=', type: ScalarType = value.type as ScalarType, loc = at()): Expr => ({ op: 'assign', type, operator, target, value, loc });
export const incdec = (target: LValue, delta: 1 | -1, prefix: boolean, loc = at()): Expr => ({ op: 'incdec', type: 'long', target, delta, prefix, loc });
export const agg = (fn: AggregateFn, global: number, keys?: Expr[], loc = at()): Expr => ({ op: 'aggregate', type: 'long', fn, source: { global, keys }, loc });
export const call = (fn: number, args: Expr[], type: ScalarType | 'void' = 'long', loc = at()): Expr => ({ op: 'call', type, function: fn, args, loc });
export const builtin = (name: Extract<Expr, { op: 'builtin' }>['name'], args: Expr[], type: ScalarType, loc = at()): Expr => ({ op: 'builtin', type, name, args, loc });
export const sprintf = (format: number, args: Expr[], loc = at()): Expr => ({ op: 'sprintf', type: 'string', format, args, loc });
export const ctx = (what: ContextValue, type: ScalarType = 'long', loc = at()): Expr => ({ op: 'context', type, what, loc });
export const reg = (r: RegName, loc = at()): Expr => ({ op: 'reg', type: 'long', reg: r, loc });
export const uread = (addr: Expr, size: 1 | 2 | 4 | 8, signed = false, loc = at()): Expr => ({ op: 'userRead', type: 'long', addr, size, signed, loc });
export const ustr = (addr: Expr, maxLen?: Expr, loc = at()): Expr => ({ op: 'userString', type: 'string', addr, maxLen, loc });
export const entry = (index: number, type: ScalarType = 'long', loc = at()): Expr => ({ op: 'entry', type, index, loc });

export const L = {
  local: (slot: number): LValue => ({ kind: 'local', slot }),
  global: (global: number): LValue => ({ kind: 'global', global }),
  element: (global: number, keys: Expr[]): LValue => ({ kind: 'element', global, keys }),
};

export const block = (...body: Stmt[]): Stmt => ({ kind: 'block', body, loc: at() });
export const ex = (expr: Expr, loc = at()): Stmt => ({ kind: 'expr', expr, loc });
export const iff = (test: Expr, then: Stmt, otherwise?: Stmt, loc = at()): Stmt => ({ kind: 'if', test, then, else: otherwise, loc });
export const whilst = (test: Expr, body: Stmt, loc = at()): Stmt => ({ kind: 'while', test, body, loc });
export const forLoop = (init: Stmt | undefined, test: Expr | undefined, step: Expr | undefined, body: Stmt, loc = at()): Stmt => ({ kind: 'for', init, test, step, body, loc });
export const foreach = (global: number, keys: number[], body: Stmt, opts: { value?: number; sort?: ForeachSort; limit?: Expr; slice?: Array<Expr | null> } = {}, loc = at()): Stmt => ({
  kind: 'foreach', global, keys, body, ...opts, loc,
});
export const brk = (loc = at()): Stmt => ({ kind: 'break', loc });
export const cont = (loc = at()): Stmt => ({ kind: 'continue', loc });
export const next = (loc = at()): Stmt => ({ kind: 'next', loc });
export const ret = (value?: Expr, loc = at()): Stmt => ({ kind: 'return', value, loc });
export const del = (target: Extract<Stmt, { kind: 'delete' }>['target'], loc = at()): Stmt => ({ kind: 'delete', target, loc });
export const statsAdd = (target: StatsRef, value: Expr, loc = at()): Stmt => ({ kind: 'statsAdd', target, value, loc });
export const printf = (format: number, args: Expr[], loc = at()): Stmt => ({ kind: 'printf', format, args, loc });
export const print = (args: Expr[], newline = false, loc = at()): Stmt => ({ kind: 'print', args, newline, loc });
export const printHist = (source: StatsRef, hist: HistSpec, loc = at()): Stmt => ({ kind: 'printHist', source, hist, loc });
export const exit = (loc = at()): Stmt => ({ kind: 'exit', loc });
export const error = (message: Expr, loc = at()): Stmt => ({ kind: 'error', message, loc });

/** Parses a printf format the simple way the front end will (enough for tests). */
export function parseFormat(text: string, argTypes?: ScalarType[]): FormatIR {
  const pieces: FormatPiece[] = [];
  const re = /%([-0+ #]*)(\*|\d+)?(?:\.(\*|\d+))?([diuxXospcb%])/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let argIndex = 0;
  const pushText = (t: string) => {
    if (!t) return;
    const prev = pieces[pieces.length - 1];
    if (prev && prev.kind === 'text') prev.text += t;
    else pieces.push({ kind: 'text', text: t });
  };
  while ((m = re.exec(text))) {
    pushText(text.slice(last, m.index));
    last = re.lastIndex;
    if (m[4] === '%') {
      pushText('%');
      continue;
    }
    const flags = m[1];
    const conversion = m[4] as FormatConversion;
    if (m[2] === '*') argIndex++;
    if (m[3] === '*') argIndex++;
    pieces.push({
      kind: 'conversion',
      conversion,
      flags: { left: flags.includes('-'), zero: flags.includes('0'), plus: flags.includes('+'), space: flags.includes(' '), alternate: flags.includes('#') },
      width: m[2] === undefined ? undefined : m[2] === '*' ? '*' : Number(m[2]),
      precision: m[3] === undefined ? undefined : m[3] === '*' ? '*' : Number(m[3]),
      argType: argTypes?.[argIndex] ?? (conversion === 's' ? 'string' : 'long'),
    });
    argIndex++;
  }
  pushText(text.slice(last));
  return { text, pieces, loc: at() };
}

export class ProgramBuilder {
  readonly globals: GlobalDecl[] = [];
  readonly functions: FunctionIR[] = [];
  readonly probes: ProbeIR[] = [];
  readonly formats: FormatIR[] = [];
  limits: Limits = { ...DEFAULT_LIMITS, extra: {} };
  source = '';

  scalar(name: string, type: ScalarType = 'long', init?: bigint | string): number {
    const index = this.globals.length;
    this.globals.push({ kind: 'scalar', index, name, type, init, loc: at() });
    return index;
  }
  stats(name: string): number {
    const index = this.globals.length;
    this.globals.push({ kind: 'stats', index, name, stats: { count: false, sum: false, min: false, max: false, avg: false, hist: [] }, loc: at() });
    return index;
  }
  array(name: string, keyTypes: ScalarType[], value: ScalarType | 'stats' = 'long', maxEntries?: number): number {
    const index = this.globals.length;
    this.globals.push({ kind: 'array', index, name, keyTypes, value, maxEntries: maxEntries ?? this.limits.maxMapEntries, loc: at() });
    return index;
  }
  format(text: string, argTypes?: ScalarType[]): number {
    this.formats.push(parseFormat(text, argTypes));
    return this.formats.length - 1;
  }
  fn(name: string, params: LocalDecl[], locals: LocalDecl[], returnType: ScalarType | 'void', body: Stmt, recursive = false): number {
    const index = this.functions.length;
    this.functions.push({ index, name, params, locals: [...params, ...locals], returnType, body, recursive, loc: at() });
    return index;
  }
  /** Reserves a function index so recursive bodies can call it; fill with define(). */
  declare(): number {
    this.functions.push(undefined as unknown as FunctionIR);
    return this.functions.length - 1;
  }
  define(index: number, name: string, params: LocalDecl[], locals: LocalDecl[], returnType: ScalarType | 'void', body: Stmt, recursive = false): void {
    this.functions[index] = { index, name, params, locals: [...params, ...locals], returnType, body, recursive, loc: at() };
  }
  /** `points` as text: 'begin', 'end', 'error', 'timer.ms(10)', 'never'. */
  probe(points: string[], locals: LocalDecl[], ...body: Stmt[]): number {
    const index = this.probes.length;
    this.probes.push({
      index,
      points: points.map((text) => ({ text, components: components(text), optional: text.endsWith('?'), loc: at() })),
      handler: { locals, body: block(...body) },
      loc: at(),
    });
    return index;
  }
  build(overrides: Partial<Limits> = {}): ProgramIR {
    return {
      globals: this.globals,
      functions: this.functions,
      probes: this.probes,
      formats: this.formats,
      limits: { ...this.limits, ...overrides, extra: { ...this.limits.extra, ...overrides.extra } },
      guru: false,
      sources: { [FILE]: this.source },
    };
  }
}

function components(text: string): ProbeIR['points'][number]['components'] {
  return splitAtDots(text.replace(/\?$/, ''))
    .map((part) => {
      const m = /^(\w+)(?:\((.*)\))?$/.exec(part);
      if (!m) throw new Error(`bad probe point component ${part}`);
      const arg = m[2] === undefined ? undefined : /^-?\d+$/.test(m[2]) ? BigInt(m[2]) : m[2].replace(/^"|"$/g, '');
      return { name: m[1], arg };
    });
}

/**
 * A probe point's components: split at the dots outside quotes and parentheses, since a
 * component's argument (`process("/home/a.b/x")`, `function("f@x.c")`) may hold dots itself.
 */
export function splitAtDots(text: string): string[] {
  const parts: string[] = [];
  let start = 0, depth = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '.' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export const long = (name: string): LocalDecl => ({ name, type: 'long' });
export const string = (name: string): LocalDecl => ({ name, type: 'string' });
