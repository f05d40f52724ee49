// struct bpf_insn and its encoder: one 8-byte slot per instruction (ld_imm64 takes two), laid
// out as in include/uapi/linux/bpf.h — code, dst_reg:4 | src_reg:4, off (s16), imm (s32), little-endian.
// The constructors mirror the kernel's own macro names (BPF_ALU64_REG, BPF_LDX_MEM, ...).
import * as U from './uapi';

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

export const BPF_ALU64_REG = (op: number, dst: number, src: number): Insn => insn(U.BPF_ALU64 | op | U.BPF_X, dst, src, 0, 0);
export const BPF_ALU64_IMM = (op: number, dst: number, imm: number): Insn => insn(U.BPF_ALU64 | op | U.BPF_K, dst, 0, 0, imm);
/** Signed division and modulo (cpu v4): BPF_DIV/BPF_MOD with off = 1. */
export const BPF_ALU64_REG_SIGNED = (op: number, dst: number, src: number): Insn => insn(U.BPF_ALU64 | op | U.BPF_X, dst, src, 1, 0);
export const BPF_MOV64_REG = (dst: number, src: number): Insn => BPF_ALU64_REG(U.BPF_MOV, dst, src);
export const BPF_MOV64_IMM = (dst: number, imm: number): Insn => BPF_ALU64_IMM(U.BPF_MOV, dst, imm);
export const BPF_NEG64 = (dst: number): Insn => insn(U.BPF_ALU64 | U.BPF_NEG | U.BPF_K, dst, 0, 0, 0);

/** Two slots: a 64-bit immediate (or, with src = BPF_PSEUDO_MAP_FD, a map by fd). */
export function BPF_LD_IMM64_RAW(dst: number, src: number, value: bigint): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  return [
    insn(U.BPF_LD | U.BPF_DW | U.BPF_IMM, dst, src, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))),
    insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
  ];
}
export const BPF_LD_IMM64 = (dst: number, value: bigint): [Insn, Insn] => BPF_LD_IMM64_RAW(dst, 0, value);
export const BPF_LD_MAP_FD = (dst: number, fd: number): [Insn, Insn] => BPF_LD_IMM64_RAW(dst, U.BPF_PSEUDO_MAP_FD, BigInt(fd));

export type Size = 1 | 2 | 4 | 8;
export const BPF_SIZE: Record<Size, number> = { 1: U.BPF_B, 2: U.BPF_H, 4: U.BPF_W, 8: U.BPF_DW };

/** dst = *(size *)(src + off) */
export const BPF_LDX_MEM = (size: Size, dst: number, src: number, off: number): Insn => insn(U.BPF_LDX | BPF_SIZE[size] | U.BPF_MEM, dst, src, off, 0);
/** dst = *(signed size *)(src + off), sign-extended (cpu v4). */
export const BPF_LDX_MEMSX = (size: 1 | 2 | 4, dst: number, src: number, off: number): Insn => insn(U.BPF_LDX | BPF_SIZE[size] | U.BPF_MEMSX, dst, src, off, 0);
/** *(size *)(dst + off) = src */
export const BPF_STX_MEM = (size: Size, dst: number, src: number, off: number): Insn => insn(U.BPF_STX | BPF_SIZE[size] | U.BPF_MEM, dst, src, off, 0);
/** *(size *)(dst + off) = imm */
export const BPF_ST_MEM = (size: Size, dst: number, off: number, imm: number): Insn => insn(U.BPF_ST | BPF_SIZE[size] | U.BPF_MEM, dst, 0, off, imm);
/** Atomic *(u64 *)(dst + off) op= src; op is BPF_ADD, BPF_OR, ... */
export const BPF_ATOMIC_OP = (size: 4 | 8, op: number, dst: number, src: number, off: number): Insn => insn(U.BPF_STX | BPF_SIZE[size] | U.BPF_ATOMIC, dst, src, off, op);

export const BPF_JMP_REG = (op: number, dst: number, src: number, off: number): Insn => insn(U.BPF_JMP | op | U.BPF_X, dst, src, off, 0);
export const BPF_JMP_IMM = (op: number, dst: number, imm: number, off: number): Insn => insn(U.BPF_JMP | op | U.BPF_K, dst, 0, off, imm);
export const BPF_JMP_A = (off: number): Insn => insn(U.BPF_JMP | U.BPF_JA, 0, 0, off, 0);
export const BPF_CALL_HELPER = (id: number): Insn => insn(U.BPF_JMP | U.BPF_CALL, 0, 0, 0, id);
export const BPF_EXIT_INSN = (): Insn => insn(U.BPF_JMP | U.BPF_EXIT, 0, 0, 0, 0);

/** The program text the kernel reads: 8 bytes per slot. */
export function encodeInsns(insns: readonly Insn[]): Buffer {
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach((i, n) => {
    const at = n * 8;
    out.writeUInt8(i.code & 0xff, at);
    out.writeUInt8(((i.src & 0xf) << 4) | (i.dst & 0xf), at + 1);
    out.writeInt16LE(i.off, at + 2);
    out.writeInt32LE(i.imm | 0, at + 4);
  });
  return out;
}

/** Decodes program text back (tests, dumps). */
export function decodeInsns(bytes: Uint8Array): Insn[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at + 8 <= b.length; at += 8) {
    const regs = b.readUInt8(at + 1);
    out.push({ code: b.readUInt8(at), dst: regs & 0xf, src: regs >> 4, off: b.readInt16LE(at + 2), imm: b.readInt32LE(at + 4) });
  }
  return out;
}
