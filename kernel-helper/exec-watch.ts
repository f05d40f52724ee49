// The exec watcher of system-call probes for a `-c` command: utap starts the command through a
// shell that execs it, and the calls that shell makes before its exec are not the program's.
// The traced-process map (u32 tgid → u8) then holds AWAITING_EXEC for the command until this
// tracepoint program on raw_syscalls:sys_exit sees that process's first successful execve or
// execveat return, and makes it TRACED; the probes' programs handle only TRACED processes. It is
// attached before them, so the execve's own return is the program's first traced call.
import * as I from './insn';
import type { Insn } from './insn';
import * as U from './uapi';

/** Values of the traced-process map. */
export const TRACED = 1;
export const AWAITING_EXEC = 2;

const SYS_execve = 59;
const SYS_execveat = 322;

/** The watcher's instructions; sys_exit's record: 8 bytes of common fields, long id, long ret. */
export function execWatchProgram(tgidsFd: number): Insn[] {
  const { BPF_REG_0: R0, BPF_REG_1: R1, BPF_REG_2: R2, BPF_REG_6: R6, BPF_REG_10: FP } = U;
  return [
    I.BPF_MOV64_REG(R6, R1),
    I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_pid_tgid),
    I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32),
    I.BPF_STX_MEM(4, FP, R0, -4),
    ...I.BPF_LD_MAP_FD(R1, tgidsFd),
    I.BPF_MOV64_REG(R2, FP),
    I.BPF_ALU64_IMM(U.BPF_ADD, R2, -4),
    I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem),
    I.BPF_JMP_IMM(U.BPF_JEQ, R0, 0, 8), // not traced → out
    I.BPF_LDX_MEM(1, R1, R0, 0),
    I.BPF_JMP_IMM(U.BPF_JNE, R1, AWAITING_EXEC, 6),
    I.BPF_LDX_MEM(8, R1, R6, 16), // ret
    I.BPF_JMP_IMM(U.BPF_JNE, R1, 0, 4),
    I.BPF_LDX_MEM(8, R1, R6, 8), // id
    I.BPF_JMP_IMM(U.BPF_JEQ, R1, SYS_execve, 1),
    I.BPF_JMP_IMM(U.BPF_JNE, R1, SYS_execveat, 1),
    I.BPF_ST_MEM(1, R0, 0, TRACED),
    I.BPF_MOV64_IMM(R0, 0),
    I.BPF_EXIT_INSN(),
  ];
}
