// A copy of a handler (or function body) in which every `target` expression and every target
// lvalue has been replaced — the one tree rewrite target lowering needs. Other nodes are copied
// only along the paths that change.
import type { Expr, LValue, SourceLoc, Stmt, TargetRef } from '../ir/ir';

export interface TargetRewriter {
  expr(node: Extract<Expr, { op: 'target' }>): Expr;
  lvalue(ref: TargetRef, loc: SourceLoc): LValue;
}

export function mapTargetsInStmt(s: Stmt, r: TargetRewriter): Stmt {
  const e = (x: Expr): Expr => mapTargetsInExpr(x, r);
  const st = (x: Stmt): Stmt => mapTargetsInStmt(x, r);
  switch (s.kind) {
    case 'block': return { ...s, body: s.body.map(st) };
    case 'expr': return { ...s, expr: e(s.expr) };
    case 'if': {
      // a test that lowered to a constant (`@defined($x)`) keeps only its live branch, so the
      // dead one's targets, which may not exist here, are never lowered
      const test = e(s.test);
      if (test.op === 'long') return test.value !== 0n ? st(s.then) : s.else ? st(s.else) : { kind: 'block', body: [], loc: s.loc };
      return { ...s, test, then: st(s.then), ...(s.else && { else: st(s.else) }) };
    }
    case 'while': return { ...s, test: e(s.test), body: st(s.body) };
    case 'for': return { ...s, ...(s.init && { init: st(s.init) }), ...(s.test && { test: e(s.test) }), ...(s.step && { step: e(s.step) }), body: st(s.body) };
    case 'foreach': return { ...s, ...(s.slice && { slice: s.slice.map((k) => k && e(k)) }), ...(s.hist?.keys && { hist: { ...s.hist, keys: s.hist.keys.map(e) } }), ...(s.limit && { limit: e(s.limit) }), body: st(s.body) };
    case 'return': return s.value ? { ...s, value: e(s.value) } : s;
    case 'delete':
      if (s.target.kind === 'slice') return { ...s, target: { ...s.target, keys: s.target.keys.map((k) => k && e(k)) } };
      return s.target.kind === 'element' ? { ...s, target: { ...s.target, keys: s.target.keys.map(e) } } : s;
    case 'statsAdd': return { ...s, target: { ...s.target, ...(s.target.keys && { keys: s.target.keys.map(e) }) }, value: e(s.value) };
    case 'printf': return { ...s, args: s.args.map(e) };
    case 'print': return { ...s, args: s.args.map(e) };
    case 'printHist': return s.source.keys ? { ...s, source: { ...s.source, keys: s.source.keys.map(e) } } : s;
    case 'error': return { ...s, message: e(s.message) };
    case 'try': return { ...s, body: st(s.body), handler: st(s.handler) };
    default: return s;
  }
}

function mapRef(ref: TargetRef, r: TargetRewriter): TargetRef {
  if (ref.cast) ref = { ...ref, cast: { ...ref.cast, address: mapTargetsInExpr(ref.cast.address, r) } };
  if (!ref.path.some((p) => p.kind === 'index')) return ref;
  return { ...ref, path: ref.path.map((p) => (p.kind === 'index' ? { kind: 'index', index: mapTargetsInExpr(p.index, r) } : p)) };
}

function mapLValue(target: LValue, loc: SourceLoc, r: TargetRewriter): LValue {
  switch (target.kind) {
    case 'target': return r.lvalue(mapRef(target.ref, r), loc);
    case 'element': return { ...target, keys: target.keys.map((k) => mapTargetsInExpr(k, r)) };
    case 'userMemory': return { ...target, addr: mapTargetsInExpr(target.addr, r) };
    default: return target;
  }
}

export function mapTargetsInExpr(x: Expr, r: TargetRewriter): Expr {
  const e = (y: Expr): Expr => mapTargetsInExpr(y, r);
  switch (x.op) {
    case 'target': return r.expr({ ...x, ref: mapRef(x.ref, r) });
    case 'arrayGet':
    case 'arrayIn': return { ...x, keys: x.keys.map(e) };
    case 'arraySliceIn': return { ...x, keys: x.keys.map((k) => k && e(k)) };
    case 'binary': return { ...x, left: e(x.left), right: e(x.right) };
    case 'compare': return { ...x, left: e(x.left), right: e(x.right) };
    case 'logical': {
      const left = e(x.left);
      // `@defined($x) && $x > 0`: a constant left side decides without the right one
      if (left.op === 'long' && (left.value === 0n) === (x.operator === '&&')) return { op: 'long', type: 'long', value: x.operator === '&&' ? 0n : 1n, loc: x.loc };
      return { ...x, left, right: e(x.right) };
    }
    case 'concat': return { ...x, left: e(x.left), right: e(x.right) };
    case 'unary': return { ...x, operand: e(x.operand) };
    case 'conditional': {
      const test = e(x.test);
      if (test.op === 'long') return e(test.value !== 0n ? x.then : x.else);
      return { ...x, test, then: e(x.then), else: e(x.else) };
    }
    case 'assign': return { ...x, target: mapLValue(x.target, x.loc, r), value: e(x.value) };
    case 'incdec': return { ...x, target: mapLValue(x.target, x.loc, r) };
    case 'aggregate': return x.source.keys ? { ...x, source: { ...x.source, keys: x.source.keys.map(e) } } : x;
    case 'histText': return x.source.keys ? { ...x, source: { ...x.source, keys: x.source.keys.map(e) } } : x;
    case 'histBucket': return { ...x, source: x.source.keys ? { ...x.source, keys: x.source.keys.map(e) } : x.source, bucket: e(x.bucket) };
    case 'call': return { ...x, args: x.args.map(e) };
    case 'builtin': return { ...x, args: x.args.map(e) };
    case 'sprintf': return { ...x, args: x.args.map(e) };
    case 'userRead': return { ...x, addr: e(x.addr) };
    case 'userString': return { ...x, addr: e(x.addr), ...(x.maxLen && { maxLen: e(x.maxLen) }) };
    default: return x;
  }
}
