// The builtin functions a script can call, grouped by how they lower to the handler IR:
// probe-context values, clocks, user-memory reads, argument registers and the pure helpers
// listed in ir.ts's BUILTINS. Statement-like builtins (printf, print, exit, error...) are handled
// by the checker itself because they become statements.
import type { ContextValue, RegName } from '../ir/ir';

/** `name()` → a value of the probe context. */
export const CONTEXT_FUNCTIONS: Record<string, ContextValue> = {
  pid: 'pid',
  tid: 'tid',
  ppid: 'ppid',
  uid: 'uid',
  euid: 'euid',
  gid: 'gid',
  cpu: 'cpu',
  target: 'target',
  execname: 'execname',
  pp: 'pp',
  probefunc: 'probefunc',
  ppfunc: 'probefunc',
  uaddr: 'uaddr',
  ubacktrace: 'ubacktrace',
};

/** Clocks: a context time in ns divided down. */
export const CLOCK_FUNCTIONS: Record<string, { what: ContextValue; divisor: bigint }> = {
  gettimeofday_ns: { what: 'walltime_ns', divisor: 1n },
  gettimeofday_us: { what: 'walltime_ns', divisor: 1_000n },
  gettimeofday_ms: { what: 'walltime_ns', divisor: 1_000_000n },
  gettimeofday_s: { what: 'walltime_ns', divisor: 1_000_000_000n },
  local_clock_ns: { what: 'monotonic_ns', divisor: 1n },
  local_clock_us: { what: 'monotonic_ns', divisor: 1_000n },
  local_clock_ms: { what: 'monotonic_ns', divisor: 1_000_000n },
  local_clock_s: { what: 'monotonic_ns', divisor: 1_000_000_000n },
  cpu_clock_ns: { what: 'monotonic_ns', divisor: 1n },
  cpu_clock_us: { what: 'monotonic_ns', divisor: 1_000n },
};

/** `user_X(addr)`: size and signedness of the read. */
export const USER_READS: Record<string, { size: 1 | 2 | 4 | 8; signed: boolean }> = {
  user_char: { size: 1, signed: true },
  user_int8: { size: 1, signed: true },
  user_uint8: { size: 1, signed: false },
  user_short: { size: 2, signed: true },
  user_int16: { size: 2, signed: true },
  user_ushort: { size: 2, signed: false },
  user_uint16: { size: 2, signed: false },
  user_int: { size: 4, signed: true },
  user_int32: { size: 4, signed: true },
  user_uint32: { size: 4, signed: false },
  user_long: { size: 8, signed: true },
  user_int64: { size: 8, signed: true },
  user_ulong: { size: 8, signed: false },
  user_uint64: { size: 8, signed: false },
};

/** `X_arg(n)`: the n-th integer argument register, truncated/extended to this width. */
export const ARG_FUNCTIONS: Record<string, { bits: 32 | 64; signed: boolean }> = {
  pointer_arg: { bits: 64, signed: false },
  long_arg: { bits: 64, signed: true },
  ulong_arg: { bits: 64, signed: false },
  s64_arg: { bits: 64, signed: true },
  u64_arg: { bits: 64, signed: false },
  int_arg: { bits: 32, signed: true },
  s32_arg: { bits: 32, signed: true },
  uint_arg: { bits: 32, signed: false },
  u32_arg: { bits: 32, signed: false },
};

/**
 * The x86 names of parts of the 64-bit registers, as SystemTap's register()/u_register() take
 * them: `eax` the low 32 bits of rax, `ax` the low 16, `al` the low byte, `ah` the next one.
 * `xcs`/`xss` are SystemTap's spellings of cs/ss.
 */
export const SUB_REGISTERS: Record<string, { reg: RegName; bits: 8 | 16 | 32 | 64; shift: 0 | 8 }> = {
  xcs: { reg: 'cs', bits: 64, shift: 0 },
  xss: { reg: 'ss', bits: 64, shift: 0 },
  ...Object.fromEntries(
    (
      [['ebp', 'rbp'], ['ebx', 'rbx'], ['eax', 'rax'], ['ecx', 'rcx'], ['edx', 'rdx'], ['esi', 'rsi'], ['edi', 'rdi'], ['orig_eax', 'orig_rax'], ['eip', 'rip'], ['esp', 'rsp']] as const
    ).map(([name, reg]) => [name, { reg, bits: 32, shift: 0 }]),
  ),
  ...Object.fromEntries(
    (
      [['bp', 'rbp'], ['bx', 'rbx'], ['ax', 'rax'], ['cx', 'rcx'], ['dx', 'rdx'], ['si', 'rsi'], ['di', 'rdi'], ['orig_ax', 'orig_rax'], ['ip', 'rip'], ['cs', 'cs'], ['flags', 'eflags'], ['sp', 'rsp'], ['ss', 'ss']] as const
    ).map(([name, reg]) => [name, { reg, bits: 16, shift: 0 }]),
  ),
  ...Object.fromEntries(
    ([['al', 'rax', 0], ['ah', 'rax', 8], ['bl', 'rbx', 0], ['bh', 'rbx', 8], ['cl', 'rcx', 0], ['ch', 'rcx', 8], ['dl', 'rdx', 0], ['dh', 'rdx', 8]] as const).map(([name, reg, shift]) => [name, { reg, bits: 8, shift }]),
  ),
};

/** Builtins that are statements (they produce no value). */
export const STATEMENT_BUILTINS = new Set(['printf', 'print', 'println', 'exit', 'error', 'print_ubacktrace', 'printd', 'printdln', 'print_char', 'abort', 'warn']);

/** Names SystemTap has that utap deliberately does not, with what to do instead. */
export const UNSUPPORTED: Record<string, string> = {
  kernel_string: 'utap reads user memory only; use user_string(addr).',
  kernel_long: 'utap reads user memory only; use user_long(addr).',
  kernel_int: 'utap reads user memory only; use user_int(addr).',
  system: 'utap never runs commands from a handler.',
  backtrace: 'utap traces user space; use ubacktrace() or print_ubacktrace().',
  print_backtrace: 'utap traces user space; use print_ubacktrace().',
};
