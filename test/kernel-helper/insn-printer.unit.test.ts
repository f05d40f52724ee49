// The instruction printer: each instruction class the code generator emits, in the verifier's
// notation, and program text decoded back from bytes printing as the instructions did.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../kernel-helper/insn';
import { printInsn, printProgram } from '../../kernel-helper/insn-printer';
import * as U from '../../kernel-helper/uapi';

const one = (insn: I.Insn) => printInsn(insn, undefined, 0);

test('ALU, loads, stores, atomics, jumps, calls', () => {
  assert.is(one(I.BPF_MOV64_REG(U.BPF_REG_9, U.BPF_REG_1)), 'r9 = r1');
  assert.is(one(I.BPF_MOV64_IMM(U.BPF_REG_0, -1)), 'r0 = -1');
  assert.is(one(I.BPF_ALU64_IMM(U.BPF_ADD, U.BPF_REG_2, -8)), 'r2 += -8');
  assert.is(one(I.BPF_ALU64_IMM(U.BPF_ARSH, U.BPF_REG_1, 63)), 'r1 s>>= 63');
  assert.is(one(I.BPF_ALU64_REG_SIGNED(U.BPF_MOD, U.BPF_REG_0, U.BPF_REG_1)), 'r0 s%= r1');
  assert.is(one(I.BPF_ALU64_REG(U.BPF_DIV, U.BPF_REG_0, U.BPF_REG_1)), 'r0 /= r1');
  assert.is(one(I.BPF_NEG64(U.BPF_REG_3)), 'r3 = -r3');
  assert.is(one(I.BPF_LDX_MEM(8, U.BPF_REG_1, U.BPF_REG_10, -8)), 'r1 = *(u64 *)(r10 - 8)');
  assert.is(one(I.BPF_LDX_MEMSX(2, U.BPF_REG_0, U.BPF_REG_8, 16)), 'r0 = *(s16 *)(r8 + 16)');
  assert.is(one(I.BPF_STX_MEM(4, U.BPF_REG_8, U.BPF_REG_0, 524)), '*(u32 *)(r8 + 524) = r0');
  assert.is(one(I.BPF_ST_MEM(1, U.BPF_REG_10, -1, 0)), '*(u8 *)(r10 - 1) = 0');
  assert.is(one(I.BPF_ATOMIC_OP(8, U.BPF_ADD, U.BPF_REG_0, U.BPF_REG_1, 0)), 'lock *(u64 *)(r0 + 0) += r1');
  assert.is(one(I.BPF_ATOMIC_OP(8, U.BPF_ADD | 1, U.BPF_REG_0, U.BPF_REG_1, 8)), 'r1 = atomic64_fetch_add((u64 *)(r0 + 8), r1)');
  assert.is(one(I.BPF_ATOMIC_OP(8, 0xe1, U.BPF_REG_0, U.BPF_REG_1, 0)), 'r1 = atomic64_xchg((u64 *)(r0 + 0), r1)');
  assert.is(printInsn(I.BPF_JMP_IMM(U.BPF_JEQ, U.BPF_REG_0, 0, 5), undefined, 10), 'if r0 == 0 goto +5 <16>');
  assert.is(printInsn(I.BPF_JMP_REG(U.BPF_JSGT, U.BPF_REG_0, U.BPF_REG_1, -3), undefined, 10), 'if r0 s> r1 goto -3 <8>');
  assert.is(printInsn(I.BPF_JMP_A(2), undefined, 0), 'goto +2 <3>');
  assert.is(one(I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem)), 'call bpf_map_lookup_elem');
  assert.is(one(I.BPF_CALL_HELPER(9999)), 'call helper#9999');
  assert.is(one(I.BPF_EXIT_INSN()), 'exit');
  assert.is(one({ code: 0xff, dst: 1, src: 2, off: 3, imm: 4 }), '.insn code=0xff dst=r1 src=r2 off=3 imm=4');
});

test('ld_imm64: a 64-bit constant, a map by fd (named by the caller or by number)', () => {
  const [lo, hi] = I.BPF_LD_IMM64(U.BPF_REG_1, 0x123456789abcdef0n);
  assert.is(printInsn(lo, hi, 0), 'r1 = 0x123456789abcdef0 ll');
  const [m, m2] = I.BPF_LD_MAP_FD(U.BPF_REG_1, 7);
  assert.is(printInsn(m, m2, 0), 'r1 = map_fd[7]');
  assert.is(printInsn(m, m2, 0, { mapName: (fd) => `map[counts#${fd}]` }), 'r1 = map[counts#7]');
});

test('a program from its bytes prints as from its instructions; ld_imm64 takes two indices', () => {
  const insns = [I.BPF_MOV64_IMM(U.BPF_REG_0, 0), ...I.BPF_LD_MAP_FD(U.BPF_REG_1, 3), I.BPF_JMP_IMM(U.BPF_JNE, U.BPF_REG_1, 0, 0), I.BPF_EXIT_INSN()];
  const text = printProgram(insns);
  assert.is(text, '0: r0 = 0\n1: r1 = map_fd[3]\n3: if r1 != 0 goto +0 <4>\n4: exit\n');
  assert.is(printProgram(new Uint8Array(I.encodeInsns(insns))), text);
  assert.equal(I.decodeInsns(I.encodeInsns(insns)), insns);
});

test.run();
