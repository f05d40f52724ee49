// Visiting a syntax tree: every expression and statement of a body, in source order. The passes
// that only need to look at names (resolve: tapsets to pull in, globals implied by their use)
// share this one traversal.
import type { AstExpr, AstStmt } from './ast';

/** Calls `onExpr` on every expression and `onStmt` on every statement of a syntax tree. */
export function visitAst(s: AstStmt, onExpr: (e: AstExpr) => void, onStmt?: (s: AstStmt) => void): void {
  const ex = (e: AstExpr | undefined): void => {
    if (!e) return;
    onExpr(e);
    switch (e.kind) {
      case 'index':
        e.keys.forEach(ex);
        return;
      case 'in':
      case 'slice':
        for (const k of e.keys) if (k) ex(k);
        return;
      case 'defined':
        ex(e.operand);
        return;
      case 'regex':
        ex(e.left);
        return;
      case 'unsupported':
        e.operands.forEach(ex);
        return;
      case 'target':
        if (e.cast) ex(e.cast.address);
        for (const step of e.path) if (step.kind === 'index') ex(step.index);
        return;
      case 'entry':
        ex(e.operand);
        return;
      case 'call':
        e.args.forEach(ex);
        return;
      case 'aggregate':
        ex(e.operand);
        e.args.forEach(ex);
        return;
      case 'histBucket':
        ex(e.hist);
        ex(e.bucket);
        return;
      case 'binary':
        ex(e.left);
        ex(e.right);
        return;
      case 'unary':
        ex(e.operand);
        return;
      case 'conditional':
        ex(e.test);
        ex(e.then);
        ex(e.else);
        return;
      case 'assign':
      case 'statsAdd':
        ex(e.target);
        ex(e.value);
        return;
      case 'incdec':
        ex(e.target);
        return;
      default:
        return;
    }
  };
  const st = (s: AstStmt): void => {
    onStmt?.(s);
    switch (s.kind) {
      case 'block':
        s.body.forEach(st);
        return;
      case 'expr':
        ex(s.expr);
        return;
      case 'if':
        ex(s.test);
        st(s.then);
        if (s.else) st(s.else);
        return;
      case 'while':
        ex(s.test);
        st(s.body);
        return;
      case 'for':
        ex(s.init);
        ex(s.test);
        ex(s.step);
        st(s.body);
        return;
      case 'foreach':
        for (const k of s.slice ?? []) if (k) ex(k);
        ex(s.hist);
        ex(s.limit);
        st(s.body);
        return;
      case 'return':
        ex(s.value);
        return;
      case 'delete':
        ex(s.target);
        return;
      case 'try':
        st(s.body);
        st(s.handler);
        return;
      default:
        return;
    }
  };
  st(s);
}
