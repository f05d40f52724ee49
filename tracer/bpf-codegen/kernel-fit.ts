// Whether a probe site's handler can run in the kernel, decided once by reading its IR: the
// uprobe engine compiles only the sites this analysis sends to the kernel, and runs the others in
// event mode with the reason it gives (`-v`). It walks the handler as the generator emits it — a
// return site's entry captures first, then the body, each expression's operands in evaluation
// order — and names the first construct eBPF cannot do (or that utap does not compile to eBPF
// yet), with its script location.
//
// What reading cannot tell is whether the compiled handler fits the kernel's 512 bytes of stack
// and 32 KiB of per-CPU scratch: compiling finds that out (allocation.ts throws EventModeNeeded),
// and the engine then runs that site in event mode too (kernel-handlers.ts, the one fallback).
import type { ContextValue, Expr, LValue, ProbeSiteIR, ProgramIR, SourceLoc, Stmt, StatsRef } from '../ir/ir';

export type KernelFit =
  /** `globals`: those the kernel handler touches (their maps must exist). */
  | { mode: 'kernel'; globals: Set<number> }
  | { mode: 'event'; reason: string; loc?: SourceLoc };

/** Context values a kernel handler can read itself (the others are answered in userspace). */
export const KERNEL_CONTEXT: ReadonlySet<ContextValue> = new Set<ContextValue>(['tid', 'pid', 'cpu', 'uid', 'gid', 'target', 'execname', 'walltime_ns', 'monotonic_ns', 'pp', 'probefunc', 'uaddr']);

/** Where the site's handler (and its entry captures) can run. */
export function kernelFit(program: ProgramIR, site: ProbeSiteIR): KernelFit {
  return analyse(program, (w) => {
    w.captures(site);
    w.stmt(site.handler.body);
  });
}

/**
 * Whether the kernel can save a return site's entry captures at function entry (an event-mode
 * return site's kernel then keeps them, as a kernel handler's does).
 */
export function entryCapturesFit(program: ProgramIR, site: ProbeSiteIR): KernelFit {
  return analyse(program, (w) => w.captures(site));
}

/** The error the generator throws for what kernelFit sends to event mode: reaching it is a utap bug. */
export function unfit(what: string, loc?: SourceLoc): Error {
  const where = loc ? ` at ${loc.file}:${loc.line}:${loc.column}` : '';
  return new Error(`${what}${where} reached the eBPF generator: kernel-fit.ts should have sent the site to event mode`);
}

class NotInKernel {
  constructor(readonly reason: string, readonly loc?: SourceLoc) {}
}

function analyse(program: ProgramIR, walk: (w: Walker) => void): KernelFit {
  const w = new Walker(program);
  try {
    walk(w);
  } catch (error) {
    if (error instanceof NotInKernel) return { mode: 'event', reason: error.reason, loc: error.loc };
    throw error;
  }
  return { mode: 'kernel', globals: w.globals };
}

/** The generator's walk without the code: each method mirrors its namesake in expressions.ts, strings.ts, statements.ts. */
class Walker {
  readonly globals = new Set<number>();

  constructor(private readonly program: ProgramIR) {}

  captures(site: ProbeSiteIR): void {
    if (site.kind !== 'return') return;
    for (const e of site.entryCaptures) this.value(e);
  }

  stmt(s: Stmt): void {
    switch (s.kind) {
      case 'block':
        for (const b of s.body) this.stmt(b);
        return;
      case 'expr':
        if (s.expr.type === 'void') throw new NotInKernel('it calls a function', s.loc);
        this.value(s.expr);
        return;
      case 'if':
        this.long(s.test);
        this.stmt(s.then);
        if (s.else) this.stmt(s.else);
        return;
      case 'next':
        return;
      case 'delete':
        return this.delete(s);
      case 'statsAdd':
        return this.statsAdd(s.target, s.value, s.loc);
      case 'printf':
      case 'print':
        for (const a of s.args) this.value(a);
        return;
      case 'exit':
        if (s.abort) throw new NotInKernel('it calls abort()', s.loc);
        return;
      case 'error':
        if (s.warn) throw new NotInKernel('it calls warn()', s.loc);
        this.value(s.message);
        return;
      case 'while':
      case 'for':
      case 'foreach':
      case 'break':
      case 'continue':
        throw new NotInKernel('it has a loop', s.loc);
      case 'return':
        throw new NotInKernel('it returns from a function', s.loc);
      case 'printHist':
        throw new NotInKernel('it prints a histogram', s.loc);
      case 'printBacktrace':
        throw new NotInKernel('it prints a backtrace', s.loc);
      case 'try':
        throw new NotInKernel('it catches errors (try/catch)', s.loc);
    }
  }

  private delete(s: Extract<Stmt, { kind: 'delete' }>): void {
    const t = s.target;
    switch (t.kind) {
      case 'local':
        return;
      case 'element':
        this.globals.add(t.global);
        this.keys(t.keys);
        return;
      case 'global':
        if (this.program.globals[t.global].kind !== 'scalar') throw new NotInKernel('it deletes a whole statistic, which lives per CPU', s.loc);
        this.globals.add(t.global);
        return;
      case 'array':
        throw new NotInKernel('it deletes a whole array', s.loc);
      case 'slice':
        throw new NotInKernel('it deletes a slice of an array', s.loc);
    }
  }

  private statsAdd(target: StatsRef, value: Expr, loc: SourceLoc): void {
    const decl = this.program.globals[target.global];
    if ((decl.kind === 'stats' || decl.kind === 'array') && decl.stats?.variance) throw new NotInKernel('it feeds a statistic read with @variance (its running state is kept in userspace)', loc);
    this.long(value);
    this.globals.add(target.global);
    if (target.keys && target.keys.length > 0) this.keys(target.keys);
  }

  /** A value of either type. */
  private value(e: Expr): void {
    if (e.type === 'string') this.str(e);
    else this.long(e);
  }

  private keys(keys: readonly Expr[]): void {
    for (const k of keys) this.value(k);
  }

  private long(e: Expr): void {
    switch (e.op) {
      case 'long':
      case 'local':
      case 'reg':
      case 'entry':
        return;
      case 'global':
        this.globals.add(e.global);
        return;
      case 'arrayGet':
      case 'arrayIn': {
        const decl = this.program.globals[e.global];
        if (decl.kind === 'array' && decl.value === 'stats') throw new NotInKernel('it reads a statistic, whose parts live on every CPU', e.loc);
        this.globals.add(e.global);
        this.keys(e.keys);
        return;
      }
      case 'binary':
      case 'logical':
        this.long(e.left);
        this.long(e.right);
        return;
      case 'compare':
        if (e.left.type === 'string') throw new NotInKernel('it compares strings', e.loc);
        this.long(e.left);
        this.long(e.right);
        return;
      case 'unary':
        this.long(e.operand);
        return;
      case 'conditional':
        this.long(e.test);
        this.long(e.then);
        this.long(e.else);
        return;
      case 'assign':
        if (e.type === 'string') return this.str(e);
        return this.assignLong(e.target, e.value, e.loc);
      case 'incdec':
        return this.assignLong(e.target, undefined, e.loc);
      case 'context':
        if (!KERNEL_CONTEXT.has(e.what)) throw new NotInKernel(`it reads ${e.what}()`, e.loc);
        if (e.what === 'execname' || e.what === 'pp' || e.what === 'probefunc') throw new NotInKernel(`it reads ${e.what}() as a number`, e.loc);
        return;
      case 'userRead':
        this.long(e.addr);
        return;
      case 'aggregate':
        throw new NotInKernel('it reads a statistic, whose parts live on every CPU', e.loc);
      case 'call':
        throw new NotInKernel('it calls a script function', e.loc);
      case 'builtin':
        throw new NotInKernel(`it calls ${e.name}()`, e.loc);
      default:
        throw new NotInKernel(`it uses ${e.op} expressions`, e.loc);
    }
  }

  /** `value` undefined: ++/-- (nothing to evaluate). The value before the place, as expressions.ts does. */
  private assignLong(t: LValue, value: Expr | undefined, loc: SourceLoc): void {
    if (t.kind === 'local') {
      if (value) this.long(value);
      return;
    }
    if (t.kind !== 'global' && t.kind !== 'element') throw new NotInKernel('it writes to the target', loc);
    if (value) this.long(value);
    this.written(t);
  }

  /** A script variable written: a global's map must exist, an element's keys be computed. */
  private written(t: LValue & { kind: 'local' | 'global' | 'element' }): void {
    if (t.kind === 'local') return;
    this.globals.add(t.global);
    if (t.kind === 'element') this.keys(t.keys);
  }

  private str(e: Expr): void {
    switch (e.op) {
      case 'string':
      case 'local':
      case 'entry':
        return;
      case 'global':
        this.globals.add(e.global);
        return;
      case 'arrayGet':
        this.globals.add(e.global);
        this.keys(e.keys);
        return;
      case 'conditional':
        this.long(e.test);
        this.str(e.then);
        this.str(e.else);
        return;
      case 'assign': {
        if (e.operator !== '=') throw new NotInKernel('it appends to a string', e.loc);
        this.str(e.value);
        const t = e.target;
        if (t.kind !== 'local' && t.kind !== 'global' && t.kind !== 'element') throw new NotInKernel('it writes to the target', e.loc);
        this.written(t);
        return;
      }
      case 'context':
        if (e.what !== 'pp' && e.what !== 'probefunc' && e.what !== 'execname') throw new NotInKernel(`it reads ${e.what}()`, e.loc);
        return;
      case 'userString':
        if (e.maxLen) this.long(e.maxLen);
        this.long(e.addr);
        return;
      case 'concat':
        throw new NotInKernel('it builds strings', e.loc);
      case 'sprintf':
        throw new NotInKernel('it formats strings with sprintf', e.loc);
      case 'call':
        throw new NotInKernel('it calls a script function', e.loc);
      case 'builtin':
        throw new NotInKernel(`it calls ${e.name}()`, e.loc);
      default:
        throw new NotInKernel(`it uses ${e.op} string expressions`, e.loc);
    }
  }
}
