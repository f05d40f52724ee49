// Expressions: each IR expression as one JavaScript expression of the generated module. Longs go
// through long.ts's functions (`add(a, b)`), strings are JS strings cut to MAXSTRINGLEN, a
// comparison or logical operator yields 1 or 0, a script function call undoes its depth count.
import type { ContextValue, Expr, SourceLoc } from '../../ir/ir';
import { emitAssign } from './assignments';
import type { BodyEmitter } from './body-emitter';
import { CompileError } from './compile-error';
import { emitAggregate, emitHistBucket, emitHistText } from './statistics';
import { emitBuiltin, emitSprintf } from './strings';
import { binaryCall, cString, longLiteral, zeroOf } from './values';

export function emitExpr(b: BodyEmitter, e: Expr): string {
  switch (e.op) {
    case 'long':
      return longLiteral(e.value);
    case 'string':
      return JSON.stringify(b.module.cut(cString(e.value)));
    case 'local':
      return `v${e.slot}`;
    case 'global':
      return `g${e.global}.get()`;
    case 'arrayGet':
      return `(g${e.global}.get(${b.keys(e.keys)}) ?? ${zeroOf(e.type)})`;
    case 'arrayIn':
      return `(g${e.global}.has(${b.keys(e.keys)}) ? 1 : 0)`;
    case 'arraySliceIn':
      return `(sliceHas(g${e.global}, ${b.slicePattern(e.keys)}) ? 1 : 0)`;
    case 'binary':
      return binaryCall(e.operator, b.expr(e.left), b.expr(e.right), () => b.loc(e.loc));
    case 'compare': {
      const op = e.operator === '==' ? '===' : e.operator === '!=' ? '!==' : e.operator;
      return `(${b.expr(e.left)} ${op} ${b.expr(e.right)} ? 1 : 0)`;
    }
    case 'logical':
      return `(${b.expr(e.left)} ${e.operator} ${b.expr(e.right)} ? 1 : 0)`;
    case 'unary': {
      const x = b.expr(e.operand);
      if (e.operator === '-') return `neg(${x})`;
      if (e.operator === '~') return `not(${x})`;
      if (e.operator === '!') return `(${x} ? 0 : 1)`;
      return x;
    }
    case 'concat':
      return `cat(${b.expr(e.left)}, ${b.expr(e.right)})`;
    case 'conditional':
      return `(${b.expr(e.test)} ? ${b.expr(e.then)} : ${b.expr(e.else)})`;
    case 'assign':
      return emitAssign(b, e.target, e.operator, b.expr(e.value), e.type, e.loc);
    case 'incdec':
      throw new CompileError('++/-- reached the runtime (ir/desugar.ts rewrites it into +=)', e.loc);
    case 'aggregate':
      return emitAggregate(b, e);
    case 'call': {
      const t = b.temp();
      return `(${t} = f${e.function}(${e.args.map((x) => b.expr(x)).join(', ')}), depth--, ${t})`;
    }
    case 'histText':
      return emitHistText(b, e);
    case 'histBucket':
      return emitHistBucket(b, e);
    case 'builtin':
      return emitBuiltin(b, e.name, e.args, e.loc);
    case 'sprintf':
      return emitSprintf(b, e);
    case 'context':
      return context(b, e.what, e.type, e.loc);
    case 'target':
      throw new CompileError('a target variable reached the runtime unlowered (the planner lowers $vars per probe site)', e.loc);
    case 'reg':
      return `reg(ctx, ${JSON.stringify(e.reg)}, ${b.loc(e.loc)})`;
    case 'userRead':
      return `ru(ctx, ${b.expr(e.addr)}, ${e.size}, ${e.signed}, ${b.loc(e.loc)})`;
    case 'userString':
      return `rs(ctx, ${b.expr(e.addr)}, ${e.maxLen ? b.expr(e.maxLen) : 'MAXC'}, ${b.loc(e.loc)})`;
    case 'entry':
      return `ent(ctx.entryValue(${e.index}), ${e.type === 'string'})`;
    case 'captured':
      return `ent(ctx.captured(${e.index}), ${e.type === 'string'})`;
  }
}

/** tid(), pid(), pp() and probefunc() are at hand; the rest is asked of the hit's context. */
function context(b: BodyEmitter, what: ContextValue, type: string, loc: SourceLoc): string {
  switch (what) {
    case 'tid':
      return 'ctx.tid';
    case 'pid':
      return 'ctx.pid';
    case 'pp':
      return 'curPP';
    case 'probefunc':
      return 'curFunc';
    default:
      return type === 'string' ? `cs(ctx, ${JSON.stringify(what)}, ${b.loc(loc)})` : `cl(ctx, ${JSON.stringify(what)}, ${b.loc(loc)})`;
  }
}
