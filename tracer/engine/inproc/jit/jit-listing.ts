// A readable listing of a JITted handler: each eBPF instruction (as kernel-helper's printer
// writes it) beside the x86-64 bytes it became, for -v dumps and golden tests. No disassembler
// is needed: the encodings are checked against GNU as in test/inproc/jit-encoding.unit.test.ts.
import { printInsn } from '../../../../kernel-helper/insn-printer';
import type { Insn } from './codegen-adapter';
import type { JitResult } from './bpf-jit';

export function jitListing(insns: readonly Insn[], jit: JitResult, options: { mapName?(fd: number): string } = {}): string {
  const lines: string[] = [];
  const prologueEnd = jit.offsets[0] ?? jit.code.length;
  lines.push(`${'prologue'.padEnd(44)}| ${hex(jit.code.subarray(0, prologueEnd))}`);
  for (let i = 0; i < insns.length; i++) {
    const start = jit.offsets[i];
    const next = i + 1 < insns.length && insns[i].code === 0x18 ? i + 2 : i + 1;
    const end = next < insns.length ? jit.offsets[next] : epilogueStart(jit);
    lines.push(`${`${String(i).padStart(4)}: ${printInsn(insns[i], insns[i + 1], i, options)}`.padEnd(44)}| ${hex(jit.code.subarray(start, end))}`);
    if (next === i + 2) i++;
  }
  lines.push(`${'epilogue'.padEnd(44)}| ${hex(jit.code.subarray(epilogueStart(jit)))}`);
  return `${lines.join('\n')}\n`;
}

function epilogueStart(jit: JitResult): number {
  return jit.exit;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}
