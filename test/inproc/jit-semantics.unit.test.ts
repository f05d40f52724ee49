// The JIT's instruction semantics, run natively: programs of single eBPF operations over edge
// values are JITted, executed once by build/jit-harness (exec) on a 4 KiB context, and every
// result compared with what include/uapi/linux/bpf.h and the eBPF instruction-set document define
// (a small reference evaluator below): 32-bit results zero-extended, x/0 = 0, x%0 = x,
// LLONG_MIN / -1, shifts through cl whichever registers hold the operands, sign-extending
// loads, atomics with and without fetch, cmpxchg, and every conditional jump.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../kernel-helper/insn';
import type { Insn } from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import { jitProgram } from '../../tracer/engine/inproc/jit/bpf-jit';
import { repoRoot } from '../support/paths';

const HARNESS = path.join(repoRoot, 'build', 'jit-harness');
const CODE_BASE = 0x3e0000000000n;
const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const u64 = (v: bigint): bigint => v & M64;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** Runs `body` (ctx in r9, slots of 8 bytes) on `ctx` values; returns the context after. */
function run(body: Insn[], ctx: bigint[]): bigint[] {
  const insns = [I.BPF_MOV64_REG(9, 1), ...body, I.BPF_MOV64_IMM(0, 0), I.BPF_EXIT_INSN()];
  const fail = () => {
    throw new Error('no runtime here');
  };
  const { code } = jitProgram(insns, { areaBase: 0n, runtimeAddress: fail, mapAddress: fail });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-jit-'));
  try {
    fs.writeFileSync(path.join(dir, 'code'), code);
    const input = Buffer.alloc(4096);
    ctx.forEach((v, i) => input.writeBigUInt64LE(u64(v), i * 8));
    const out = execFileSync(HARNESS, ['exec', path.join(dir, 'code'), `0x${CODE_BASE.toString(16)}`, '0'], { input, maxBuffer: 1 << 20 });
    return Array.from({ length: 512 }, (_, i) => out.readBigUInt64LE(i * 8));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const EDGE = [0n, 1n, 2n, 3n, 7n, -1n, -2n, -7n, 31n, 32n, 63n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, -(1n << 63n), (1n << 63n) - 1n, 0x123456789abcdef0n];
const IMMS = [0, 1, -1, 3, -7, 31, 0x7fffffff, -0x80000000];

/** The reference: eBPF ALU semantics. `b` is the source register's value or the sign-extended imm. */
function alu(op: number, w64: boolean, signed: boolean, a: bigint, b: bigint): bigint {
  const bits = w64 ? 64 : 32;
  const mask = w64 ? M64 : M32;
  const ua = a & mask;
  const ub = b & mask;
  const sa = w64 ? s64(a) : s32(a);
  const sb = w64 ? s64(b) : s32(b);
  let r: bigint;
  switch (op) {
    case U.BPF_ADD: r = ua + ub; break;
    case U.BPF_SUB: r = ua - ub; break;
    case U.BPF_MUL: r = ua * ub; break;
    case U.BPF_AND: r = ua & ub; break;
    case U.BPF_OR: r = ua | ub; break;
    case U.BPF_XOR: r = ua ^ ub; break;
    case U.BPF_MOV: r = ub; break;
    case U.BPF_LSH: r = ua << (ub & BigInt(bits - 1)); break;
    case U.BPF_RSH: r = ua >> (ub & BigInt(bits - 1)); break;
    case U.BPF_ARSH: r = sa >> (ub & BigInt(bits - 1)); break;
    case U.BPF_DIV:
      if (ub === 0n) r = 0n;
      else if (!signed) r = ua / ub;
      else r = sb === -1n ? -sa : sa / sb;
      break;
    case U.BPF_MOD:
      if (ub === 0n) r = ua;
      else if (!signed) r = ua % ub;
      else r = sb === -1n ? 0n : sa % sb;
      break;
    default: throw new Error(`op ${op}`);
  }
  return r & mask;
}

const OPS = [U.BPF_ADD, U.BPF_SUB, U.BPF_MUL, U.BPF_AND, U.BPF_OR, U.BPF_XOR, U.BPF_MOV, U.BPF_LSH, U.BPF_RSH, U.BPF_ARSH, U.BPF_DIV, U.BPF_MOD];
/** dst, src register pairs: rax, rcx (the shift count register), rdx (division), callee-saved, and the same register twice. */
const PAIRS: Array<[number, number]> = [[0, 4], [4, 0], [3, 0], [0, 3], [4, 3], [3, 4], [6, 7], [2, 5], [4, 4], [3, 3], [0, 0], [8, 2]];

interface Case {
  insns: Insn[];
  inputs: bigint[];
  expect: (inputs: bigint[]) => bigint[];
  name: string;
}

/** A load or store through r9 (the context): its offset moves with the case's slots. */
function onContext(insn: Insn): boolean {
  const cls = insn.code & 0x07;
  if (cls === U.BPF_LDX) return insn.src === 9;
  return (cls === U.BPF_STX || cls === U.BPF_ST) && insn.dst === 9;
}

/** Runs cases in batches: each gets 4 context slots (2 in, 2 out). */
function check(cases: Case[]): void {
  for (let first = 0; first < cases.length; first += 120) {
    const batch = cases.slice(first, first + 120);
    const ctx: bigint[] = [];
    const body: Insn[] = [];
    batch.forEach((c, k) => {
      const base = k * 4;
      c.inputs.forEach((v, j) => (ctx[base + j] = v));
      body.push(...c.insns.map((insn) => (onContext(insn) ? { ...insn, off: insn.off + base * 8 } : insn)));
    });
    const out = run(body, ctx);
    batch.forEach((c, k) => {
      const want = c.expect(c.inputs).map(u64);
      want.forEach((v, j) => assert.is(out[k * 4 + 2 + j].toString(16), v.toString(16), `${c.name} → slot ${j}`));
    });
  }
}

const ld = (reg: number, slot: number): Insn => I.BPF_LDX_MEM(8, reg, 9, slot * 8);
const st = (slot: number, reg: number): Insn => I.BPF_STX_MEM(8, 9, reg, slot * 8);

test('ALU and ALU64, register and immediate forms, signed division: as eBPF defines them', () => {
  const cases: Case[] = [];
  for (const w64 of [true, false]) {
    const cls = w64 ? U.BPF_ALU64 : U.BPF_ALU;
    for (const op of OPS) {
      for (const signed of op === U.BPF_DIV || op === U.BPF_MOD ? [false, true] : [false]) {
        const off = signed ? 1 : 0;
        for (const [dst, src] of PAIRS) {
          for (let i = 0; i < EDGE.length; i += dst === src ? 1 : 3) {
            const a = EDGE[i];
            const b = EDGE[(i * 7 + 5) % EDGE.length];
            const insn: Insn = { code: cls | op | U.BPF_X, dst, src, off, imm: 0 };
            cases.push({
              name: `${w64 ? 'alu64' : 'alu32'} op 0x${op.toString(16)}${signed ? ' signed' : ''} r${dst}, r${src} (${a}, ${b})`,
              inputs: [a, b],
              insns: [ld(src, 1), ld(dst, 0), insn, st(2, dst), st(3, src)],
              expect: ([x, y]) => (dst === src ? [alu(op, w64, signed, x, x), alu(op, w64, signed, x, x)] : [alu(op, w64, signed, x, y), y]),
            });
          }
        }
        for (const imm of IMMS) {
          for (const a of EDGE) {
            if ((op === U.BPF_LSH || op === U.BPF_RSH || op === U.BPF_ARSH) && (imm < 0 || imm >= (w64 ? 64 : 32))) continue;
            const insn: Insn = { code: cls | op | U.BPF_K, dst: 4, src: 0, off, imm };
            cases.push({
              name: `${w64 ? 'alu64' : 'alu32'} op 0x${op.toString(16)}${signed ? ' signed' : ''} r4, ${imm} (${a})`,
              inputs: [a],
              insns: [ld(4, 0), insn, st(2, 4)],
              expect: ([x]) => [alu(op, w64, signed, x, BigInt(imm))],
            });
          }
        }
      }
    }
    for (const a of EDGE) {
      cases.push({ name: `neg ${w64} ${a}`, inputs: [a], insns: [ld(3, 0), { code: cls | U.BPF_NEG, dst: 3, src: 0, off: 0, imm: 0 }, st(2, 3)], expect: ([x]) => [(-x) & (w64 ? M64 : M32)] });
      for (const bits of [8, 16, 32]) {
        if (!w64 && bits === 32) continue;
        const want = (x: bigint) => (w64 ? BigInt.asIntN(bits, x) : BigInt.asIntN(bits, x) & M32);
        cases.push({ name: `movsx${bits} ${w64} ${a}`, inputs: [a], insns: [ld(2, 0), { code: cls | U.BPF_MOV | U.BPF_X, dst: 6, src: 2, off: bits, imm: 0 }, st(2, 6)], expect: ([x]) => [want(x)] });
      }
    }
  }
  const swap = (v: bigint, bytes: number): bigint => {
    let r = 0n;
    for (let i = 0; i < bytes; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
    return r;
  };
  for (const a of EDGE) {
    for (const bits of [16, 32, 64]) {
      const mask = (1n << BigInt(bits)) - 1n;
      cases.push({ name: `le${bits} ${a}`, inputs: [a], insns: [ld(4, 0), { code: U.BPF_ALU | U.BPF_END, dst: 4, src: 0, off: 0, imm: bits }, st(2, 4)], expect: ([x]) => [x & mask] });
      cases.push({ name: `be${bits} ${a}`, inputs: [a], insns: [ld(4, 0), { code: U.BPF_ALU | U.BPF_END | U.BPF_X, dst: 4, src: 0, off: 0, imm: bits }, st(2, 4)], expect: ([x]) => [swap(x, bits / 8)] });
    }
  }
  check(cases);
});

test('conditional jumps, 64 and 32 bits, register and immediate forms', () => {
  const jumps: Array<[number, (a: bigint, b: bigint, w64: boolean) => boolean]> = [
    [U.BPF_JEQ, (a, b) => a === b], [U.BPF_JNE, (a, b) => a !== b], [U.BPF_JGT, (a, b) => a > b], [U.BPF_JGE, (a, b) => a >= b],
    [U.BPF_JLT, (a, b) => a < b], [U.BPF_JLE, (a, b) => a <= b], [U.BPF_JSET, (a, b) => (a & b) !== 0n],
    [U.BPF_JSGT, (a, b, w) => (w ? s64(a) > s64(b) : s32(a) > s32(b))], [U.BPF_JSGE, (a, b, w) => (w ? s64(a) >= s64(b) : s32(a) >= s32(b))],
    [U.BPF_JSLT, (a, b, w) => (w ? s64(a) < s64(b) : s32(a) < s32(b))], [U.BPF_JSLE, (a, b, w) => (w ? s64(a) <= s64(b) : s32(a) <= s32(b))],
  ];
  const cases: Case[] = [];
  for (const w64 of [true, false]) {
    const mask = w64 ? M64 : M32;
    for (const [op, holds] of jumps) {
      for (let i = 0; i < EDGE.length; i++) {
        const a = EDGE[i];
        const b = EDGE[(i * 5 + 3) % EDGE.length];
        const code = (w64 ? U.BPF_JMP : U.BPF_JMP32) | op;
        cases.push({
          name: `jump 0x${op.toString(16)} ${w64 ? 64 : 32} (${a}, ${b})`,
          inputs: [a, b],
          insns: [ld(3, 0), ld(4, 1), I.BPF_MOV64_IMM(0, 1), { code: code | U.BPF_X, dst: 3, src: 4, off: 1, imm: 0 }, I.BPF_MOV64_IMM(0, 0), st(2, 0)],
          expect: ([x, y]) => [holds(x & mask, y & mask, w64) ? 1n : 0n],
        });
        const imm = IMMS[i % IMMS.length];
        cases.push({
          name: `jump 0x${op.toString(16)} ${w64 ? 64 : 32} (${a}, imm ${imm})`,
          inputs: [a],
          insns: [ld(6, 0), I.BPF_MOV64_IMM(0, 1), { code: code | U.BPF_K, dst: 6, src: 0, off: 1, imm }, I.BPF_MOV64_IMM(0, 0), st(2, 0)],
          expect: ([x]) => [holds(x & mask, BigInt(imm) & mask, w64) ? 1n : 0n],
        });
      }
    }
  }
  check(cases);
});

test('loads (zero- and sign-extending), stores, ld_imm64, atomics with and without fetch, cmpxchg', () => {
  const cases: Case[] = [];
  for (const a of EDGE) {
    for (const size of [1, 2, 4, 8] as const) {
      const mask = (1n << BigInt(8 * size)) - 1n;
      cases.push({ name: `ldx ${size} ${a}`, inputs: [a], insns: [I.BPF_LDX_MEM(size, 5, 9, 0), st(2, 5)], expect: ([x]) => [x & mask] });
      if (size < 8) cases.push({ name: `ldsx ${size} ${a}`, inputs: [a], insns: [I.BPF_LDX_MEMSX(size as 1 | 2 | 4, 4, 9, 0), st(2, 4)], expect: ([x]) => [BigInt.asIntN(8 * size, x)] });
      // stx of `size` bytes over a slot holding -1: the bytes above stay.
      cases.push({ name: `stx ${size} ${a}`, inputs: [a, -1n], insns: [ld(2, 0), ld(3, 1), st(2, 3), I.BPF_STX_MEM(size, 9, 2, 16)], expect: ([x]) => [(M64 & ~mask) | (x & mask)] });
    }
    cases.push({ name: `ld_imm64 ${a}`, inputs: [], insns: [...I.BPF_LD_IMM64(7, a), st(2, 7)], expect: () => [a] });
  }
  for (const imm of IMMS) {
    for (const size of [1, 2, 4, 8] as const) {
      const mask = (1n << BigInt(8 * size)) - 1n;
      cases.push({ name: `st ${size} ${imm}`, inputs: [0n, 0n], insns: [I.BPF_ST_MEM(size, 9, 16, imm)], expect: () => [BigInt(imm) & mask] });
    }
  }
  const FETCH = 1;
  const ops: Array<[number, (m: bigint, v: bigint) => bigint]> = [[U.BPF_ADD, (m, v) => m + v], [U.BPF_OR, (m, v) => m | v], [U.BPF_AND, (m, v) => m & v], [U.BPF_XOR, (m, v) => m ^ v]];
  for (const size of [4, 8] as const) {
    const mask = size === 8 ? M64 : M32;
    for (let i = 0; i < EDGE.length; i++) {
      const m = EDGE[i];
      const v = EDGE[(i * 11 + 1) % EDGE.length];
      for (const [op, f] of ops) {
        for (const src of [2, 0]) {
          // memory in slot 2 (its upper half, for 4 bytes, stays), operand in src; slot 3 = src after.
          cases.push({
            name: `atomic ${size} op 0x${op.toString(16)} src r${src} (${m}, ${v})`, inputs: [m, v],
            insns: [ld(3, 0), st(2, 3), ld(src, 1), I.BPF_ATOMIC_OP(size, op, 9, src, 16), st(3, src)],
            expect: ([x, y]) => [(x & ~mask) | (f(x, y) & mask), y],
          });
          cases.push({
            name: `atomic fetch ${size} op 0x${op.toString(16)} src r${src} (${m}, ${v})`, inputs: [m, v],
            insns: [ld(3, 0), st(2, 3), ld(src, 1), I.BPF_ATOMIC_OP(size, op | FETCH, 9, src, 16), st(3, src)],
            expect: ([x, y]) => [(x & ~mask) | (f(x, y) & mask), x & mask],
          });
        }
      }
      cases.push({
        name: `xchg ${size} (${m}, ${v})`, inputs: [m, v],
        insns: [ld(3, 0), st(2, 3), ld(4, 1), I.BPF_ATOMIC_OP(size, 0xe1, 9, 4, 16), st(3, 4)],
        expect: ([x, y]) => [(x & ~mask) | (y & mask), x & mask],
      });
      for (const equal of [true, false]) {
        // r0 = expected (the memory's value or something else); slot 3 = r0 after.
        cases.push({
          name: `cmpxchg ${size} ${equal ? 'hit' : 'miss'} (${m}, ${v})`, inputs: [m, v],
          insns: [ld(3, 0), st(2, 3), ld(4, 1), ld(0, 0), ...(equal ? [] : [I.BPF_ALU64_IMM(U.BPF_XOR, 0, 0x55)]), I.BPF_ATOMIC_OP(size, 0xf1, 9, 4, 16), st(3, 0)],
          expect: ([x, y]) => [equal ? (x & ~mask) | (y & mask) : x, x & mask],
        });
      }
    }
  }
  check(cases);
});

test.run();
