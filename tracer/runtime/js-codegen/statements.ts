// Statements: each costs one MAXACTION action (a block none, a loop one more per iteration);
// control flow maps onto JavaScript's own (`break`, `continue`, `return`), `next` and abort()
// leave the handler (a throw from inside a script function), try/catch restores the call depth.
import type { Stmt } from '../../ir/ir';
import { emitDelete, emitForeach } from './arrays';
import type { BodyEmitter } from './body-emitter';
import { emitPrintHist, emitStatsAdd } from './statistics';
import { emitPrint, emitPrintBacktrace, emitPrintf } from './strings';

export function emitStatement(b: BodyEmitter, s: Stmt): void {
  const out = b.out;
  switch (s.kind) {
    case 'block':
      out.push('{');
      for (const child of s.body) b.stmt(child);
      out.push('}');
      return;
    case 'expr':
      out.push(b.check(s.loc), `${b.expr(s.expr)};`);
      return;
    case 'if':
      out.push(b.check(s.loc), `if (${b.expr(s.test)}) {`);
      b.stmt(s.then);
      if (s.else) {
        out.push('} else {');
        b.stmt(s.else);
      }
      out.push('}');
      return;
    case 'while':
      out.push(b.check(s.loc), `while (${b.expr(s.test)}) {`, b.check(s.loc));
      b.stmt(s.body);
      out.push('}');
      return;
    case 'for': {
      out.push(b.check(s.loc));
      if (s.init) b.stmt(s.init);
      out.push(`for (; ${s.test ? b.expr(s.test) : ''}; ${s.step ? b.expr(s.step) : ''}) {`, b.check(s.loc));
      b.stmt(s.body);
      out.push('}');
      return;
    }
    case 'foreach':
      emitForeach(b, s);
      return;
    case 'break':
      out.push('break;');
      return;
    case 'continue':
      out.push('continue;');
      return;
    case 'next':
      out.push(b.leave());
      return;
    case 'return':
      out.push(b.check(s.loc));
      if (!b.inFunction) out.push(s.value ? `${b.expr(s.value)}; return;` : 'return;');
      else out.push(s.value ? `return ${b.expr(s.value)};` : 'return;');
      return;
    case 'delete':
      out.push(b.check(s.loc), emitDelete(b, s.target) + ';');
      return;
    case 'statsAdd':
      emitStatsAdd(b, s);
      return;
    case 'printf':
      emitPrintf(b, s);
      return;
    case 'print':
      emitPrint(b, s);
      return;
    case 'printHist':
      emitPrintHist(b, s);
      return;
    case 'printBacktrace':
      emitPrintBacktrace(b, s);
      return;
    case 'exit':
      if (s.abort) {
        out.push(b.check(s.loc), 'abortNow();', b.leave());
        return;
      }
      out.push(b.check(s.loc), 'exitNow();');
      return;
    case 'error':
      if (s.warn) out.push(b.check(s.loc), `warnNow(${b.expr(s.message)});`);
      else out.push(b.check(s.loc), `throw userError(${b.expr(s.message)}, ${b.loc(s.loc)});`);
      return;
    case 'try': {
      // the call depth is restored: an error thrown in a nested call skipped its `depth--`
      const saved = b.temp(), error = b.temp();
      out.push(b.check(s.loc), `${saved} = depth;`, 'try {');
      b.stmt(s.body);
      out.push(`} catch (${error}) {`, `depth = ${saved};`, s.catchSlot !== undefined ? `v${s.catchSlot} = caught(${error});` : `caught(${error});`);
      b.stmt(s.handler);
      out.push('}');
      return;
    }
  }
}
