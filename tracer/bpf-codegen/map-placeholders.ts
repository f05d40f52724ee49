// Compiling before the maps exist: a program may be compiled with placeholder fds for some of its
// maps, and the real fds put in afterwards. The uprobe engine compiles each site of a uprobe_multi
// candidate set once, with the same placeholders for the per-program maps (scratch, entry map),
// compares the bytes to find the sites that can share one program, then creates each group's
// maps and gives its program their fds. A placeholder is negative: no real fd can equal it.
import type { Insn } from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { CompiledProgram } from './compile-options';

/** Placeholder fds of the per-program maps. */
export const PLACEHOLDER_FD = { heap: -2, entry: -3, entryHeap: -4 } as const;

const LD_IMM64 = U.BPF_LD | U.BPF_DW | U.BPF_IMM;

/** `compiled` with every map reference to a placeholder in `fds` (placeholder → real fd) given its real fd. */
export function withMapFds(compiled: CompiledProgram, fds: ReadonlyMap<number, number>): CompiledProgram {
  const insns: Insn[] = compiled.insns.slice();
  for (let i = 0; i < insns.length - 1; i++) {
    const insn = insns[i];
    if (insn.code !== LD_IMM64) continue;
    const fd = insn.src === U.BPF_PSEUDO_MAP_FD ? fds.get(insn.imm) : undefined;
    if (fd !== undefined) {
      insns[i] = { ...insn, imm: fd };
      insns[i + 1] = { ...insns[i + 1], imm: 0 };
    }
    i++; // the second half of the 16-byte instruction
  }
  return { ...compiled, insns };
}
