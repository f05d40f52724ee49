// Which target-memory reads an event-mode handler does, and whether the kernel can do each of
// them at the hit. utap runs an event-mode handler when it reads the ring-buffer record, after
// the target has run on, so the memory it reads must be read by the kernel program at the hit
// and shipped in the record ("hoisted"). A read can be hoisted when its address is computed from
// what the kernel has at the hit: registers, constants, kernel-known context values, entry
// values the kernel keeps, and other hoisted reads ($p->a->b). An address from a local, a
// global, a loop variable or a function result only exists while utap runs the handler: such a
// read cannot be exact on this engine, and the engine refuses the script with that sentence.
import { exprKey } from '../../../kernel-helper/codegen/expr-key';
import type { Expr, FunctionIR, ProbeSiteIR, ProgramIR, SourceLoc, Stmt } from '../../ir/ir';
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
  const visitedFunctions = new Set<number>();
  const pendingFunctions: number[] = [];

  const add = (read: Extract<Expr, { op: 'userRead' | 'userString' }>): void => {
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
  const visitor = {
    expr(e: Expr) {
      if (e.op === 'userRead' || e.op === 'userString') add(e);
      else if (e.op === 'call' && !visitedFunctions.has(e.function)) {
        visitedFunctions.add(e.function);
        pendingFunctions.push(e.function);
      }
    },
  };
  for (const s of roots.stmts) walkStmt(s, visitor);
  for (const e of roots.exprs) walkExpr(e, visitor);
  while (pendingFunctions.length > 0) {
    const fn = byIndex.get(pendingFunctions.pop()!);
    if (fn) walkStmt(fn.body, visitor);
  }
  return { reads, refusal };
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
