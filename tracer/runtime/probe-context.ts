// What an engine hands the userspace runtime for one probe hit: the thread's registers, its
// memory, and the context values a handler may ask for. The ptrace engine answers from the
// stopped thread; the uprobe engine's event mode answers from a ring-buffer record.
//
// Value conventions (the runtime normalizes what it gets, so engines may pick the cheaper form):
// - longs may be returned as a bigint (any 64-bit pattern, signed or unsigned: it is wrapped to a
//   signed 64-bit long) or as an integral JS number when it is a safe integer;
// - strings are byte strings: one JS char per byte (char codes 0–255), as
//   `Buffer.toString('latin1')` gives. Pure ASCII text is already one.
// The runtime calls only what a handler needs (PlannedHandler.needs says which), and calls
// `reg`/`readMemory` etc. synchronously during Session.hit(); nothing is kept after it returns.
import type { ContextValue, RegName } from '../ir/ir';

/** Reading or writing target memory failed (unmapped, protected, or the process is gone). */
export class MemoryFault extends Error {
  constructor(readonly address: bigint, readonly length: number, detail = 'fault') {
    super(`user address 0x${address.toString(16)} (${length} bytes): ${detail}`);
    this.name = 'MemoryFault';
  }
}

export interface ProbeContext {
  /** The hit's thread and process. */
  readonly tid: number;
  readonly pid: number;
  /** A register at the probe site (the values at the breakpoint / in pt_regs). */
  reg(name: RegName): bigint | number;
  /**
   * `length` bytes of the target's memory at `address`; throws MemoryFault. May return fewer
   * bytes than asked only when the rest is unreadable (then the runtime treats it as a fault,
   * except for strings, which it reads page by page).
   */
  readMemory(address: bigint, length: number): Uint8Array;
  /** Any other context value (cpu, execname, walltime_ns, uaddr, ubacktrace, ...). */
  context(what: ContextValue): bigint | number | string;
  /** Values captured at function entry for a `return` site (see Session.captureEntry). */
  entryValue(index: number): bigint | number | string;
  /** Values the kernel captured for an event-mode handler (`captured` nodes). */
  captured(index: number): bigint | number | string;
  /** Guru mode: change a register of the stopped thread; engines that cannot, throw. */
  writeReg(name: RegName, value: bigint): void;
  /** Guru mode: change target memory; throws MemoryFault. */
  writeMemory(address: bigint, bytes: Uint8Array): void;
}
