// The x86-64 emitter (tracer/engine/inproc/jit/x86-emitter.ts) against GNU as: every form the
// JIT uses, over registers that need REX bits, SIB bytes, byte-register REX and disp8/disp32,
// assembled by `as` from the Intel-syntax line beside it; branches against hand-checked bytes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { R8, R9, R10, R11, R12, R13, R14, R15, RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP, REG_NAMES, X86Emitter } from '../../tracer/engine/inproc/jit/x86-emitter';

type Case = [string, (x: X86Emitter) => void];

const n = (r: number): string => REG_NAMES[r];
const d32 = (r: number): string => (r >= 8 ? `r${r}d` : `e${REG_NAMES[r].slice(1)}`);
const d16 = (r: number): string => (r >= 8 ? `r${r}w` : REG_NAMES[r].slice(1));
const d8 = (r: number): string => (r >= 8 ? `r${r}b` : { 0: 'al', 1: 'cl', 2: 'dl', 3: 'bl', 4: 'spl', 5: 'bpl', 6: 'sil', 7: 'dil' }[r]!);
const REGS = [RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8, R11, R12, R13, R15];
const BASES = [RAX, RSP, RBP, RDI, R9, R12, R13, R15];

function cases(): Case[] {
  const out: Case[] = [];
  for (const a of REGS) {
    for (const b of [RAX, RDI, RSI, R8, R13, R14]) {
      for (const op of ['add', 'sub', 'and', 'or', 'xor', 'cmp'] as const) {
        out.push([`${op} ${n(a)}, ${n(b)}`, (x) => x.alu(op, true, a, b)]);
        out.push([`${op} ${d32(a)}, ${d32(b)}`, (x) => x.alu(op, false, a, b)]);
      }
      out.push([`mov ${n(a)}, ${n(b)}`, (x) => x.mov(true, a, b)]);
      out.push([`mov ${d32(a)}, ${d32(b)}`, (x) => x.mov(false, a, b)]);
      out.push([`test ${n(a)}, ${n(b)}`, (x) => x.test(true, a, b)]);
      out.push([`imul ${n(a)}, ${n(b)}`, (x) => x.imul(true, a, b)]);
      out.push([`imul ${d32(a)}, ${d32(b)}`, (x) => x.imul(false, a, b)]);
      out.push([`movzx ${d32(a)}, ${d8(b)}`, (x) => x.movx(false, 1, false, a, b)]);
      out.push([`movsx ${n(a)}, ${d16(b)}`, (x) => x.movx(true, 2, true, a, b)]);
      out.push([`movsxd ${n(a)}, ${d32(b)}`, (x) => x.movsxd(a, b)]);
    }
    for (const imm of [0, 1, -1, 127, 128, -129, 0x12345678, -0x80000000]) {
      out.push([`add ${n(a)}, ${imm}`, (x) => x.aluImm('add', true, a, imm)]);
      out.push([`cmp ${d32(a)}, ${imm}`, (x) => x.aluImm('cmp', false, a, imm)]);
      out.push([`mov ${n(a)}, ${imm}`, (x) => x.movImm(true, a, imm)]);
      out.push([`mov ${d32(a)}, ${imm >>> 0}`, (x) => x.movImm(false, a, imm)]);
      out.push([`imul ${n(a)}, ${n(a)}, ${imm}`, (x) => x.imulImm(true, a, imm)]);
      out.push([`test ${n(a)}, ${imm}`, (x) => x.testImm(true, a, imm)]);
    }
    out.push([`movabs ${n(a)}, 0x123456789abcdef0`, (x) => x.movAbs(a, 0x123456789abcdef0n)]);
    out.push([`neg ${n(a)}`, (x) => x.group3(3, true, a)]);
    out.push([`div ${d32(a)}`, (x) => x.group3(6, false, a)]);
    out.push([`idiv ${n(a)}`, (x) => x.group3(7, true, a)]);
    out.push([`shl ${n(a)}, 5`, (x) => x.shiftImm('shl', true, a, 5)]);
    out.push([`sar ${d32(a)}, 31`, (x) => x.shiftImm('sar', false, a, 31)]);
    out.push([`shr ${n(a)}, cl`, (x) => x.shiftCl('shr', true, a)]);
    out.push([`bswap ${n(a)}`, (x) => x.bswap(true, a)]);
    out.push([`bswap ${d32(a)}`, (x) => x.bswap(false, a)]);
    out.push([`ror ${d16(a)}, 8`, (x) => x.rorWord8(a)]);
    out.push([`push ${n(a)}`, (x) => x.push(a)]);
    out.push([`pop ${n(a)}`, (x) => x.pop(a)]);
    out.push([`call ${n(a)}`, (x) => x.callReg(a)]);
    for (const base of BASES) {
      for (const disp of [0, -8, 127, -512, 4096]) {
        const m = `[${n(base)}${disp < 0 ? '-' : '+'}${Math.abs(disp)}]`;
        out.push([`movzx ${d32(a)}, byte ptr ${m}`, (x) => x.load(1, a, base, disp)]);
        out.push([`movzx ${d32(a)}, word ptr ${m}`, (x) => x.load(2, a, base, disp)]);
        out.push([`mov ${d32(a)}, dword ptr ${m}`, (x) => x.load(4, a, base, disp)]);
        out.push([`mov ${n(a)}, qword ptr ${m}`, (x) => x.load(8, a, base, disp)]);
        out.push([`movsx ${n(a)}, byte ptr ${m}`, (x) => x.loadSigned(1, a, base, disp)]);
        out.push([`movsxd ${n(a)}, dword ptr ${m}`, (x) => x.loadSigned(4, a, base, disp)]);
        out.push([`mov byte ptr ${m}, ${d8(a)}`, (x) => x.store(1, base, disp, a)]);
        out.push([`mov word ptr ${m}, ${d16(a)}`, (x) => x.store(2, base, disp, a)]);
        out.push([`mov dword ptr ${m}, ${d32(a)}`, (x) => x.store(4, base, disp, a)]);
        out.push([`mov qword ptr ${m}, ${n(a)}`, (x) => x.store(8, base, disp, a)]);
        out.push([`lea ${n(a)}, ${m}`, (x) => x.lea(a, base, disp)]);
        out.push([`lock add qword ptr ${m}, ${n(a)}`, (x) => x.lockRm(0x01, true, base, disp, a)]);
        out.push([`lock or dword ptr ${m}, ${d32(a)}`, (x) => x.lockRm(0x09, false, base, disp, a)]);
        out.push([`lock xadd qword ptr ${m}, ${n(a)}`, (x) => x.lockXadd(true, base, disp, a)]);
        out.push([`lock cmpxchg dword ptr ${m}, ${d32(a)}`, (x) => x.lockCmpxchg(false, base, disp, a)]);
        out.push([`xchg qword ptr ${m}, ${n(a)}`, (x) => x.xchgMem(true, base, disp, a)]);
      }
    }
  }
  for (const base of BASES) {
    out.push([`mov byte ptr [${n(base)}+3], -2`, (x) => x.storeImm(1, base, 3, -2)]);
    out.push([`mov word ptr [${n(base)}+3], 0x1234`, (x) => x.storeImm(2, base, 3, 0x1234)]);
    out.push([`mov dword ptr [${n(base)}-300], 0x12345678`, (x) => x.storeImm(4, base, -300, 0x12345678)]);
    out.push([`mov qword ptr [${n(base)}-8], -1`, (x) => x.storeImm(8, base, -8, -1)]);
  }
  out.push(['cqo', (x) => x.cqo(true)], ['cdq', (x) => x.cqo(false)], ['leave', (x) => x.leave()], ['ret', (x) => x.ret()]);
  return out;
}

test('every emitter form encodes as GNU as assembles it', () => {
  const all = cases();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-x86-'));
  try {
    // One instruction per line, each in its own section-relative slot: assemble once, then
    // compare per instruction by re-emitting them all into one buffer with the same order.
    fs.writeFileSync(path.join(dir, 'a.s'), `.intel_syntax noprefix\n${all.map((c) => c[0]).join('\n')}\n`);
    execFileSync('as', ['--64', '-o', path.join(dir, 'a.o'), path.join(dir, 'a.s')]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', path.join(dir, 'a.o'), path.join(dir, 'a.bin')]);
    const expected = fs.readFileSync(path.join(dir, 'a.bin'));
    let at = 0;
    for (const [text, emit] of all) {
      const x = new X86Emitter();
      emit(x);
      const got = x.finish();
      const want = expected.subarray(at, at + got.length);
      assert.is(got.toString('hex'), want.toString('hex'), text);
      at += got.length;
    }
    assert.is(at, expected.length, 'as emitted more bytes than the emitter');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('jumps: rel32 to labels placed before and after', () => {
  const x = new X86Emitter();
  const back = x.label();
  const fwd = x.label();
  x.place(back);
  x.jcc('ne', fwd); // 0F 85 rel32 → +5 (over the jmp)
  x.jmp(back); // E9 rel32 → -11
  x.place(fwd);
  x.jccShort('e', 2);
  assert.is(x.finish().toString('hex'), '0f8505000000' + 'e9f5ffffff' + '7402');
});

test.run();
