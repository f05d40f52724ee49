// The out-of-line copies of displaced instructions (tracer/engine/ptrace/out-of-line.ts): what
// each kind becomes, decoded back with the engine's own x86 decoder and checked against the
// addresses the original would have used. Indirect calls in particular run without
// single-stepping: a push of the original return address, then the same operand as a jump.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planDisplaced } from '../../tracer/engine/ptrace/out-of-line';
import { decodeInstruction } from '../../tracer/engine/ptrace/x86-decode';

const ADDRESS = 0x5555_5555_1000n;
const SLOT = 0x5555_5500_0040n;

function u64At(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
}
function i32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getInt32(offset, true);
}

test('push %rbp: the copy, then a jump back to the next instruction', () => {
  const plan = planDisplaced(Uint8Array.of(0x55, 0x48, 0x89, 0xe5), ADDRESS, SLOT);
  assert.is(plan.bytes[0], 0x55);
  assert.equal([...plan.bytes.subarray(1, 7)], [0xff, 0x25, 0, 0, 0, 0]);
  assert.is(u64At(plan.bytes, 7), ADDRESS + 1n);
});

test('call *%rax: push of the original return address, then jmp *%rax', () => {
  const plan = planDisplaced(Uint8Array.of(0xff, 0xd0, 0x90, 0x90), ADDRESS, SLOT);
  // push *disp(%rip): the literal after the jump holds ADDRESS + 2
  assert.equal([...plan.bytes.subarray(0, 2)], [0xff, 0x35]);
  const push = decodeInstruction(plan.bytes, 0);
  assert.is(push.length, 6);
  const literal = 6 + i32At(plan.bytes, 2);
  assert.is(u64At(plan.bytes, literal), ADDRESS + 2n);
  // then ff /4 on the same register
  assert.equal([...plan.bytes.subarray(6, 8)], [0xff, 0xe0]);
  assert.is(literal, 8);
});

test('call *disp(%rip): the jump reads the same memory as the call did', () => {
  // call *0x200(%rip) at ADDRESS: reads ADDRESS + 6 + 0x200
  const plan = planDisplaced(Uint8Array.of(0xff, 0x15, 0x00, 0x02, 0x00, 0x00), ADDRESS, SLOT);
  const jump = decodeInstruction(plan.bytes, 6);
  assert.is(plan.bytes[6], 0xff);
  assert.is((plan.bytes[7] >> 3) & 7, 4, 'ff /4 (jmp)');
  assert.is(jump.length, 6);
  const reads = SLOT + 6n + 6n + BigInt(i32At(plan.bytes, 8));
  assert.is(reads, ADDRESS + 6n + 0x200n);
  assert.is(u64At(plan.bytes, 6 + 6 + 0), ADDRESS + 6n, 'the pushed return address follows the jump');
  assert.is(6 + i32At(plan.bytes, 2), 12);
});

test('call *(%rsp): refused (the push would move what it reads)', () => {
  assert.throws(() => planDisplaced(Uint8Array.of(0xff, 0x14, 0x24), ADDRESS, SLOT), /stack pointer/);
});

test.run();
