// HandlerNeeds: what a handler reads from its probe context and which globals it touches,
// including everything reachable through the script functions it calls, so an engine fetches
// exactly that (registers to copy, whether user memory is read, which context values) and the
// uprobe engine can tell which globals a kernel handler owns. Pure analysis over the IR.
import type { ContextValue, Expr, FunctionIR, HandlerIR, HandlerNeeds, ProgramIR, RegName, Stmt } from './ir';
import { walkExpr, walkStmt, type Visitor } from './walk';

interface Collected {
  registers: Set<RegName>;
  readsUserMemory: boolean;
  writesTarget: boolean;
  context: Set<ContextValue>;
  globalsRead: Set<number>;
  globalsWritten: Set<number>;
  functionsCalled: Set<number>;
  hasLoops: boolean;
}

function visitor(c: Collected, calls: number[]): Visitor {
  return {
    stmt(s: Stmt) {
      switch (s.kind) {
        case 'while':
        case 'for':
          c.hasLoops = true;
          return;
        case 'foreach':
          c.hasLoops = true;
          c.globalsRead.add(s.global);
          return;
        case 'delete':
          if (s.target.kind !== 'local') c.globalsWritten.add(s.target.global);
          return;
        case 'statsAdd':
          c.globalsWritten.add(s.target.global);
          return;
        case 'printHist':
          c.globalsRead.add(s.source.global);
          return;
        case 'printBacktrace':
          c.context.add('ubacktrace');
          return;
        default:
          return;
      }
    },
    expr(e: Expr) {
      switch (e.op) {
        case 'global':
        case 'arrayGet':
        case 'arrayIn':
        case 'arraySliceIn':
          c.globalsRead.add(e.global);
          return;
        case 'aggregate':
        case 'histBucket':
        case 'histText':
          c.globalsRead.add(e.source.global);
          return;
        case 'call':
          calls.push(e.function);
          return;
        case 'context':
          c.context.add(e.what);
          return;
        case 'reg':
          c.registers.add(e.reg);
          return;
        case 'userRead':
        case 'userString':
          c.readsUserMemory = true;
          return;
        default:
          return;
      }
    },
    lvalue(target, reads) {
      switch (target.kind) {
        case 'global':
        case 'element':
          c.globalsWritten.add(target.global);
          if (reads) c.globalsRead.add(target.global);
          return;
        case 'reg':
          c.writesTarget = true;
          if (reads) c.registers.add(target.reg);
          return;
        case 'userMemory':
          c.writesTarget = true;
          if (reads) c.readsUserMemory = true;
          return;
        case 'target':
          c.writesTarget = true;
          return;
        default:
          return;
      }
    },
  };
}

/**
 * The needs of `handler`, plus those of `extra` expressions evaluated for it (a return site's
 * entryCaptures), through every function reachable from them.
 */
export function handlerNeeds(program: ProgramIR, handler: HandlerIR, extra: readonly Expr[] = []): HandlerNeeds {
  const c: Collected = {
    registers: new Set(), readsUserMemory: false, writesTarget: false, context: new Set(),
    globalsRead: new Set(), globalsWritten: new Set(), functionsCalled: new Set(), hasLoops: false,
  };
  const pending: number[] = [];
  const v = visitor(c, pending);
  walkStmt(handler.body, v);
  for (const e of extra) walkExpr(e, v);
  const byIndex = new Map<number, FunctionIR>(program.functions.map((f) => [f.index, f]));
  while (pending.length > 0) {
    const index = pending.pop()!;
    if (c.functionsCalled.has(index)) continue;
    c.functionsCalled.add(index);
    const fn = byIndex.get(index);
    if (!fn) continue;
    if (fn.recursive) c.hasLoops = true;
    walkStmt(fn.body, v);
  }
  const sorted = <T>(s: Set<T>): T[] => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    registers: sorted(c.registers),
    readsUserMemory: c.readsUserMemory,
    writesTarget: c.writesTarget,
    context: sorted(c.context),
    globalsRead: sorted(c.globalsRead),
    globalsWritten: sorted(c.globalsWritten),
    functionsCalled: sorted(c.functionsCalled),
    hasLoops: c.hasLoops,
  };
}
