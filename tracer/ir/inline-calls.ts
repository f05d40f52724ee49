// Inlining of one-line script functions (`function time() { return gettimeofday_us() }`):
// a call of a non-recursive function whose whole body is `return EXPR` becomes EXPR with the
// arguments in place of the parameters. The result is the same value with one fewer call, and
// a handler that only called such helpers no longer needs function calls at all — which lets
// the uprobe engine compile it to eBPF instead of running it in event mode.
//
// Conservative: a parameter used more than once is only replaced by an argument without side
// effects or memory reads; anything unexpected in EXPR keeps the call as it is.
import type { Expr, FunctionIR, HandlerIR, ProgramIR, Stmt } from './ir';
import { walkExpr } from './walk';

/** `return EXPR` as the function's only statement, else undefined. */
function singleReturn(f: FunctionIR): Expr | undefined {
  let body: Stmt = f.body;
  while (body.kind === 'block' && body.body.length === 1) body = body.body[0];
  return body.kind === 'return' && body.value ? body.value : undefined;
}

/** True when evaluating `e` twice gives the same value and changes nothing. */
function pure(e: Expr): boolean {
  let ok = true;
  walkExpr(e, {
    expr(x) {
      if (x.op === 'assign' || x.op === 'incdec' || x.op === 'call' || x.op === 'userRead' || x.op === 'userString' || x.op === 'context') ok = false;
    },
  });
  return ok;
}

/** A copy of `e` with parameter locals replaced; undefined when `e` holds a node it cannot map. */
function substitute(e: Expr, args: readonly Expr[]): Expr | undefined {
  const sub = (x: Expr): Expr | undefined => substitute(x, args);
  const all = (xs: readonly Expr[]): Expr[] | undefined => {
    const out = xs.map(sub);
    return out.every((x) => x !== undefined) ? (out as Expr[]) : undefined;
  };
  switch (e.op) {
    case 'long':
    case 'string':
    case 'global':
    case 'context':
    case 'reg':
    case 'entry':
    case 'captured':
      return e;
    case 'local':
      return e.slot < args.length ? args[e.slot] : undefined;
    case 'binary':
    case 'compare':
    case 'logical':
    case 'concat': {
      const left = sub(e.left), right = sub(e.right);
      return left && right ? ({ ...e, left, right } as Expr) : undefined;
    }
    case 'unary': {
      const operand = sub(e.operand);
      return operand ? { ...e, operand } : undefined;
    }
    case 'conditional': {
      const test = sub(e.test), then = sub(e.then), otherwise = sub(e.else);
      return test && then && otherwise ? { ...e, test, then, else: otherwise } : undefined;
    }
    case 'arrayGet':
    case 'arrayIn': {
      const keys = all(e.keys);
      return keys ? ({ ...e, keys } as Expr) : undefined;
    }
    case 'builtin':
    case 'sprintf':
    case 'call': {
      const a = all(e.args);
      return a ? ({ ...e, args: a } as Expr) : undefined;
    }
    case 'userRead': {
      const addr = sub(e.addr);
      return addr ? { ...e, addr } : undefined;
    }
    case 'userString': {
      const addr = sub(e.addr);
      const maxLen = e.maxLen ? sub(e.maxLen) : undefined;
      return addr && (!e.maxLen || maxLen) ? { ...e, addr, maxLen } : undefined;
    }
    default:
      return undefined;
  }
}

function inlineCall(program: ProgramIR, e: Extract<Expr, { op: 'call' }>): Expr | undefined {
  const f = program.functions[e.function];
  if (!f || f.recursive) return undefined;
  const body = singleReturn(f);
  if (!body) return undefined;
  const uses = new Array<number>(f.params.length).fill(0);
  let otherLocal = false;
  walkExpr(body, {
    expr(x) {
      if (x.op === 'local') {
        if (x.slot < f.params.length) uses[x.slot]++;
        else otherLocal = true;
      }
    },
  });
  if (otherLocal) return undefined;
  // an argument that is evaluated a different number of times than in the call must be pure
  if (e.args.some((a, i) => uses[i] !== 1 && !pure(a))) return undefined;
  const replaced = substitute(body, e.args);
  if (!replaced || replaced.type !== e.type) return undefined;
  return { ...replaced, loc: e.loc } as Expr;
}

/** Rewrites every inlinable call in `e` (bottom-up, so helpers of helpers inline too). */
function inlineExpr(program: ProgramIR, e: Expr): Expr {
  const m = (x: Expr) => inlineExpr(program, x);
  let out: Expr;
  switch (e.op) {
    case 'binary':
    case 'compare':
    case 'logical':
    case 'concat':
      out = { ...e, left: m(e.left), right: m(e.right) } as Expr;
      break;
    case 'unary':
      out = { ...e, operand: m(e.operand) };
      break;
    case 'conditional':
      out = { ...e, test: m(e.test), then: m(e.then), else: m(e.else) };
      break;
    case 'arrayGet':
    case 'arrayIn':
      out = { ...e, keys: e.keys.map(m) } as Expr;
      break;
    case 'arraySliceIn':
      out = { ...e, keys: e.keys.map((k) => k && m(k)) };
      break;
    case 'assign':
      out = { ...e, target: e.target.kind === 'element' ? { ...e.target, keys: e.target.keys.map(m) } : e.target, value: m(e.value) };
      break;
    case 'aggregate':
      out = e.source.keys ? { ...e, source: { ...e.source, keys: e.source.keys.map(m) } } : e;
      break;
    case 'histText':
      out = e.source.keys ? { ...e, source: { ...e.source, keys: e.source.keys.map(m) } } : e;
      break;
    case 'histBucket':
      out = { ...e, source: e.source.keys ? { ...e.source, keys: e.source.keys.map(m) } : e.source, bucket: m(e.bucket) };
      break;
    case 'builtin':
    case 'sprintf':
    case 'call':
      out = { ...e, args: e.args.map(m) } as Expr;
      break;
    case 'userRead':
      out = { ...e, addr: m(e.addr) };
      break;
    case 'userString':
      out = { ...e, addr: m(e.addr), maxLen: e.maxLen ? m(e.maxLen) : undefined };
      break;
    default:
      out = e;
  }
  if (out.op === 'call') return inlineCall(program, out) ?? out;
  return out;
}

function inlineStmt(program: ProgramIR, s: Stmt): Stmt {
  const x = (e: Expr) => inlineExpr(program, e);
  const st = (t: Stmt) => inlineStmt(program, t);
  switch (s.kind) {
    case 'block':
      return { ...s, body: s.body.map(st) };
    case 'expr':
      return { ...s, expr: x(s.expr) };
    case 'if':
      return { ...s, test: x(s.test), then: st(s.then), else: s.else ? st(s.else) : undefined };
    case 'while':
      return { ...s, test: x(s.test), body: st(s.body) };
    case 'for':
      return { ...s, init: s.init ? st(s.init) : undefined, test: s.test ? x(s.test) : undefined, step: s.step ? x(s.step) : undefined, body: st(s.body) };
    case 'foreach':
      return { ...s, slice: s.slice?.map((k) => k && x(k)), hist: s.hist?.keys ? { ...s.hist, keys: s.hist.keys.map(x) } : s.hist, limit: s.limit ? x(s.limit) : undefined, body: st(s.body) };
    case 'return':
      return s.value ? { ...s, value: x(s.value) } : s;
    case 'delete':
      if (s.target.kind === 'slice') return { ...s, target: { ...s.target, keys: s.target.keys.map((k) => k && x(k)) } };
      return s.target.kind === 'element' ? { ...s, target: { ...s.target, keys: s.target.keys.map(x) } } : s;
    case 'statsAdd':
      return { ...s, target: s.target.keys ? { ...s.target, keys: s.target.keys.map(x) } : s.target, value: x(s.value) };
    case 'printf':
    case 'print':
      return { ...s, args: s.args.map(x) } as Stmt;
    case 'error':
      return { ...s, message: x(s.message) };
    case 'try':
      return { ...s, body: st(s.body), handler: st(s.handler) };
    default:
      return s;
  }
}

/** `handler` with every call of a one-line, non-recursive function replaced by its expression. */
export function inlineSimpleCalls(program: ProgramIR, handler: HandlerIR): HandlerIR {
  if (program.functions.length === 0) return handler;
  return { ...handler, body: inlineStmt(program, handler.body) };
}
