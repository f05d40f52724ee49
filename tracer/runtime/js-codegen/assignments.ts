// Assignments (`=`, `.=` and the op= forms ir/desugar.ts leaves) to each kind of place: a local,
// a global, an array element (a full array is a runtime error), and, in guru mode, a register or
// target memory. Each is one JS expression whose value is the value assigned.
import { COMPOUND_ASSIGN } from '../../ir/ir';
import type { AssignOp, LValue, SourceLoc } from '../../ir/ir';
import type { BodyEmitter } from './body-emitter';
import { CompileError } from './compile-error';
import { binaryCall, zeroOf } from './values';

function combine(b: BodyEmitter, op: AssignOp, current: string, value: string, loc: SourceLoc): string {
  if (op === '=') return value;
  if (op === '.=') return `cat(${current}, ${value})`;
  return binaryCall(COMPOUND_ASSIGN[op], current, value, () => b.loc(loc));
}

export function emitAssign(b: BodyEmitter, target: LValue, op: AssignOp, valueCode: string, type: string, loc: SourceLoc): string {
  switch (target.kind) {
    case 'local': {
      const v = `v${target.slot}`;
      return `(${v} = ${combine(b, op, v, valueCode, loc)})`;
    }
    case 'global': {
      const g = b.store(target.global);
      const t = b.temp();
      return `(${t} = ${combine(b, op, `${g}.get()`, valueCode, loc)}, ${g}.set(${t}), ${t})`;
    }
    case 'element': {
      const g = b.store(target.global);
      const k = b.temp(), t = b.temp();
      const current = `(${g}.get(${k}) ?? ${zeroOf(type)})`;
      return `(${k} = ${b.keys(target.keys)}, ${t} = ${combine(b, op, current, valueCode, loc)}, ${g}.set(${k}, ${t}) || overflow(${target.global}, ${b.loc(loc)}), ${t})`;
    }
    case 'reg': {
      const t = b.temp();
      const current = `reg(ctx, ${JSON.stringify(target.reg)}, ${b.loc(loc)})`;
      return `(${t} = ${combine(b, op, current, valueCode, loc)}, wreg(ctx, ${JSON.stringify(target.reg)}, ${t}, ${b.loc(loc)}), ${t})`;
    }
    case 'userMemory': {
      const a = b.temp(), t = b.temp();
      const current = `ru(ctx, ${a}, ${target.size}, true, ${b.loc(loc)})`;
      return `(${a} = ${b.expr(target.addr)}, ${t} = ${combine(b, op, current, valueCode, loc)}, wu(ctx, ${a}, ${t}, ${target.size}, ${b.loc(loc)}), ${t})`;
    }
    case 'target':
      throw new CompileError('a target-variable write reached the runtime unlowered (the planner lowers $vars per probe site)', loc);
  }
}
