// Patch-site analysis and relocation on byte-built functions (no process): which sites take a
// 5-byte jump, the reason for each refusal, and what the replaced instructions become at the
// end of a trampoline, decoded back and checked against the addresses the originals used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analysePatchSite } from '../../tracer/engine/inproc/patch-site';
import { CannotRelocate, relocateDisplaced } from '../../tracer/engine/inproc/relocate';
import { buildReturnTrampoline, buildTrampoline } from '../../tracer/engine/inproc/trampoline';
import { decodeInstruction } from '../../tracer/engine/ptrace/x86-decode';

const SITE = 0x5555_5555_1000n;
const AT = 0x5555_5500_0100n;

function ok(fn: number[], offset = 0) {
  const a = analysePatchSite(Uint8Array.from(fn), offset);
  if (!a.ok) throw new Error(a.reason);
  return a;
}
function refused(fn: number[], offset = 0): string {
  const a = analysePatchSite(Uint8Array.from(fn), offset);
  assert.not.ok(a.ok, 'expected a refusal');
  return a.ok ? '' : a.reason;
}
const i32At = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getInt32(at, true);
const u64At = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);

// push %rbp; mov %rsp,%rbp; lea 3(%rdi,%rdi,2),%rax; pop %rbp; ret
const PLAIN = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x8d, 0x44, 0x7f, 0x03, 0x5d, 0xc3];

test('a prologue: whole instructions covering 5 bytes are replaced', () => {
  const a = ok(PLAIN);
  assert.is(a.length, 9);
  assert.equal(a.displaced.map((d) => d.offset), [0, 1, 4]);
});

test('a loop back into the replaced bytes is refused, naming the branch and its target', () => {
  // xor %eax,%eax; 1: add $1,%rax; cmp %rdi,%rax; jb 1b; ret
  assert.is(refused([0x31, 0xc0, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x39, 0xf8, 0x72, 0xf7, 0xc3]), 'a branch at +0x9 targets +0x2, inside the 6 bytes the jump replaces');
});

test('a loop back to the first byte itself is fine (the jump is there)', () => {
  // 1: sub $1,%rdi; jnz 1b; ret
  ok([0x48, 0x83, 0xef, 0x01, 0x75, 0xfa, 0xc3]);
});

test('a function shorter than the jump, a site too close to the end, a site off an instruction boundary', () => {
  assert.match(refused([0xc3]), /1 bytes long, shorter than the 5-byte jump/);
  assert.match(refused(PLAIN, 9), /2 bytes before the function's end/);
  assert.match(refused(PLAIN, 2), /not at an instruction boundary/);
});

test('a site inside a function with an indirect jump is refused unless it is the entry', () => {
  // push %rbp; mov %rsp,%rbp; nop5; jmp *%rax; ret
  const fn = [0x55, 0x48, 0x89, 0xe5, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xff, 0xe0, 0xc3];
  ok(fn, 0);
  assert.match(refused(fn, 4), /indirect jump \(at \+0x9\)/);
});

test('rip-relative operand: re-aimed at the same address from the trampoline, then jmp back', () => {
  // mov 0x2000(%rip),%rax; add %rdi,%rax; ret
  const fn = [0x48, 0x8b, 0x05, 0x00, 0x20, 0x00, 0x00, 0x48, 0x01, 0xf8, 0xc3];
  const a = ok(fn);
  const out = relocateDisplaced(Uint8Array.from(fn), a.displaced, SITE, AT);
  const target = SITE + 7n + 0x2000n;
  assert.is(AT + 7n + BigInt(i32At(out, 3)), target);
  assert.is(out[7], 0xe9);
  assert.is(AT + 12n + BigInt(i32At(out, 8)), SITE + 7n);
});

test('a call as the last replaced instruction pushes the original return address; a call before others is refused', () => {
  // call +0x10; add $1,%rax; ret
  const fn = [0xe8, 0x10, 0x00, 0x00, 0x00, 0x48, 0x83, 0xc0, 0x01, 0xc3];
  const a = ok(fn);
  const out = relocateDisplaced(Uint8Array.from(fn), a.displaced, SITE, AT);
  assert.equal([...out.subarray(0, 2)], [0xff, 0x35]); // push lit(%rip)
  assert.is(u64At(out, 6 + i32At(out, 2)), SITE + 5n, 'the literal is the return address after the call');
  assert.is(out[6], 0xe9);
  assert.is(AT + 11n + BigInt(i32At(out, 7)), SITE + 5n + 0x10n, 'the callee');
  // nop; call: the call ends the replaced bytes after another instruction
  const b = ok([0x90, 0xe8, 0, 0, 0, 0, 0xc3]);
  assert.is(b.length, 6);
});

test('a call followed by another replaced instruction is refused by relocation', () => {
  // call rel32 is 5 bytes, so it is never followed when it starts the site; build one at +1 of a 2-instruction window
  const fn = Uint8Array.from([0xe8, 0, 0, 0, 0, 0x90, 0xc3]);
  const d0 = decodeInstruction(fn, 0), d1 = decodeInstruction(fn, 5);
  assert.throws(() => relocateDisplaced(fn, [{ offset: 0, decoded: d0 }, { offset: 5, decoded: d1 }], SITE, AT), (e: unknown) => e instanceof CannotRelocate && /return address would point inside the jump/.test((e as Error).message));
});

test('jcc rel8 becomes jcc rel32 to the same target', () => {
  // test %rdi,%rdi; je +0x20; nop; ret  (the je is replaced)
  const fn = [0x48, 0x85, 0xff, 0x74, 0x20, 0x90, 0xc3, ...new Array(0x20).fill(0x90), 0xc3];
  const a = ok(fn);
  const out = relocateDisplaced(Uint8Array.from(fn), a.displaced, SITE, AT);
  assert.equal([...out.subarray(0, 3)], [0x48, 0x85, 0xff]);
  assert.equal([...out.subarray(3, 5)], [0x0f, 0x84]);
  assert.is(AT + 9n + BigInt(i32At(out, 5)), SITE + 5n + 0x20n);
});

test('loop/jrcxz among the replaced instructions is refused', () => {
  const fn = Uint8Array.from([0xe2, 0xfe, 0x90, 0x90, 0x90, 0xc3]);
  const a = ok([...fn]);
  assert.throws(() => relocateDisplaced(fn, a.displaced, SITE, AT), /8-bit reach/);
});

test('the trampoline: red zone skipped before anything else, flags saved before any flag change, literals point at the site and the handlers', () => {
  const a = ok(PLAIN);
  const t = buildTrampoline(Uint8Array.from(PLAIN), a.displaced, SITE, AT, [0x7000_0000_1000n, 0x7000_0000_2000n]);
  assert.equal([...t.subarray(0, 6)], [0x48, 0x8d, 0x64, 0x24, 0x80, 0x9c]); // lea -128(%rsp),%rsp; pushfq
  // every rip-relative push/call reads one of the literals at the end
  const literals = new Set<bigint>();
  for (let at = 0; at < t.length - 24; ) {
    const d = decodeInstruction(t, at);
    if (d.ripDisplacementOffset >= 0) literals.add(u64At(t, at + d.length + i32At(t, at + d.ripDisplacementOffset)));
    if (t[at] === 0xe9 && at > 100) break; // the jump back ends the code
    at += d.length;
  }
  assert.equal([...literals].sort(), [SITE, 0x7000_0000_1000n, 0x7000_0000_2000n].sort());
});

test('the return trampoline: rip from below rsp0, then jmp *-8(%rsp), then its handler literal', () => {
  const t = buildReturnTrampoline([0x7000_0000_1000n]);
  const has = (seq: number[]) => t.findIndex((_, i) => seq.every((b, j) => t[i + j] === b));
  assert.ok(has([0xff, 0x70, 0xf8]) > 0, 'push -8(%rax): pt_regs.rip');
  const jmp = has([0xff, 0x64, 0x24, 0xf8]);
  assert.ok(jmp > 0, 'jmp *-8(%rsp)');
  assert.ok(t.subarray(jmp + 4, t.length - 8).every((b) => b === 0xcc));
  assert.is(u64At(t, t.length - 8), 0x7000_0000_1000n);
});

test.run();
