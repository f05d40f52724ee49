// The one lowering every executor shares: script sugar rewritten into the core operations, once,
// as planning starts (plan.ts), so the JavaScript runtime (runtime/handler-compiler.ts), the eBPF
// generator (bpf-codegen/) and any later executor implement only the core.
//
//   x++, ++x, x--, --x   → x += ±1; a postfix whose value is used is (x += 1) - 1, the old value
//                          (exact under wrap-around); as a statement or a for step, just x += 1
//   x -= v               → x += -v (exact under wrap-around; a literal is negated here)
//   a << n, a >> n, a >>> n, and the value of <<= >>= >>>=
//                        → the count taken modulo 64 (n & 63; a literal count folded), as the
//                          x86 shift instructions do, so an executor shifts by 0..63 only
//
// What stays for the executors is assignment as one update of one place, its keys or address
// evaluated once: `=`, `+=` (which an executor may do atomically, as the eBPF generator does for
// globals), and the other `op=` (COMPOUND_ASSIGN in ir.ts names each one's binary operator; `.=`
// appends a string). Rewriting those into `x = x op v` would read the place a second time, and
// would turn an update into a read for the analyses that tell them apart (unread-globals.ts).
// Idempotent: running it on its own output changes nothing.
import type { Expr, FunctionIR, HandlerIR, LValue, ProgramIR, SourceLoc, StatsRef, Stmt } from './ir';

/** `program` with every probe handler and function body desugared (a new object; the input is not changed). */
export function desugarProgram(program: ProgramIR): ProgramIR {
  return {
    ...program,
    probes: program.probes.map((p) => ({ ...p, handler: desugarHandler(p.handler) })),
    functions: program.functions.map((f): FunctionIR => ({ ...f, body: desugarStmt(f.body) })),
  };
}

export function desugarHandler(handler: HandlerIR): HandlerIR {
  return { ...handler, body: desugarStmt(handler.body) };
}

const lit = (value: bigint, loc: SourceLoc): Expr => ({ op: 'long', type: 'long', value, loc });

/**
 * `e` rewritten; `used`: whether its value is used (false for an expression statement and a
 * for loop's step, where x++ and ++x are the same).
 */
export function desugarExpr(e: Expr, used = true): Expr {
  const d = (x: Expr): Expr => desugarExpr(x);
  switch (e.op) {
    case 'arrayGet':
    case 'arrayIn':
      return { ...e, keys: e.keys.map(d) };
    case 'arraySliceIn':
      return { ...e, keys: e.keys.map((k) => (k ? d(k) : null)) };
    case 'binary': {
      const left = d(e.left);
      const right = d(e.right);
      return { ...e, left, right: e.operator === '<<' || e.operator === '>>' || e.operator === '>>>' ? shiftCount(right) : right };
    }
    case 'compare':
    case 'logical':
      return { ...e, left: d(e.left), right: d(e.right) };
    case 'concat':
      return { ...e, left: d(e.left), right: d(e.right) };
    case 'unary':
      return { ...e, operand: d(e.operand) };
    case 'conditional':
      return { ...e, test: d(e.test), then: d(e.then), else: d(e.else) };
    case 'assign':
      return assign({ ...e, target: desugarLValue(e.target), value: d(e.value) });
    case 'incdec': {
      const delta = lit(BigInt(e.delta), e.loc);
      const add: Expr = { op: 'assign', type: 'long', operator: '+=', target: desugarLValue(e.target), value: delta, loc: e.loc };
      return e.prefix || !used ? add : { op: 'binary', type: 'long', operator: '-', left: add, right: lit(BigInt(e.delta), e.loc), loc: e.loc };
    }
    case 'aggregate':
    case 'histText':
      return { ...e, source: statsRef(e.source) };
    case 'histBucket':
      return { ...e, source: statsRef(e.source), bucket: d(e.bucket) };
    case 'call':
    case 'builtin':
    case 'sprintf':
      return { ...e, args: e.args.map(d) } as Expr;
    case 'target':
      return { ...e, ref: { ...e.ref, path: e.ref.path.map((s) => (s.kind === 'index' ? { ...s, index: d(s.index) } : s)) } };
    case 'userRead':
      return { ...e, addr: d(e.addr) };
    case 'userString':
      return { ...e, addr: d(e.addr), ...(e.maxLen && { maxLen: d(e.maxLen) }) };
    default:
      return e;
  }
}

/** A shift count modulo 64: a literal folded, anything else and-ed with 63 (unless it is already). */
function shiftCount(n: Expr): Expr {
  if (n.op === 'long') return n.value >= 0n && n.value < 64n ? n : lit(n.value & 63n, n.loc);
  if (n.op === 'binary' && n.operator === '&' && n.right.op === 'long' && n.right.value === 63n) return n;
  return { op: 'binary', type: 'long', operator: '&', left: n, right: lit(63n, n.loc), loc: n.loc };
}

function assign(e: Extract<Expr, { op: 'assign' }>): Expr {
  if (e.operator === '-=') {
    const v = e.value;
    const negated: Expr = v.op === 'long' ? lit(BigInt.asIntN(64, -v.value), v.loc) : { op: 'unary', type: 'long', operator: '-', operand: v, loc: v.loc };
    return { ...e, operator: '+=', value: negated };
  }
  if (e.operator === '<<=' || e.operator === '>>=' || e.operator === '>>>=') return { ...e, value: shiftCount(e.value) };
  return e;
}

function statsRef(ref: StatsRef): StatsRef {
  return ref.keys ? { ...ref, keys: ref.keys.map((k) => desugarExpr(k)) } : ref;
}

function desugarLValue(t: LValue): LValue {
  switch (t.kind) {
    case 'element':
      return { ...t, keys: t.keys.map((k) => desugarExpr(k)) };
    case 'userMemory':
      return { ...t, addr: desugarExpr(t.addr) };
    case 'target':
      return { ...t, ref: { ...t.ref, path: t.ref.path.map((s) => (s.kind === 'index' ? { ...s, index: desugarExpr(s.index) } : s)) } };
    default:
      return t;
  }
}

export function desugarStmt(s: Stmt): Stmt {
  const d = (x: Expr): Expr => desugarExpr(x);
  switch (s.kind) {
    case 'block':
      return { ...s, body: s.body.map(desugarStmt) };
    case 'expr':
      return { ...s, expr: desugarExpr(s.expr, false) };
    case 'if':
      return { ...s, test: d(s.test), then: desugarStmt(s.then), ...(s.else && { else: desugarStmt(s.else) }) };
    case 'while':
      return { ...s, test: d(s.test), body: desugarStmt(s.body) };
    case 'for':
      return { ...s, ...(s.init && { init: desugarStmt(s.init) }), ...(s.test && { test: d(s.test) }), ...(s.step && { step: desugarExpr(s.step, false) }), body: desugarStmt(s.body) };
    case 'foreach':
      return {
        ...s,
        ...(s.slice && { slice: s.slice.map((k) => (k ? d(k) : null)) }),
        ...(s.hist && { hist: { ...s.hist, ...(s.hist.keys && { keys: s.hist.keys.map(d) }) } }),
        ...(s.limit && { limit: d(s.limit) }),
        body: desugarStmt(s.body),
      };
    case 'return':
      return s.value ? { ...s, value: d(s.value) } : s;
    case 'delete':
      if (s.target.kind === 'element') return { ...s, target: { ...s.target, keys: s.target.keys.map(d) } };
      if (s.target.kind === 'slice') return { ...s, target: { ...s.target, keys: s.target.keys.map((k) => (k ? d(k) : null)) } };
      return s;
    case 'statsAdd':
      return { ...s, target: statsRef(s.target), value: d(s.value) };
    case 'printf':
    case 'print':
      return { ...s, args: s.args.map(d) };
    case 'printHist':
      return { ...s, source: statsRef(s.source) };
    case 'error':
      return { ...s, message: d(s.message) };
    case 'try':
      return { ...s, body: desugarStmt(s.body), handler: desugarStmt(s.handler) };
    default:
      return s;
  }
}
