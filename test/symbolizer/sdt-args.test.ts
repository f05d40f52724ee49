// SDT argument specs: every x86-64 operand form GCC writes into .note.stapsdt, decoded to
// register / constant / memory, and one sentence for what is not an operand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdtArgument, parseSdtArguments, SdtArgumentError } from '../../symbolizer/sdt-args';

test('registers: 64/32/16/8-bit names, high bytes, r8..r15 forms', () => {
  assert.equal(parseSdtArgument('8@%rdi').operand, { kind: 'register', reg: 'rdi', width: 8, shift: 0 });
  assert.equal(parseSdtArgument('-4@%eax').operand, { kind: 'register', reg: 'rax', width: 4, shift: 0 });
  assert.equal(parseSdtArgument('-2@%dx').operand, { kind: 'register', reg: 'rdx', width: 2, shift: 0 });
  assert.equal(parseSdtArgument('-1@%cl').operand, { kind: 'register', reg: 'rcx', width: 1, shift: 0 });
  assert.equal(parseSdtArgument('1@%ah').operand, { kind: 'register', reg: 'rax', width: 1, shift: 8 });
  assert.equal(parseSdtArgument('1@%sil').operand, { kind: 'register', reg: 'rsi', width: 1, shift: 0 });
  assert.equal(parseSdtArgument('4@%r12d').operand, { kind: 'register', reg: 'r12', width: 4, shift: 0 });
  assert.equal(parseSdtArgument('2@%r9w').operand, { kind: 'register', reg: 'r9', width: 2, shift: 0 });
  assert.equal(parseSdtArgument('1@%r15b').operand, { kind: 'register', reg: 'r15', width: 1, shift: 0 });
  const a = parseSdtArgument('-4@%eax');
  assert.is(a.size, 4);
  assert.is(a.signed, true);
  assert.is(parseSdtArgument('8@%rbx').signed, false);
});

test('constants, memory with base/offset/index*scale, RIP-relative symbols', () => {
  assert.equal(parseSdtArgument('-8@$5').operand, { kind: 'constant', value: 5n });
  assert.equal(parseSdtArgument('-4@$-7').operand, { kind: 'constant', value: -7n });
  assert.equal(parseSdtArgument('8@-16(%rbp)').operand, { kind: 'memory', displacement: -16n, base: 'rbp', scale: 1 });
  assert.equal(parseSdtArgument('8@(%rax)').operand, { kind: 'memory', displacement: 0n, base: 'rax', scale: 1 });
  assert.equal(parseSdtArgument('8@0x10(%rax,%rdx,8)').operand, { kind: 'memory', displacement: 16n, base: 'rax', index: 'rdx', scale: 8 });
  assert.equal(parseSdtArgument('4@(,%r9,4)').operand, { kind: 'memory', displacement: 0n, index: 'r9', scale: 4 });
  assert.equal(parseSdtArgument('4@foo(%rip)').operand, { kind: 'memory', displacement: 0n, symbol: 'foo', base: 'rip', scale: 1 });
  assert.equal(parseSdtArgument('-4@40+CheckpointStats(%rip)').operand, { kind: 'memory', displacement: 40n, symbol: 'CheckpointStats', base: 'rip', scale: 1 });
  assert.equal(parseSdtArgument('8@buf+8(%rip)').operand, { kind: 'memory', displacement: 8n, symbol: 'buf', base: 'rip', scale: 1 });
});

test('a string of several arguments, the size-less old form, and errors', () => {
  const args = parseSdtArguments('8@%rbp 8@%r12 -4@%eax');
  assert.equal(args.map((a) => a.text), ['8@%rbp', '8@%r12', '-4@%eax']);
  assert.equal(parseSdtArguments('  '), []);
  const old = parseSdtArgument('%rdi');
  assert.is(old.size, 8);
  assert.throws(() => parseSdtArgument('3@%rax'), (e: unknown) => e instanceof SdtArgumentError && /size that is not 1, 2, 4 or 8/.test(e.message));
  assert.throws(() => parseSdtArgument('8@%xmm0'), (e: unknown) => e instanceof SdtArgumentError && /not an x86-64 integer register/.test(e.message));
  assert.throws(() => parseSdtArgument('8@8(%rax,%rbx,3)'), /scale 3/);
});

test.run();
