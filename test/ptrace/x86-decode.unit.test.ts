// The length decoder against objdump, instruction by instruction, over whole real binaries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { decodeInstruction, DecodeFailure } from '../../tracer/engine/ptrace/x86-decode';

interface Mismatch { line: string; got: string }

function compareWithObjdump(binary: string, maxInstructions: number): { checked: number; mismatches: Mismatch[] } {
  const text = execFileSync('objdump', ['-d', '-w', '--no-addresses', '--insn-width=16', binary], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const mismatches: Mismatch[] = [];
  let checked = 0;
  for (const line of text.split('\n')) {
    const m = /^\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$/.exec(line);
    if (!m) continue;
    const asm = m[2];
    if (asm.includes('(bad)') || /^rex(\.\w+)?$/.test(asm.trim()) || asm === '' || asm.startsWith('.byte') || asm.includes('ud2') || asm.includes('ud1') || asm.includes('ud0')) continue;
    const bytes = Uint8Array.from(m[1].trim().split(' ').map((h) => parseInt(h, 16)));
    checked++;
    try {
      const d = decodeInstruction(bytes);
      const ripRelative = d.ripDisplacementOffset >= 0;
      if (d.length !== bytes.length || ripRelative !== asm.includes('(%rip)')) {
        mismatches.push({ line, got: `length ${d.length}, rip-relative ${ripRelative}` });
      }
    } catch (error) {
      if (!(error instanceof DecodeFailure)) throw error;
      mismatches.push({ line, got: error.message });
    }
    if (checked >= maxInstructions) break;
  }
  return { checked, mismatches };
}

for (const binary of ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/postgresql/15/bin/postgres', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/usr/bin/gdb']) {
  test(`every instruction of ${binary} decodes to objdump's length`, () => {
    const { checked, mismatches } = compareWithObjdump(binary, 2_000_000);
    assert.ok(checked > 50_000, `only ${checked} instructions checked`);
    assert.equal(mismatches.slice(0, 10), [], `${mismatches.length} of ${checked} differ`);
  });
}

test('relative branches and calls are classified with their displacement', () => {
  const call = decodeInstruction(Uint8Array.from([0xe8, 1, 2, 3, 4]));
  assert.equal([call.control, call.relOffset, call.relSize, call.length], ['call-rel', 1, 4, 5]);
  const jcc8 = decodeInstruction(Uint8Array.from([0x74, 0x10]));
  assert.equal([jcc8.control, jcc8.condition, jcc8.relOffset, jcc8.relSize], ['jcc-rel', 4, 1, 1]);
  const jcc32 = decodeInstruction(Uint8Array.from([0x0f, 0x85, 1, 0, 0, 0]));
  assert.equal([jcc32.control, jcc32.condition, jcc32.relOffset, jcc32.length], ['jcc-rel', 5, 2, 6]);
  const callIndirect = decodeInstruction(Uint8Array.from([0xff, 0x15, 0, 0, 0, 0]));
  assert.equal([callIndirect.control, callIndirect.ripDisplacementOffset], ['call-indirect', 2]);
  const callRsp = decodeInstruction(Uint8Array.from([0xff, 0x54, 0x24, 0x08]));
  assert.equal([callRsp.control, callRsp.usesStackPointer, callRsp.length], ['call-indirect', true, 4]);
  const endbr = decodeInstruction(Uint8Array.from([0xf3, 0x0f, 0x1e, 0xfa]));
  assert.equal([endbr.control, endbr.length], ['none', 4]);
  assert.throws(() => decodeInstruction(Uint8Array.from([0x48])), (e: unknown) => e instanceof DecodeFailure);
});

test.run();
