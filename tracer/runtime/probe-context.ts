// What an engine hands the userspace runtime for one probe hit: the thread's registers, its
// memory, and the context values a handler may ask for. The ptrace engine answers from the
// stopped thread; the uprobe engine's event mode answers from a ring-buffer record.
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
  reg(name: RegName): bigint;
  /** `length` bytes of the target's memory at `address`; throws MemoryFault. */
  readMemory(address: bigint, length: number): Uint8Array;
  /** Any other context value (cpu, execname, walltime_ns, uaddr, ubacktrace, ...). */
  context(what: ContextValue): bigint | string;
  /** Values captured at function entry for a `return` site (ProbeSiteIR.entryCaptures). */
  entryValue(index: number): bigint | string;
  /** Values the kernel captured for an event-mode handler (`captured` nodes). */
  captured(index: number): bigint | string;
  /** Guru mode: change a register of the stopped thread; engines that cannot, throw. */
  writeReg(name: RegName, value: bigint): void;
  /** Guru mode: change target memory; throws MemoryFault. */
  writeMemory(address: bigint, bytes: Uint8Array): void;
}
