// eBPF → x86-64: turns one program of utap's eBPF generator into native code that runs inside
// the traced process, as `void handler(struct pt_regs *ctx)` under the SysV ABI.
//
// Register contract (the same assignment as the kernel's x86 JIT, so helper arguments are
// already where the SysV ABI wants them):
//   r0 rax   r1 rdi   r2 rsi   r3 rdx   r4 rcx   r5 r8      (caller-saved, as in eBPF)
//   r6 rbx   r7 r13   r8 r14   r9 r15   r10 rbp            (callee-saved, pushed and popped)
//   r11 and r10 JIT scratch; r9 carries the shared area's address into every runtime helper
//   (a sixth argument eBPF does not have); r12 is never touched.
// Frame: push rbp; mov rbp,rsp; sub rsp,512 (the eBPF stack, below r10); push rbx,r13,r14,r15.
// Entered with rsp ≡ 8 (mod 16), the helper calls run with rsp 16-byte aligned.
//
// The JIT trusts its input: it takes only what utap's generator emits (programs the kernel
// verifier accepts on the uprobe engine), so it adds no bounds checks of its own. Target memory
// is only ever read through the fault-safe runtime helpers. Semantics follow
// include/uapi/linux/bpf.h and Documentation/bpf/standardization/instruction-set.rst: 32-bit
// results are zero-extended, x / 0 = 0, x % 0 = x, LLONG_MIN / -1 = LLONG_MIN, LLONG_MIN % -1 = 0.
import { U, type Insn } from './codegen-adapter';
import { HELPERS, helperRefusal } from './helpers';
import { RAX, RBP, RBX, RCX, RDI, RDX, RSI, R8, R9, R10, R11, R13, R14, R15, X86Emitter, type AluOp, type Cond, type ShiftOp, type XLabel } from './x86-emitter';

/** eBPF register → x86 register. */
export const BPF_TO_X86 = [RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP] as const;
const AUX = R11;
const AUX2 = R10;
const STACK = U.MAX_BPF_STACK;

const BPF_PSEUDO_MAP_VALUE = 2;
const BPF_FETCH = 0x01;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
const BPF_TO_BE = 0x08;

export interface JitOptions {
  /** In-target address of the shared area (passed to every runtime helper in r9). */
  areaBase: bigint;
  /** In-target address of a runtime function, by its symbol. */
  runtimeAddress(symbol: string): bigint;
  /** In-target address of the map a placeholder fd stands for (BPF_PSEUDO_MAP_FD). */
  mapAddress(fd: number): bigint;
  /** In-target address of a map's first value (BPF_PSEUDO_MAP_VALUE), when supported. */
  mapValueAddress?(fd: number): bigint;
  /**
   * What the JIT may know of the map behind a placeholder fd: an ARRAY map's lookups are then
   * inlined (a bounds check and an address computation, as the kernel's JIT does) instead of
   * calling the runtime.
   */
  mapInfo?(fd: number): InlineMapInfo | undefined;
  /** bpf_get_func_ip() of this site (the probed address). */
  funcIp?: bigint;
  /** bpf_get_attach_cookie() of this site. */
  cookie?: bigint;
}

export interface InlineMapInfo {
  type: number;
  maxEntries: number;
  valueStride: number;
  /** In-target address of the first value. */
  dataAddress: bigint;
}

export interface JitResult {
  code: Buffer;
  /** Byte offset of each eBPF instruction slot's code (the second slot of ld_imm64 repeats the first's). */
  offsets: number[];
  /** Byte offset of the shared exit (the epilogue every BPF_EXIT jumps to). */
  exit: number;
}

export class JitError extends Error {
  constructor(readonly index: number, message: string) {
    super(`eBPF instruction ${index}: ${message}`);
    this.name = 'JitError';
  }
}

/** Compiles `insns`; the code is position-independent except for the absolute addresses it embeds. */
export function jitProgram(insns: readonly Insn[], options: JitOptions): JitResult {
  const refusal = helperRefusal(insns);
  if (refusal) throw new JitError(-1, refusal);
  return new BpfJit(insns, options).compile();
}

const ALU_OPS: Record<number, AluOp> = { [U.BPF_ADD]: 'add', [U.BPF_SUB]: 'sub', [U.BPF_AND]: 'and', [U.BPF_OR]: 'or', [U.BPF_XOR]: 'xor' };
const SHIFT_OPS: Record<number, ShiftOp> = { [U.BPF_LSH]: 'shl', [U.BPF_RSH]: 'shr', [U.BPF_ARSH]: 'sar' };
const JMP_CC: Record<number, Cond> = {
  [U.BPF_JEQ]: 'e', [U.BPF_JNE]: 'ne', [U.BPF_JGT]: 'a', [U.BPF_JGE]: 'ae', [U.BPF_JLT]: 'b', [U.BPF_JLE]: 'be',
  [U.BPF_JSGT]: 'g', [U.BPF_JSGE]: 'ge', [U.BPF_JSLT]: 'l', [U.BPF_JSLE]: 'le', [U.BPF_JSET]: 'ne',
};
const SIZE_BYTES: Record<number, 1 | 2 | 4 | 8> = { [U.BPF_B]: 1, [U.BPF_H]: 2, [U.BPF_W]: 4, [U.BPF_DW]: 8 };
const ATOMIC_RM: Record<number, number> = { [U.BPF_ADD]: 0x01, [U.BPF_OR]: 0x09, [U.BPF_AND]: 0x21, [U.BPF_XOR]: 0x31 };

class BpfJit {
  private readonly x = new X86Emitter();
  private readonly at: XLabel[];
  private readonly exit: XLabel;
  /** Instructions some jump lands on (what is known about registers does not flow into them). */
  private readonly jumpTargets = new Set<number>();
  /** The placeholder fd r1 holds, while known (ld_imm64 map_fd into r1, not since overwritten). */
  private r1Map: number | undefined;

  constructor(private readonly insns: readonly Insn[], private readonly options: JitOptions) {
    this.at = insns.map(() => this.x.label());
    this.exit = this.x.label();
    insns.forEach((insn, i) => {
      const cls = insn.code & 0x07;
      const op = insn.code & 0xf0;
      if ((cls === U.BPF_JMP || cls === U.BPF_JMP32) && op !== U.BPF_CALL && op !== U.BPF_EXIT && insn.code !== (U.BPF_LD | U.BPF_DW | U.BPF_IMM)) {
        this.jumpTargets.add(i + 1 + (cls === U.BPF_JMP32 && op === U.BPF_JA ? insn.imm : insn.off));
      }
    });
  }

  /** Whether `insn` writes r1 (ALU, load, ld_imm64 into r1; any call). */
  private static writesR1(insn: Insn): boolean {
    const cls = insn.code & 0x07;
    if (cls === U.BPF_JMP && (insn.code & 0xf0) === U.BPF_CALL) return true;
    if (cls === U.BPF_ALU || cls === U.BPF_ALU64 || cls === U.BPF_LDX || cls === U.BPF_LD) return insn.dst === 1;
    // an atomic fetch writes its source register, cmpxchg r0
    if (cls === U.BPF_STX && (insn.code & 0xe0) === U.BPF_ATOMIC) return (insn.imm & BPF_FETCH) !== 0 && insn.src === 1;
    return false;
  }

  compile(): JitResult {
    const x = this.x;
    x.push(RBP);
    x.mov(true, RBP, 0x04 /* rsp */);
    x.aluImm('sub', true, 0x04, STACK);
    for (const r of [RBX, R13, R14, R15]) x.push(r);
    const offsets: number[] = [];
    for (let i = 0; i < this.insns.length; i++) {
      x.place(this.at[i]);
      offsets.push(x.length);
      if (this.jumpTargets.has(i)) this.r1Map = undefined;
      const insn = this.insns[i];
      if (insn.code === (U.BPF_LD | U.BPF_DW | U.BPF_IMM)) {
        this.ldImm64(i, insn, this.insns[i + 1]);
        this.r1Map = insn.dst === 1 ? (insn.src === U.BPF_PSEUDO_MAP_FD ? insn.imm : undefined) : this.r1Map;
        i++;
        x.place(this.at[i]);
        offsets.push(offsets[offsets.length - 1]);
        continue;
      }
      this.insn(i, insn);
      if (BpfJit.writesR1(insn)) this.r1Map = undefined;
    }
    x.place(this.exit);
    const exit = x.length;
    for (const r of [R15, R14, R13, RBX]) x.pop(r);
    x.leave();
    x.ret();
    return { code: x.finish(), offsets, exit };
  }

  private target(i: number, off: number): XLabel {
    const t = i + 1 + off;
    if (t < 0 || t >= this.insns.length) throw new JitError(i, `jump to ${t}, outside the program`);
    return this.at[t];
  }

  private insn(i: number, insn: Insn): void {
    const cls = insn.code & 0x07;
    switch (cls) {
      case U.BPF_ALU:
      case U.BPF_ALU64:
        return this.alu(i, insn, cls === U.BPF_ALU64);
      case U.BPF_JMP:
      case U.BPF_JMP32:
        return this.jump(i, insn, cls === U.BPF_JMP);
      case U.BPF_LDX:
        return this.ldx(i, insn);
      case U.BPF_STX:
      case U.BPF_ST:
        return this.store(i, insn, cls === U.BPF_STX);
      default:
        throw new JitError(i, `instruction class ${cls} (code 0x${insn.code.toString(16)}) is not supported`);
    }
  }

  private reg(i: number, r: number): number {
    const x86 = BPF_TO_X86[r];
    if (x86 === undefined) throw new JitError(i, `register r${r} does not exist`);
    return x86;
  }

  // ── ALU ──

  private alu(i: number, insn: Insn, w: boolean): void {
    const x = this.x;
    const op = insn.code & 0xf0;
    const useReg = (insn.code & U.BPF_X) !== 0;
    const dst = this.reg(i, insn.dst);
    const src = useReg ? this.reg(i, insn.src) : -1;
    if (op in ALU_OPS && op !== U.BPF_MOV) {
      if (useReg) x.alu(ALU_OPS[op], w, dst, src);
      else x.aluImm(ALU_OPS[op], w, dst, insn.imm);
      return;
    }
    switch (op) {
      case U.BPF_MOV:
        if (!useReg) return x.movImm(w, dst, insn.imm);
        if (insn.off === 0) return x.mov(w, dst, src);
        // movsx (cpu v4): off = 8, 16 or 32 source bits.
        if (insn.off === 8 || insn.off === 16) return x.movx(true, insn.off === 8 ? 1 : 2, w, dst, src);
        if (insn.off === 32 && w) return x.movsxd(dst, src);
        throw new JitError(i, `mov with offset ${insn.off}`);
      case U.BPF_MUL:
        if (useReg) x.imul(w, dst, src);
        else x.imulImm(w, dst, insn.imm);
        return;
      case U.BPF_DIV:
      case U.BPF_MOD:
        return this.divide(i, insn, w, op === U.BPF_MOD, dst, src);
      case U.BPF_LSH:
      case U.BPF_RSH:
      case U.BPF_ARSH:
        return this.shift(SHIFT_OPS[op], w, dst, useReg ? src : -1, insn.imm);
      case U.BPF_NEG:
        return x.group3(3, w, dst);
      case U.BPF_END:
        return this.endian(i, insn, w, dst);
      default:
        throw new JitError(i, `ALU operation 0x${op.toString(16)} is not supported`);
    }
  }

  /**
   * dst = dst / src or dst % src (unsigned, or signed with off = 1). x86 div takes rax:rdx, so
   * those two are saved around it; the divisor goes to r11 first (it may be rax or rdx).
   */
  private divide(i: number, insn: Insn, w: boolean, mod: boolean, dst: number, src: number): void {
    const x = this.x;
    const signed = insn.off === 1;
    if (insn.off !== 0 && !signed) throw new JitError(i, `division with offset ${insn.off}`);
    if (src >= 0) x.mov(w, AUX, src);
    else x.movImm(w, AUX, insn.imm);
    const zero = x.label();
    const done = x.label();
    x.test(w, AUX, AUX);
    x.jcc('e', zero);
    const normal = x.label();
    if (signed) {
      // LLONG_MIN / -1 traps on x86 (#DE); eBPF defines it as the negation (which wraps).
      x.aluImm('cmp', w, AUX, -1);
      x.jcc('ne', normal);
      if (mod) x.alu('xor', false, dst, dst);
      else x.group3(3, w, dst);
      x.jmp(done);
    }
    x.place(normal);
    x.push(RAX);
    x.push(RDX);
    x.mov(w, RAX, dst);
    if (signed) x.cqo(w);
    else x.alu('xor', false, RDX, RDX);
    x.group3(signed ? 7 : 6, w, AUX);
    x.mov(w, AUX, mod ? RDX : RAX);
    x.pop(RDX);
    x.pop(RAX);
    x.mov(true, dst, AUX);
    x.jmp(done);
    x.place(zero);
    // x / 0 = 0; x % 0 = x (its low 32 bits, zero-extended, for the 32-bit form).
    if (!mod) x.alu('xor', false, dst, dst);
    else if (!w) x.mov(false, dst, dst);
    x.place(done);
  }

  /** Shifts by an immediate, or by a register through cl (rcx is eBPF r4, saved in r11 when it is not the count). */
  private shift(op: ShiftOp, w: boolean, dst: number, src: number, imm: number): void {
    const x = this.x;
    if (src < 0) return x.shiftImm(op, w, dst, imm & (w ? 63 : 31));
    if (src === RCX) return x.shiftCl(op, w, dst);
    x.mov(true, AUX, RCX);
    x.mov(true, RCX, src);
    if (dst === RCX) {
      x.shiftCl(op, w, AUX);
      x.mov(true, RCX, AUX);
    } else {
      x.shiftCl(op, w, dst);
      x.mov(true, RCX, AUX);
    }
  }

  private endian(i: number, insn: Insn, alu64: boolean, dst: number): void {
    const x = this.x;
    const swap = alu64 || (insn.code & BPF_TO_BE) !== 0;
    switch (insn.imm) {
      case 16:
        if (swap) x.rorWord8(dst);
        return x.movx(false, 2, false, dst, dst);
      case 32:
        return swap ? x.bswap(false, dst) : x.mov(false, dst, dst);
      case 64:
        if (swap) x.bswap(true, dst);
        return;
      default:
        throw new JitError(i, `byte swap of ${insn.imm} bits`);
    }
  }

  // ── loads and stores ──

  private ldImm64(i: number, insn: Insn, next: Insn | undefined): void {
    if (!next) throw new JitError(i, 'ld_imm64 without its second slot');
    const dst = this.reg(i, insn.dst);
    switch (insn.src) {
      case 0: {
        const value = (BigInt.asUintN(32, BigInt(next.imm)) << 32n) | BigInt.asUintN(32, BigInt(insn.imm));
        return this.loadConstant(dst, value);
      }
      case U.BPF_PSEUDO_MAP_FD:
        return this.x.movAbs(dst, this.options.mapAddress(insn.imm));
      case BPF_PSEUDO_MAP_VALUE: {
        if (!this.options.mapValueAddress) throw new JitError(i, 'map value addresses are not supported here');
        return this.x.movAbs(dst, this.options.mapValueAddress(insn.imm) + BigInt(next.imm));
      }
      default:
        throw new JitError(i, `ld_imm64 with src ${insn.src} is not supported`);
    }
  }

  private loadConstant(dst: number, value: bigint): void {
    const v = BigInt.asIntN(64, value);
    if (v >= -(1n << 31n) && v < 1n << 31n) this.x.movImm(true, dst, Number(v));
    else if (v >= 0n && v < 1n << 32n) this.x.movImm(false, dst, Number(BigInt.asIntN(32, v)));
    else this.x.movAbs(dst, v);
  }

  private ldx(i: number, insn: Insn): void {
    const size = SIZE_BYTES[insn.code & 0x18];
    const mode = insn.code & 0xe0;
    const dst = this.reg(i, insn.dst);
    const src = this.reg(i, insn.src);
    if (mode === U.BPF_MEM) return this.x.load(size, dst, src, insn.off);
    if (mode === U.BPF_MEMSX && size !== 8) return this.x.loadSigned(size, dst, src, insn.off);
    throw new JitError(i, `load mode 0x${mode.toString(16)} is not supported`);
  }

  private store(i: number, insn: Insn, fromReg: boolean): void {
    const size = SIZE_BYTES[insn.code & 0x18];
    const mode = insn.code & 0xe0;
    const dst = this.reg(i, insn.dst);
    if (mode === U.BPF_ATOMIC && fromReg) return this.atomic(i, insn, size, dst, this.reg(i, insn.src));
    if (mode !== U.BPF_MEM) throw new JitError(i, `store mode 0x${mode.toString(16)} is not supported`);
    if (fromReg) this.x.store(size, dst, insn.off, this.reg(i, insn.src));
    else this.x.storeImm(size, dst, insn.off, insn.imm);
  }

  /** The atomic read-modify-writes: lock add/or/and/xor, lock xadd, xchg, lock cmpxchg, and fetch loops. */
  private atomic(i: number, insn: Insn, size: number, base: number, src: number): void {
    const x = this.x;
    if (size !== 4 && size !== 8) throw new JitError(i, `atomic operation on ${size} bytes`);
    const w = size === 8;
    const op = insn.imm;
    const off = insn.off;
    if (op === BPF_XCHG) return x.xchgMem(w, base, off, src);
    if (op === BPF_CMPXCHG) {
      x.lockCmpxchg(w, base, off, src);
      if (!w) x.mov(false, RAX, RAX);
      return;
    }
    const plain = op & ~BPF_FETCH;
    const rm = ATOMIC_RM[plain];
    if (rm === undefined) throw new JitError(i, `atomic operation 0x${op.toString(16)} is not supported`);
    if ((op & BPF_FETCH) === 0) return x.lockRm(rm, w, base, off, src);
    if (plain === U.BPF_ADD) return x.lockXadd(w, base, off, src);
    // Fetch-and-or/and/xor: a cmpxchg loop on rax (eBPF r0, saved unless it is the operand).
    x.mov(true, AUX2, src);
    x.lea(R9, base, off);
    if (src !== RAX) x.push(RAX);
    x.load(size, RAX, R9, 0);
    const again = x.label();
    x.place(again);
    x.mov(w, AUX, RAX);
    x.rr(rm, w, AUX, AUX2);
    x.lockCmpxchg(w, R9, 0, AUX);
    x.jcc('ne', again);
    if (src !== RAX) {
      x.mov(w, src, RAX);
      x.pop(RAX);
    } else if (!w) x.mov(false, RAX, RAX);
  }

  // ── jumps, calls, exit ──

  private jump(i: number, insn: Insn, w: boolean): void {
    const x = this.x;
    const op = insn.code & 0xf0;
    if (op === U.BPF_JA) return x.jmp(this.target(i, w ? insn.off : insn.imm));
    if (op === U.BPF_EXIT) return x.jmp(this.exit);
    if (op === U.BPF_CALL) return this.call(i, insn);
    const cc = JMP_CC[op];
    if (cc === undefined) throw new JitError(i, `jump operation 0x${op.toString(16)} is not supported`);
    const dst = this.reg(i, insn.dst);
    if (insn.code & U.BPF_X) {
      const src = this.reg(i, insn.src);
      if (op === U.BPF_JSET) x.test(w, dst, src);
      else x.alu('cmp', w, dst, src);
    } else if (op === U.BPF_JSET) x.testImm(w, dst, insn.imm);
    else x.aluImm('cmp', w, dst, insn.imm);
    x.jcc(cc, this.target(i, insn.off));
  }

  private call(i: number, insn: Insn): void {
    const x = this.x;
    const plan = HELPERS.get(insn.imm);
    if (insn.src !== 0 || !plan) throw new JitError(i, `call of helper ${insn.imm} is not supported`);
    if (plan.kind === 'inline') {
      const value = plan.what === 'funcIp' ? this.options.funcIp : this.options.cookie;
      if (value === undefined) throw new JitError(i, `the site has no ${plan.what === 'funcIp' ? 'function address' : 'attach cookie'}`);
      return this.loadConstant(RAX, value);
    }
    if (insn.imm === U.BPF_FUNC_map_lookup_elem && this.r1Map !== undefined) {
      const map = this.options.mapInfo?.(this.r1Map);
      if (map && map.type === U.BPF_MAP_TYPE_ARRAY) return this.inlineArrayLookup(map);
    }
    x.movAbs(R9, this.options.areaBase);
    x.movAbs(RAX, this.options.runtimeAddress(plan.symbol));
    x.callReg(RAX);
  }

  /** r0 = key < max_entries ? data + key * stride : NULL, the key a u32 at r2 (rsi). */
  private inlineArrayLookup(map: InlineMapInfo): void {
    const x = this.x;
    const miss = x.label();
    const done = x.label();
    x.load(4, RAX, RSI, 0);
    x.aluImm('cmp', false, RAX, map.maxEntries | 0);
    x.jcc('ae', miss);
    x.imulImm(true, RAX, map.valueStride);
    x.movAbs(AUX, map.dataAddress);
    x.alu('add', true, RAX, AUX);
    x.jmp(done);
    x.place(miss);
    x.alu('xor', false, RAX, RAX);
    x.place(done);
  }
}

