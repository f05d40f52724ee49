// Long expressions (result in r0) and assignment (++/-- arrive as += from ir/desugar.ts).
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import { COMPOUND_ASSIGN, type BinaryOp, type ContextValue, type Expr, type SourceLoc } from '../ir/ir';
import { CTX, HEAP, ENTRY, FP, R0, R1, R2, R6 } from './allocation';
import { unfit } from './kernel-fit';
import { exprKey } from './expr-key';
import { arrayDecl, buildKey, globalFd, scalarPtr, targetPtr } from './map-access';
import { kernelError } from './record-writer';
import type { SiteGen } from './site-gen';
import { userRead } from './user-reads';

const BPF_FETCH = 0x01;

export function emitLong(g: SiteGen, e: Expr): void {
  g.a.loc = e.loc;
  switch (e.op) {
    case 'long':
      return g.loadImm(R0, e.value);
    case 'local': {
      const off = g.localOffset.get(e.slot);
      if (off === undefined) throw new Error(`long local ${e.slot} not declared`);
      g.a.emit(I.BPF_LDX_MEM(8, R0, FP, off));
      return;
    }
    case 'global': {
      scalarPtr(g, e.global);
      const done = g.a.label();
      g.a.jumpImm(U.BPF_JEQ, R0, 0, done);
      g.a.emit(I.BPF_LDX_MEM(8, R0, R0, 0));
      g.a.place(done);
      return;
    }
    case 'arrayGet':
    case 'arrayIn': {
      const decl = arrayDecl(g, e.global);
      if (decl.value === 'stats') throw unfit('a statistics array element', e.loc);
      const key = buildKey(g, decl.keyTypes, e.keys);
      g.emitLdMap(R1, globalFd(g, e.global));
      g.heapPtr(R2, key);
      g.call(U.BPF_FUNC_map_lookup_elem);
      const done = g.a.label();
      if (e.op === 'arrayIn') {
        g.a.jumpImm(U.BPF_JEQ, R0, 0, done);
        g.a.emit(I.BPF_MOV64_IMM(R0, 1));
      } else {
        g.a.jumpImm(U.BPF_JEQ, R0, 0, done);
        g.a.emit(I.BPF_LDX_MEM(8, R0, R0, 0));
      }
      g.a.place(done);
      return;
    }
    case 'binary':
      return emitBinary(g, e);
    case 'compare': {
      if (e.left.type === 'string') throw unfit('a string comparison', e.loc);
      const ops = { '==': U.BPF_JEQ, '!=': U.BPF_JNE, '<': U.BPF_JSLT, '<=': U.BPF_JSLE, '>': U.BPF_JSGT, '>=': U.BPF_JSGE };
      twoOperands(g, e.left, e.right);
      const yes = g.a.label();
      const done = g.a.label();
      g.a.jumpReg(ops[e.operator], R0, R1, yes);
      g.a.emit(I.BPF_MOV64_IMM(R0, 0));
      g.a.jump(done);
      g.a.place(yes);
      g.a.emit(I.BPF_MOV64_IMM(R0, 1));
      g.a.place(done);
      return;
    }
    case 'logical': {
      const short = g.a.label();
      const done = g.a.label();
      g.long(e.left);
      g.a.jumpImm(e.operator === '&&' ? U.BPF_JEQ : U.BPF_JNE, R0, 0, short);
      g.long(e.right);
      g.a.jumpImm(U.BPF_JEQ, R0, 0, done); // r0 is already 0
      g.a.emit(I.BPF_MOV64_IMM(R0, 1));
      g.a.jump(done);
      g.a.place(short);
      g.a.emit(I.BPF_MOV64_IMM(R0, e.operator === '&&' ? 0 : 1));
      g.a.place(done);
      return;
    }
    case 'unary':
      g.long(e.operand);
      if (e.operator === '-') g.a.emit(I.BPF_NEG64(R0));
      else if (e.operator === '~') g.a.emit(I.BPF_ALU64_IMM(U.BPF_XOR, R0, -1));
      else if (e.operator === '!') {
        const zero = g.a.label();
        const done = g.a.label();
        g.a.jumpImm(U.BPF_JEQ, R0, 0, zero);
        g.a.emit(I.BPF_MOV64_IMM(R0, 0));
        g.a.jump(done);
        g.a.place(zero);
        g.a.emit(I.BPF_MOV64_IMM(R0, 1));
        g.a.place(done);
      }
      return;
    case 'conditional': {
      const otherwise = g.a.label();
      const done = g.a.label();
      g.long(e.test);
      g.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
      g.long(e.then);
      g.a.jump(done);
      g.a.place(otherwise);
      g.long(e.else);
      g.a.place(done);
      return;
    }
    case 'assign':
      return assignLong(g, e);
    case 'incdec':
      throw new Error(`${e.loc.file}:${e.loc.line}: ++/-- reached the eBPF generator (ir/desugar.ts rewrites it into +=)`);
    case 'context':
      return contextLong(g, e.what, e.loc);
    case 'reg':
      g.a.emit(I.BPF_LDX_MEM(8, R0, CTX, g.regOffset(e.reg)));
      return;
    case 'userRead': {
      const shipped = g.hoisted.get(exprKey(e));
      if (shipped && g.skipTarget) {
        // An event program: the read was done and shipped already; reuse its bytes.
        g.a.emit(I.BPF_LDX_MEM(8, R0, HEAP, shipped.status));
        g.a.jumpImm(U.BPF_JNE, R0, 0, g.skipTarget);
        if (e.signed && e.size < 8) g.a.emit(I.BPF_LDX_MEMSX(e.size as 1 | 2 | 4, R0, HEAP, shipped.value));
        else g.a.emit(I.BPF_LDX_MEM(e.size, R0, HEAP, shipped.value));
        return;
      }
      return userRead(g, e);
    }
    case 'entry': {
      const done = g.a.label();
      g.a.emit(I.BPF_MOV64_IMM(R0, 0));
      g.a.jumpImm(U.BPF_JEQ, ENTRY, 0, done);
      g.a.emit(I.BPF_LDX_MEM(8, R0, ENTRY, g.entryOffsets[e.index]));
      g.a.place(done);
      return;
    }
    default:
      throw unfit(`a ${e.op} expression`, e.loc);
  }
}

/** r0 = left, r1 = right (right evaluated after left, as the runtime does). */
export function twoOperands(g: SiteGen, left: Expr, right: Expr): void {
  g.long(left);
  const t = g.alloc.temp();
  g.a.emit(I.BPF_STX_MEM(8, FP, R0, t));
  g.long(right);
  g.a.emit(I.BPF_MOV64_REG(R1, R0), I.BPF_LDX_MEM(8, R0, FP, t));
  g.alloc.free();
}

/** ALU operations on a literal right operand in the instruction's immediate (sign-extended 32 bits). */
const IMMEDIATE_OPS: Partial<Record<BinaryOp, number>> = {
  '+': U.BPF_ADD, '-': U.BPF_SUB, '&': U.BPF_AND, '|': U.BPF_OR, '^': U.BPF_XOR, '<<': U.BPF_LSH, '>>': U.BPF_ARSH, '>>>': U.BPF_RSH,
};

export function emitBinary(g: SiteGen, e: Extract<Expr, { op: 'binary' }>): void {
  const imm = IMMEDIATE_OPS[e.operator];
  if (imm !== undefined && e.right.op === 'long' && fitsImm32(e.right.value)) {
    // `n & 63` of a desugared shift count, `(x += 1) - 1` of a postfix ++, `x << 2`: no second register.
    g.long(e.left);
    g.a.emit(I.BPF_ALU64_IMM(imm, R0, Number(e.right.value)));
    return;
  }
  twoOperands(g, e.left, e.right);
  applyOp(g, e.operator, e.loc);
}

function fitsImm32(v: bigint): boolean {
  return v >= -(1n << 31n) && v < 1n << 31n;
}

/** r0 = r0 op r1; a shift count is 0..63 already (ir/desugar.ts). */
export function applyOp(g: SiteGen, op: string, loc: SourceLoc): void {
  switch (op) {
    case '+': g.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R0, R1)); return;
    case '-': g.a.emit(I.BPF_ALU64_REG(U.BPF_SUB, R0, R1)); return;
    case '*': g.a.emit(I.BPF_ALU64_REG(U.BPF_MUL, R0, R1)); return;
    case '&': g.a.emit(I.BPF_ALU64_REG(U.BPF_AND, R0, R1)); return;
    case '|': g.a.emit(I.BPF_ALU64_REG(U.BPF_OR, R0, R1)); return;
    case '^': g.a.emit(I.BPF_ALU64_REG(U.BPF_XOR, R0, R1)); return;
    case '<<': g.a.emit(I.BPF_ALU64_REG(U.BPF_LSH, R0, R1)); return;
    case '>>': g.a.emit(I.BPF_ALU64_REG(U.BPF_ARSH, R0, R1)); return;
    case '>>>': g.a.emit(I.BPF_ALU64_REG(U.BPF_RSH, R0, R1)); return;
    case '/':
    case '%': {
      const ok = g.a.label();
      g.a.jumpImm(U.BPF_JNE, R1, 0, ok);
      kernelError(g, 'divisionByZero', loc);
      g.a.place(ok);
      g.a.emit(I.BPF_ALU64_REG_SIGNED(op === '/' ? U.BPF_DIV : U.BPF_MOD, R0, R1));
      return;
    }
    default:
      throw unfit(`the ${op} operator`, loc);
  }
}

export function contextLong(g: SiteGen, what: ContextValue, loc: SourceLoc): void {
  switch (what) {
    case 'tid':
      g.call(U.BPF_FUNC_get_current_pid_tgid);
      g.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
      return;
    case 'pid':
      g.call(U.BPF_FUNC_get_current_pid_tgid);
      g.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
      return;
    case 'uid':
      g.call(U.BPF_FUNC_get_current_uid_gid);
      g.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
      return;
    case 'gid':
      g.call(U.BPF_FUNC_get_current_uid_gid);
      g.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
      return;
    case 'cpu':
      g.call(U.BPF_FUNC_get_smp_processor_id);
      return;
    case 'target':
      return g.loadImm(R0, BigInt(g.options.targetPid));
    case 'monotonic_ns':
      g.call(U.BPF_FUNC_ktime_get_ns);
      return;
    case 'walltime_ns':
      g.call(U.BPF_FUNC_ktime_get_ns);
      g.loadImm(R1, g.options.walltimeOffsetNs);
      g.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R0, R1));
      return;
    case 'uaddr':
      g.a.emit(I.BPF_LDX_MEM(8, R0, CTX, g.regOffset('rip')));
      return;
    default:
      throw unfit(`${what}() as a number`, loc);
  }
}

/**
 * A long assignment: `=`, `+=` (atomic on a global or element: several CPUs may add to the same
 * counter at once) or another compound operator (COMPOUND_ASSIGN), its place's keys evaluated
 * once. `discard`: an expression statement, whose value nobody reads.
 */
export function assignLong(g: SiteGen, e: Extract<Expr, { op: 'assign' }>, discard = false): void {
  if (e.type === 'string') {
    g.str(e);
    return;
  }
  const op = e.operator === '=' ? undefined : COMPOUND_ASSIGN[e.operator as keyof typeof COMPOUND_ASSIGN];
  const t = e.target;
  if (t.kind === 'local') {
    const off = g.localOffset.get(t.slot)!;
    if (op) {
      g.long(e.value);
      g.a.emit(I.BPF_MOV64_REG(R1, R0), I.BPF_LDX_MEM(8, R0, FP, off));
      applyOp(g, op, e.loc);
    } else g.long(e.value);
    g.a.emit(I.BPF_STX_MEM(8, FP, R0, off));
    return;
  }
  if (t.kind === 'global' || t.kind === 'element') {
    if (op === '+' && e.value.op === 'long' && fitsImm32(e.value.value)) {
      // ++ and += of a literal: nothing to evaluate before the place.
      const n = Number(e.value.value);
      targetPtr(g, t, e.loc);
      g.a.emit(I.BPF_MOV64_IMM(R1, n));
      if (discard) g.a.emit(I.BPF_ATOMIC_OP(8, U.BPF_ADD, R0, R1, 0));
      else g.a.emit(I.BPF_ATOMIC_OP(8, U.BPF_ADD | BPF_FETCH, R0, R1, 0), I.BPF_MOV64_REG(R0, R1), I.BPF_ALU64_IMM(U.BPF_ADD, R0, n));
      return;
    }
    // The value first (it may look up other globals), then the target's pointer.
    g.long(e.value);
    const v = g.alloc.temp();
    g.a.emit(I.BPF_STX_MEM(8, FP, R0, v));
    targetPtr(g, t, e.loc);
    g.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_LDX_MEM(8, R1, FP, v));
    if (op === '+') {
      g.a.emit(I.BPF_MOV64_REG(R2, R1), I.BPF_ATOMIC_OP(8, U.BPF_ADD | BPF_FETCH, R6, R1, 0), I.BPF_ALU64_REG(U.BPF_ADD, R1, R2), I.BPF_MOV64_REG(R0, R1));
    } else if (op) {
      g.a.emit(I.BPF_LDX_MEM(8, R0, R6, 0));
      applyOp(g, op, e.loc);
      g.a.emit(I.BPF_STX_MEM(8, R6, R0, 0));
    } else {
      g.a.emit(I.BPF_STX_MEM(8, R6, R1, 0), I.BPF_MOV64_REG(R0, R1));
    }
    g.alloc.free();
    return;
  }
  throw unfit('a write to the target', e.loc);
}
