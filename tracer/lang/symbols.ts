// The symbol tables the checker's passes share: what resolve.ts finds (globals, functions, probe
// aliases, the probes to build), what types.ts learns about them (shapes and types), and what
// lower.ts reads to emit the IR. Plain data plus a few pure helpers; no pass logic.
import type { ProbePointIR, ScalarType, SourceLoc } from '../ir/ir';
import { BUILTINS } from '../ir/ir';
import type { AstExpr, AstFunction, AstProbePoint, AstStmt } from './ast';
import { ARG_FUNCTIONS, CLOCK_FUNCTIONS, CONTEXT_FUNCTIONS, STATEMENT_BUILTINS, USER_READS } from './builtins';

export type T = ScalarType;

export interface GlobalSym {
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
  /** the probes (PlannedProbe) and functions (FunctionSym) that refer to it */
  usedBy?: Set<object>;
  /** declared in a tapset file (not printed at exit when written but never read) */
  tapset?: boolean;
}

export interface LocalSym {
  name: string;
  slot: number;
  type?: T;
  /** where it is first used (parameters: declared) */
  loc?: SourceLoc;
}

export interface FunctionSym {
  ast: AstFunction;
  index: number;
  params: LocalSym[];
  /** undefined: not known yet; 'void' once a body is known to return nothing */
  returnType?: T | 'void';
  returnsValue: boolean;
  scope: Scope;
  /** some probe or function calls it (only those must have settled types) */
  called?: boolean;
}

export interface Scope {
  locals: Map<string, LocalSym>;
  list: LocalSym[];
  fn?: FunctionSym;
  /** the probe has process points, so target variables have a meaning */
  targetVars: boolean;
  /** the probe has .return points: `@entry(...)` has a meaning */
  returnProbe: boolean;
  /**
   * What target variables mean when every process point is of one special kind: none at
   * process/thread begin and end; SystemTap's `$syscall`, `$arg1..6` / `$return` at .syscall /
   * .syscall.return; `$$name` alone at .plt. Undefined: DWARF variables (function, statement, mark).
   */
  contextVars?: 'none' | 'syscall' | 'syscallReturn' | 'plt';
  loops: number;
}

/** One probe to build: its concrete points and the bodies that run, in order. */
export interface PlannedProbe {
  points: AstProbePoint[];
  /** alias prologues, the user's body, alias epilogues */
  bodies: AstStmt[];
  /** `probe P if (cond)`: the conditions of the points (all must hold) */
  conditions: AstExpr[];
  loc: SourceLoc;
  scope: Scope;
}

/** Everything resolve.ts found: the input of the types and lower passes. */
export interface Resolved {
  globals: Map<string, GlobalSym>;
  functions: Map<string, FunctionSym>;
  probes: PlannedProbe[];
}

export function newScope(targetVars: boolean, returnProbe = false): Scope {
  return { locals: new Map(), list: [], targetVars, returnProbe, loops: 0 };
}

/** The local `name` of `scope`, created on first use. */
export function localOf(name: string, scope: Scope, loc?: SourceLoc): LocalSym {
  let l = scope.locals.get(name);
  if (!l) {
    l = { name, slot: scope.list.length, loc };
    scope.locals.set(name, l);
    scope.list.push(l);
  }
  return l;
}

export function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** A number literal, possibly negated: its value as a long. */
export function constantLong(e: AstExpr): bigint | undefined {
  if (e.kind === 'number') return BigInt.asIntN(64, e.value);
  if (e.kind === 'unary' && e.operator === '-') {
    const v = constantLong(e.operand);
    return v === undefined ? undefined : BigInt.asIntN(64, -v);
  }
  return undefined;
}

/** Builtins that lower specially (not through BUILTINS' signature table). */
export const SPECIAL_BUILTINS = new Set(['register', 'u_register', 'returnval', 'user_string', 'user_string_n', 'sprintf', 'sprint_ubacktrace', 'sprint', 'sprintln', 'sprintd', 'sprintdln']);

export function isBuiltinName(name: string): boolean {
  return (
    name in BUILTINS || name in CONTEXT_FUNCTIONS || name in CLOCK_FUNCTIONS || name in USER_READS || name in ARG_FUNCTIONS || STATEMENT_BUILTINS.has(name) ||
    SPECIAL_BUILTINS.has(name)
  );
}

/** `$x` is a long (an address for pointers); pretty-printed forms and `$$parms` are strings. */
export function targetType(e: Extract<AstExpr, { kind: 'target' }>): T {
  return e.pretty || e.name.startsWith('$') ? 'string' : 'long';
}

export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/"/g, '\\"');
}

export function pointText(p: AstProbePoint): string {
  return p.components
    .map((c) => (c.arg === undefined ? c.name : typeof c.arg === 'string' ? `${c.name}("${escapeText(c.arg)}")` : `${c.name}(${c.arg})`))
    .join('.');
}

export function pointIR(p: AstProbePoint): ProbePointIR {
  return { text: pointText(p), components: p.components.map((c) => (c.arg === undefined ? { name: c.name } : { name: c.name, arg: c.arg })), optional: p.optional, loc: p.loc };
}
