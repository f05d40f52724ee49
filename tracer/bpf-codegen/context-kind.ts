// What a handler's context (r1 at entry, kept in r9) points at, and where a register is in it.
// A uprobe's program gets the probed thread's struct pt_regs; a system-call probe's program is a
// tracepoint program of raw_syscalls:sys_enter / sys_exit, whose context is the event's record:
//
//   sys_enter: 8 bytes of common fields, long id, unsigned long args[6]
//   sys_exit:  8 bytes of common fields, long id, long ret
//
// (tracefs events/raw_syscalls/*/format). The planner lowers `$syscall` to orig_rax, `$argN` to
// rdi rsi rdx r10 r8 r9 and `$return` to rax (tracer/plan/syscall-lower.ts): those are the
// registers a record holds; any other register is not there.
import type { RegName, SiteKind } from '../ir/ir';
import { PT_REGS_OFFSET } from '../../kernel-helper/uapi';

export type ContextKind = 'pt_regs' | 'sys_enter' | 'sys_exit';

export function contextKindOf(kind: SiteKind): ContextKind {
  return kind === 'syscall' ? 'sys_enter' : kind === 'syscallReturn' ? 'sys_exit' : 'pt_regs';
}

const SYS_ENTER_OFFSET: Partial<Record<RegName, number>> = { orig_rax: 8, rdi: 16, rsi: 24, rdx: 32, r10: 40, r8: 48, r9: 56 };
const SYS_EXIT_OFFSET: Partial<Record<RegName, number>> = { orig_rax: 8, rax: 16 };

/** A register the context does not hold (a system-call record has only the call's number, arguments or result). */
export class ContextUnavailable extends Error {
  constructor(readonly what: string) {
    super(`${what} is not in a system call's tracepoint record`);
    this.name = 'ContextUnavailable';
  }
}

/** The offset of `reg` in a context of `kind`, or undefined when it has none. */
export function contextRegOffsetOrNone(kind: ContextKind, reg: RegName): number | undefined {
  return kind === 'pt_regs' ? PT_REGS_OFFSET[reg] : kind === 'sys_enter' ? SYS_ENTER_OFFSET[reg] : SYS_EXIT_OFFSET[reg];
}

/** The offset of `reg` in a context of `kind`; throws ContextUnavailable. */
export function contextRegOffset(kind: ContextKind, reg: RegName): number {
  const offset = contextRegOffsetOrNone(kind, reg);
  if (offset === undefined) throw new ContextUnavailable(`register ${reg}`);
  return offset;
}
