// A small x86-64 machine-code emitter: the handful of instruction forms the eBPF JIT needs,
// each named after its mnemonic, with forward labels (rel32, patched at the end). Encodings
// follow the Intel SDM vol. 2: REX.W for 64-bit operands, ModRM/SIB, disp8 or disp32.
//
// Memory operands are [base + disp]: mod 00 without a displacement (except rbp/r13, whose mod 00
// means rip-relative / no base: they take a disp8 of 0), else disp8 or disp32; rsp/r12 as a base
// get the SIB byte 0x24 they require. The choices match GNU as, so its output is the test oracle.

/** x86 register numbers (the ModRM encoding, 8-15 need a REX extension bit). */
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

export const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Condition codes (the low nibble of Jcc 0F 8x). */
export const CC = { o: 0x0, b: 0x2, ae: 0x3, e: 0x4, ne: 0x5, be: 0x6, a: 0x7, l: 0xc, ge: 0xd, le: 0xe, g: 0xf } as const;
export type Cond = keyof typeof CC;

/** The /digit of the 0x81/0x83 group-1 ALU forms and the matching r/m,reg opcode. */
export const ALU = {
  add: { digit: 0, rm: 0x01 },
  or: { digit: 1, rm: 0x09 },
  and: { digit: 4, rm: 0x21 },
  sub: { digit: 5, rm: 0x29 },
  xor: { digit: 6, rm: 0x31 },
  cmp: { digit: 7, rm: 0x39 },
} as const;
export type AluOp = keyof typeof ALU;

/** Shift group 2 /digit. */
export const SHIFT = { shl: 4, shr: 5, sar: 7 } as const;
export type ShiftOp = keyof typeof SHIFT;

export interface XLabel {
  id: number;
}

const fitsI8 = (v: number): boolean => v >= -128 && v <= 127;

export class X86Emitter {
  private bytes: number[] = [];
  private readonly labelAt = new Map<number, number>();
  /** rel32 fields to patch: where the field is, and the label it points at. */
  private readonly fixups: Array<{ at: number; label: number }> = [];
  private nextLabel = 0;

  get length(): number {
    return this.bytes.length;
  }

  label(): XLabel {
    return { id: this.nextLabel++ };
  }

  place(l: XLabel): void {
    if (this.labelAt.has(l.id)) throw new Error(`x86 label ${l.id} placed twice`);
    this.labelAt.set(l.id, this.bytes.length);
  }

  /** The finished code, every label resolved. */
  finish(): Buffer {
    const out = Buffer.from(this.bytes);
    for (const f of this.fixups) {
      const t = this.labelAt.get(f.label);
      if (t === undefined) throw new Error(`x86 label ${f.label} never placed`);
      out.writeInt32LE(t - (f.at + 4), f.at);
    }
    return out;
  }

  // ── raw pieces ──

  byte(...b: number[]): void {
    for (const x of b) this.bytes.push(x & 0xff);
  }

  private i32(v: number): void {
    this.byte(v, v >> 8, v >> 16, v >> 24);
  }

  private i64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) {
      this.bytes.push(Number(u & 0xffn));
      u >>= 8n;
    }
  }

  /**
   * REX prefix when needed: `w` 64-bit operand, `reg` the ModRM.reg operand, `rm` the ModRM.rm
   * (or opcode-embedded) register; `byteRegs` forces one for spl/bpl/sil/dil as 8-bit operands.
   */
  private rex(w: boolean, reg: number, rm: number, byteRegs = false): void {
    const r = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
    if (r !== 0x40 || byteRegs) this.byte(r);
  }

  private modrmReg(reg: number, rm: number): void {
    this.byte(0xc0 | ((reg & 7) << 3) | (rm & 7));
  }

  private modrmMem(reg: number, base: number, disp: number): void {
    const mod = disp === 0 && (base & 7) !== RBP ? 0 : fitsI8(disp) ? 0x40 : 0x80;
    this.byte(mod | ((reg & 7) << 3) | (base & 7));
    if ((base & 7) === RSP) this.byte(0x24);
    if (mod === 0x40) this.byte(disp);
    else if (mod === 0x80) this.i32(disp);
  }

  // ── register forms ──

  /** op r/m, reg (add/sub/and/or/xor/cmp/mov/test...) with a one-byte opcode. */
  rr(opcode: number, w: boolean, dst: number, src: number): void {
    this.rex(w, src, dst);
    this.byte(opcode);
    this.modrmReg(src, dst);
  }

  alu(op: AluOp, w: boolean, dst: number, src: number): void {
    this.rr(ALU[op].rm, w, dst, src);
  }

  aluImm(op: AluOp, w: boolean, dst: number, imm: number): void {
    this.rex(w, 0, dst);
    if (dst === RAX && !fitsI8(imm)) {
      this.byte(ALU[op].rm + 4); // the accumulator form (05 id, 0D id, ...), one byte shorter
      this.i32(imm);
    } else if (fitsI8(imm)) {
      this.byte(0x83);
      this.modrmReg(ALU[op].digit, dst);
      this.byte(imm);
    } else {
      this.byte(0x81);
      this.modrmReg(ALU[op].digit, dst);
      this.i32(imm);
    }
  }

  mov(w: boolean, dst: number, src: number): void {
    this.rr(0x89, w, dst, src);
  }

  /** mov dst, imm: 64-bit form sign-extends imm32 (C7 /0); 32-bit form zero-extends (B8+r). */
  movImm(w: boolean, dst: number, imm: number): void {
    if (w) {
      this.rex(true, 0, dst);
      this.byte(0xc7);
      this.modrmReg(0, dst);
      this.i32(imm);
    } else {
      this.rex(false, 0, dst);
      this.byte(0xb8 + (dst & 7));
      this.i32(imm);
    }
  }

  /** movabs dst, imm64 (REX.W B8+r io). */
  movAbs(dst: number, imm: bigint): void {
    this.rex(true, 0, dst);
    this.byte(0xb8 + (dst & 7));
    this.i64(imm);
  }

  test(w: boolean, a: number, b: number): void {
    this.rr(0x85, w, a, b);
  }

  /** test r/m, imm32 (F7 /0; A9 for rax). */
  testImm(w: boolean, dst: number, imm: number): void {
    this.rex(w, 0, dst);
    if (dst === RAX) {
      this.byte(0xa9);
      this.i32(imm);
      return;
    }
    this.byte(0xf7);
    this.modrmReg(0, dst);
    this.i32(imm);
  }

  /** imul dst, src (0F AF /r). */
  imul(w: boolean, dst: number, src: number): void {
    this.rex(w, dst, src);
    this.byte(0x0f, 0xaf);
    this.modrmReg(dst, src);
  }

  /** imul dst, dst, imm (6B /r ib or 69 /r id). */
  imulImm(w: boolean, dst: number, imm: number): void {
    this.rex(w, dst, dst);
    this.byte(fitsI8(imm) ? 0x6b : 0x69);
    this.modrmReg(dst, dst);
    if (fitsI8(imm)) this.byte(imm);
    else this.i32(imm);
  }

  /** Group 3 (F7 /digit): neg 3, div 6, idiv 7. */
  group3(digit: number, w: boolean, rm: number): void {
    this.rex(w, 0, rm);
    this.byte(0xf7);
    this.modrmReg(digit, rm);
  }

  shiftImm(op: ShiftOp, w: boolean, dst: number, count: number): void {
    this.rex(w, 0, dst);
    this.byte(0xc1);
    this.modrmReg(SHIFT[op], dst);
    this.byte(count);
  }

  /** shift dst by cl (D3 /digit). */
  shiftCl(op: ShiftOp, w: boolean, dst: number): void {
    this.rex(w, 0, dst);
    this.byte(0xd3);
    this.modrmReg(SHIFT[op], dst);
  }

  /** movzx dst32, src8/src16 (0F B6 / 0F B7); movsx with `signed` (0F BE / 0F BF); REX.W with w. */
  movx(signed: boolean, size: 1 | 2, w: boolean, dst: number, src: number): void {
    this.rex(w, dst, src, size === 1 && src >= 4 && src < 8);
    this.byte(0x0f, (signed ? 0xbe : 0xb6) + (size === 2 ? 1 : 0));
    this.modrmReg(dst, src);
  }

  /** movsxd dst64, src32 (REX.W 63 /r). */
  movsxd(dst: number, src: number): void {
    this.rex(true, dst, src);
    this.byte(0x63);
    this.modrmReg(dst, src);
  }

  /** bswap r32/r64 (0F C8+r). */
  bswap(w: boolean, r: number): void {
    this.rex(w, 0, r);
    this.byte(0x0f, 0xc8 + (r & 7));
  }

  /** ror r16, 8: swaps the two low bytes (66 C1 /1 08). */
  rorWord8(r: number): void {
    this.byte(0x66);
    this.rex(false, 0, r);
    this.byte(0xc1);
    this.modrmReg(1, r);
    this.byte(8);
  }

  cqo(w: boolean): void {
    if (w) this.byte(0x48);
    this.byte(0x99);
  }

  push(r: number): void {
    this.rex(false, 0, r);
    this.byte(0x50 + (r & 7));
  }

  pop(r: number): void {
    this.rex(false, 0, r);
    this.byte(0x58 + (r & 7));
  }

  /** call r (FF /2). */
  callReg(r: number): void {
    this.rex(false, 0, r);
    this.byte(0xff);
    this.modrmReg(2, r);
  }

  leave(): void {
    this.byte(0xc9);
  }

  ret(): void {
    this.byte(0xc3);
  }

  // ── memory forms ──

  /** Load `size` bytes at [base+disp] into dst, zero-extended (movzx / mov r32 / mov r64). */
  load(size: 1 | 2 | 4 | 8, dst: number, base: number, disp: number): void {
    if (size === 1 || size === 2) {
      this.rex(false, dst, base);
      this.byte(0x0f, size === 1 ? 0xb6 : 0xb7);
    } else {
      this.rex(size === 8, dst, base);
      this.byte(0x8b);
    }
    this.modrmMem(dst, base, disp);
  }

  /** Load `size` bytes at [base+disp] into dst, sign-extended to 64 bits. */
  loadSigned(size: 1 | 2 | 4, dst: number, base: number, disp: number): void {
    this.rex(true, dst, base);
    if (size === 4) this.byte(0x63);
    else this.byte(0x0f, size === 1 ? 0xbe : 0xbf);
    this.modrmMem(dst, base, disp);
  }

  /** Store the low `size` bytes of src at [base+disp]. */
  store(size: 1 | 2 | 4 | 8, base: number, disp: number, src: number): void {
    if (size === 2) this.byte(0x66);
    this.rex(size === 8, src, base, size === 1 && src >= 4 && src < 8);
    this.byte(size === 1 ? 0x88 : 0x89);
    this.modrmMem(src, base, disp);
  }

  /** Store imm (sign-extended for 8 bytes) at [base+disp]. */
  storeImm(size: 1 | 2 | 4 | 8, base: number, disp: number, imm: number): void {
    if (size === 2) this.byte(0x66);
    this.rex(size === 8, 0, base);
    this.byte(size === 1 ? 0xc6 : 0xc7);
    this.modrmMem(0, base, disp);
    if (size === 1) this.byte(imm);
    else if (size === 2) this.byte(imm, imm >> 8);
    else this.i32(imm);
  }

  /** lea dst, [base+disp]. */
  lea(dst: number, base: number, disp: number): void {
    this.rex(true, dst, base);
    this.byte(0x8d);
    this.modrmMem(dst, base, disp);
  }

  /** `lock` + op [base+disp], src for a one-byte r/m,reg opcode (add 01, or 09, and 21, xor 31). */
  lockRm(opcode: number, w: boolean, base: number, disp: number, src: number): void {
    this.byte(0xf0);
    this.rex(w, src, base);
    this.byte(opcode);
    this.modrmMem(src, base, disp);
  }

  /** lock xadd [base+disp], src (0F C1). */
  lockXadd(w: boolean, base: number, disp: number, src: number): void {
    this.byte(0xf0);
    this.rex(w, src, base);
    this.byte(0x0f, 0xc1);
    this.modrmMem(src, base, disp);
  }

  /** lock cmpxchg [base+disp], src (0F B1): compares with rax. */
  lockCmpxchg(w: boolean, base: number, disp: number, src: number): void {
    this.byte(0xf0);
    this.rex(w, src, base);
    this.byte(0x0f, 0xb1);
    this.modrmMem(src, base, disp);
  }

  /** xchg [base+disp], src (87: locked by the processor). */
  xchgMem(w: boolean, base: number, disp: number, src: number): void {
    this.rex(w, src, base);
    this.byte(0x87);
    this.modrmMem(src, base, disp);
  }

  // ── control flow ──

  jmp(l: XLabel): void {
    this.byte(0xe9);
    this.fixups.push({ at: this.bytes.length, label: l.id });
    this.i32(0);
  }

  jcc(cc: Cond, l: XLabel): void {
    this.byte(0x0f, 0x80 | CC[cc]);
    this.fixups.push({ at: this.bytes.length, label: l.id });
    this.i32(0);
  }

  /** A short jcc over the next `skip` bytes (the caller knows them). */
  jccShort(cc: Cond, skip: number): void {
    this.byte(0x70 | CC[cc], skip);
  }
}
