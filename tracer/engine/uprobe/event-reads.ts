// Which target-memory reads an event-mode handler does, and whether the kernel can do each of
// them at the hit. utap runs an event-mode handler when it reads the ring-buffer record, after
// the target has run on, so the memory it reads must be read by the kernel program at the hit
// and shipped in the record ("hoisted"). A read can be hoisted when its address is computed from
// what the kernel has at the hit: registers, constants, kernel-known context values, entry
// values the kernel keeps, and other hoisted reads ($p->a->b). A local of the handler counts as
// its value when the handler gives it exactly one value before the read, by a plain `=` at its
// top level from such an expression (`p = $req->name; user_string(p)`): the kernel computes the
// same value at the hit. Likewise in a script function the handler calls, whose parameters (the
// ones it never assigns) count as the call's arguments: each call is followed with its own
// (`function name(p) { return user_string(p) }` called as name($a) and name($b) ships two
// reads; recursion is not followed). An address from any other local, a global, a loop variable
// or a function result only exists while utap runs the handler: such a read cannot be exact on
// this engine, and the engine refuses the script with that sentence. (Reads are matched by address
// when the handler runs, event-snapshots.ts, so a wrong guess here could not go unnoticed.)
import { exprKey } from '../../bpf-codegen/expr-key';
import type { Expr, FunctionIR, ProgramIR, SourceLoc, Stmt } from '../../ir/ir';
import { walkExpr, walkStmt } from '../../ir/walk';

export interface EventReads {
  /** Reads to do at the hit, each after the reads its address depends on; no duplicates. */
  reads: Expr[];
  /** Why some read cannot be done at the hit (names the read and what its address comes from). */
  refusal?: string;
}

/** Context values the kernel program computes itself with the value userspace will see. */
const ADDRESS_CONTEXT = new Set(['tid', 'pid', 'cpu', 'uid', 'gid', 'target', 'uaddr']);

/**
 * The reads of `roots` (a handler body, or a return site's entry captures) and of every script
 * function they call. `entryInKernel`: entry values are known to the kernel at the hit.
 */
export function eventReads(program: ProgramIR, roots: { stmts: readonly Stmt[]; exprs: readonly Expr[] }, entryInKernel: boolean): EventReads {
  const reads: Expr[] = [];
  const seen = new Set<string>();
  let refusal: string | undefined;
  const byIndex = new Map<number, FunctionIR>(program.functions.map((f) => [f.index, f]));
  /** Calls walked with their arguments (function and argument keys), and functions walked without. */
  const walkedCalls = new Set<string>();
  const walkedPlain = new Set<number>();
  const callStack: number[] = [];

  // The locals of the body being walked known so far (slot → the expression of their one
  // value), while its top-level statements are walked in order; a function's parameters that
  // it never assigns are known as their arguments.
  let defined = new Map<number, Expr>();
  const add = (original: Extract<Expr, { op: 'userRead' | 'userString' }>): void => {
    const read = withDefinitions(original, defined);
    const key = exprKey(read);
    if (seen.has(key)) return;
    const why = notComputable(read.addr, entryInKernel) ?? (read.op === 'userString' && read.maxLen ? notComputable(read.maxLen, entryInKernel) : undefined);
    if (why) {
      refusal ??= `its ${describeRead(read)} at ${where(read.loc)} takes its address from ${why}, which exists only when utap runs the handler, too late to read the target's memory`;
      return;
    }
    // The reads its address depends on come first.
    for (const inner of innerReads(read)) add(inner);
    seen.add(key);
    reads.push(read);
  };
  const walkBody = (stmts: readonly Stmt[], known: Map<number, Expr>): void => {
    const outer = defined;
    defined = known;
    const singles = singleAssignments(stmts, known);
    for (const s of topLevel(stmts)) {
      walkStmt(s, visitor);
      const single = singles.get(s);
      if (single) defined = new Map(defined).set(single.slot, withDefinitions(single.value, defined));
    }
    defined = outer;
  };
  const call = (e: Extract<Expr, { op: 'call' }>): void => {
    const fn = byIndex.get(e.function);
    if (!fn) return;
    // Recursion (or a deep chain) has arguments no walk can bound: its reads through parameters
    // are refused, the others shipped once.
    if (callStack.includes(fn.index) || callStack.length >= MAX_CALL_DEPTH) {
      if (walkedPlain.has(fn.index)) return;
      walkedPlain.add(fn.index);
      callStack.push(fn.index);
      walkBody([fn.body], new Map());
      callStack.pop();
      return;
    }
    const args = e.args.map((a) => withDefinitions(a, defined));
    const key = `${fn.index}(${args.map(exprKey).join(',')})`;
    if (walkedCalls.has(key)) return;
    walkedCalls.add(key);
    const written = writtenSlots([fn.body]);
    const params = new Map<number, Expr>();
    fn.params.forEach((p, slot) => {
      if (p.type === 'long' && !written.has(slot) && args[slot]) params.set(slot, args[slot]);
    });
    callStack.push(fn.index);
    walkBody([fn.body], params);
    callStack.pop();
  };
  const visitor = {
    expr(e: Expr) {
      if (e.op === 'userRead' || e.op === 'userString') add(e);
      else if (e.op === 'call') call(e);
    },
  };
  walkBody(roots.stmts, new Map());
  for (const e of roots.exprs) walkExpr(e, visitor);
  return { reads, refusal };
}

/** Script-function calls followed with their arguments, at most this deep. */
const MAX_CALL_DEPTH = 8;

/** The statements of the handler's top level, in order. */
function topLevel(stmts: readonly Stmt[]): Stmt[] {
  return stmts.flatMap((s) => (s.kind === 'block' ? s.body : [s]));
}

/**
 * The top-level statements `local = long expression` whose local the body sets nowhere else
 * (no other assignment, ++/--, foreach binding or delete) and that is not already `known` (a
 * parameter): after such a statement the local holds that expression's value for the rest of
 * the body.
 */
function singleAssignments(stmts: readonly Stmt[], known: ReadonlyMap<number, Expr>): Map<Stmt, { slot: number; value: Expr }> {
  const writes = writtenSlots(stmts);
  const out = new Map<Stmt, { slot: number; value: Expr }>();
  for (const s of topLevel(stmts)) {
    if (s.kind !== 'expr' || s.expr.op !== 'assign' || s.expr.operator !== '=' || s.expr.target.kind !== 'local' || s.expr.type !== 'long') continue;
    const slot = s.expr.target.slot;
    if (writes.get(slot) === 1 && !known.has(slot)) out.set(s, { slot, value: s.expr.value });
  }
  return out;
}

/** How many times the body writes each local slot (assignments, ++/--, foreach bindings, delete). */
function writtenSlots(stmts: readonly Stmt[]): Map<number, number> {
  const writes = new Map<number, number>();
  const count = (slot: number) => writes.set(slot, (writes.get(slot) ?? 0) + 1);
  const visitor = {
    stmt(s: Stmt) {
      if (s.kind === 'foreach') {
        s.keys.forEach(count);
        if (s.value !== undefined) count(s.value);
      } else if (s.kind === 'delete' && s.target.kind === 'local') count(s.target.slot);
    },
    lvalue(target: { kind: string; slot?: number }) {
      if (target.kind === 'local') count(target.slot!);
    },
  };
  for (const s of stmts) walkStmt(s, visitor);
  return writes;
}

/** `e` with each local that `defined` knows replaced by the expression of its value. */
function withDefinitions<E extends Expr>(e: E, defined: ReadonlyMap<number, Expr>): E {
  if (defined.size === 0) return e;
  const sub = (x: Expr): Expr => {
    switch (x.op) {
      case 'local':
        return defined.get(x.slot) ?? x;
      case 'userRead':
        return { ...x, addr: sub(x.addr) };
      case 'userString':
        return { ...x, addr: sub(x.addr), maxLen: x.maxLen && sub(x.maxLen) };
      case 'binary':
      case 'compare':
      case 'logical':
        return { ...x, left: sub(x.left), right: sub(x.right) } as Expr;
      case 'unary':
        return { ...x, operand: sub(x.operand) };
      case 'conditional':
        return { ...x, test: sub(x.test), then: sub(x.then), else: sub(x.else) };
      default:
        return x;
    }
  };
  return sub(e) as E;
}

/** A sentence part for -v: what each shipped read is and where the script does it. */
export function describeReads(reads: readonly Expr[]): string {
  return reads.map((r) => `${describeRead(r)} at ${where(r.loc)}`).join(', ');
}

function describeRead(read: Expr): string {
  if (read.op === 'userString') return read.maxLen ? 'user_string_n' : 'user_string';
  if (read.op === 'userRead') return `${read.size}-byte read`;
  return read.op;
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** The reads directly inside a read's address (and maxLen), outermost first. */
function innerReads(read: Extract<Expr, { op: 'userRead' | 'userString' }>): Array<Extract<Expr, { op: 'userRead' | 'userString' }>> {
  const found: Array<Extract<Expr, { op: 'userRead' | 'userString' }>> = [];
  const collect = (e: Expr) => {
    walkExpr(e, {
      expr(x) {
        if (x.op === 'userRead' || x.op === 'userString') found.push(x);
      },
    });
  };
  collect(read.addr);
  if (read.op === 'userString' && read.maxLen) collect(read.maxLen);
  return found;
}

/** Undefined when the kernel can compute `e` at the hit, else what makes it impossible. */
function notComputable(e: Expr, entryInKernel: boolean): string | undefined {
  switch (e.op) {
    case 'long':
    case 'reg':
      return undefined;
    case 'context':
      return ADDRESS_CONTEXT.has(e.what) ? undefined : `${e.what}()`;
    case 'entry':
      return entryInKernel ? undefined : 'a value captured at function entry that the kernel does not keep';
    case 'userRead':
      return notComputable(e.addr, entryInKernel);
    case 'binary':
    case 'compare':
    case 'logical':
      if (e.op === 'compare' && e.left.type !== 'long') return 'a string comparison';
      return notComputable(e.left, entryInKernel) ?? notComputable(e.right, entryInKernel);
    case 'unary':
      return notComputable(e.operand, entryInKernel);
    case 'conditional':
      return notComputable(e.test, entryInKernel) ?? notComputable(e.then, entryInKernel) ?? notComputable(e.else, entryInKernel);
    case 'local':
      return 'a local variable';
    case 'global':
    case 'arrayGet':
    case 'arrayIn':
    case 'arraySliceIn':
      return 'a global';
    case 'call':
      return 'a function result';
    case 'builtin':
      return `the result of ${e.name}()`;
    case 'assign':
    case 'incdec':
      return 'an assignment';
    case 'aggregate':
      return 'a statistic';
    default:
      return `a ${e.op} expression`;
  }
}
