// Visiting every statement and expression of a handler or function body: the one traversal the
// IR analyses (needs, statistics use) share. Pure; imports only the IR types.
import type { Expr, LValue, Stmt } from './ir';

export interface Visitor {
  stmt?(s: Stmt): void;
  expr?(e: Expr): void;
  /** An assignment / ++ / -- target; `reads` when the old value is read too (compound, ++). */
  lvalue?(target: LValue, reads: boolean): void;
}

export function walkExpr(e: Expr, v: Visitor): void {
  v.expr?.(e);
  switch (e.op) {
    case 'arrayGet':
    case 'arrayIn':
      e.keys.forEach((k) => walkExpr(k, v));
      return;
    case 'arraySliceIn':
      for (const k of e.keys) if (k) walkExpr(k, v);
      return;
    case 'binary':
    case 'compare':
    case 'logical':
    case 'concat':
      walkExpr(e.left, v);
      walkExpr(e.right, v);
      return;
    case 'unary':
      walkExpr(e.operand, v);
      return;
    case 'conditional':
      walkExpr(e.test, v);
      walkExpr(e.then, v);
      walkExpr(e.else, v);
      return;
    case 'assign':
      walkLValue(e.target, e.operator !== '=', v);
      walkExpr(e.value, v);
      return;
    case 'incdec':
      walkLValue(e.target, true, v);
      return;
    case 'aggregate':
      e.source.keys?.forEach((k) => walkExpr(k, v));
      return;
    case 'histBucket':
      e.source.keys?.forEach((k) => walkExpr(k, v));
      walkExpr(e.bucket, v);
      return;
    case 'histText':
      e.source.keys?.forEach((k) => walkExpr(k, v));
      return;
    case 'call':
    case 'builtin':
    case 'sprintf':
      e.args.forEach((a) => walkExpr(a, v));
      return;
    case 'target':
      if (e.ref.cast) walkExpr(e.ref.cast.address, v);
      for (const step of e.ref.path) if (step.kind === 'index') walkExpr(step.index, v);
      return;
    case 'userRead':
      walkExpr(e.addr, v);
      return;
    case 'userString':
      walkExpr(e.addr, v);
      if (e.maxLen) walkExpr(e.maxLen, v);
      return;
    default:
      return;
  }
}

function walkLValue(target: LValue, reads: boolean, v: Visitor): void {
  v.lvalue?.(target, reads);
  if (target.kind === 'element') target.keys.forEach((k) => walkExpr(k, v));
  else if (target.kind === 'userMemory') walkExpr(target.addr, v);
  else if (target.kind === 'target') {
    if (target.ref.cast) walkExpr(target.ref.cast.address, v);
    for (const step of target.ref.path) if (step.kind === 'index') walkExpr(step.index, v);
  }
}

export function walkStmt(s: Stmt, v: Visitor): void {
  v.stmt?.(s);
  switch (s.kind) {
    case 'block':
      s.body.forEach((c) => walkStmt(c, v));
      return;
    case 'expr':
      walkExpr(s.expr, v);
      return;
    case 'if':
      walkExpr(s.test, v);
      walkStmt(s.then, v);
      if (s.else) walkStmt(s.else, v);
      return;
    case 'while':
      walkExpr(s.test, v);
      walkStmt(s.body, v);
      return;
    case 'for':
      if (s.init) walkStmt(s.init, v);
      if (s.test) walkExpr(s.test, v);
      if (s.step) walkExpr(s.step, v);
      walkStmt(s.body, v);
      return;
    case 'foreach':
      for (const k of s.slice ?? []) if (k) walkExpr(k, v);
      s.hist?.keys?.forEach((k) => walkExpr(k, v));
      if (s.limit) walkExpr(s.limit, v);
      walkStmt(s.body, v);
      return;
    case 'return':
      if (s.value) walkExpr(s.value, v);
      return;
    case 'delete':
      if (s.target.kind === 'element') s.target.keys.forEach((k) => walkExpr(k, v));
      else if (s.target.kind === 'slice') for (const k of s.target.keys) if (k) walkExpr(k, v);
      return;
    case 'statsAdd':
      s.target.keys?.forEach((k) => walkExpr(k, v));
      walkExpr(s.value, v);
      return;
    case 'printf':
    case 'print':
      s.args.forEach((a) => walkExpr(a, v));
      return;
    case 'printHist':
      s.source.keys?.forEach((k) => walkExpr(k, v));
      return;
    case 'error':
      walkExpr(s.message, v);
      return;
    case 'try':
      walkStmt(s.body, v);
      walkStmt(s.handler, v);
      return;
    default:
      return;
  }
}
