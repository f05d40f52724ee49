// Makes a stopped thread of the target run one system call for us (mmap, munmap), the way gdb
// does: point it at a `syscall; int3` stub, let it run to the int3, read rax, put everything back.
// orig_rax = -1 keeps the kernel from "restarting" a system call the thread was interrupted in
// while it runs ours; restoring the saved registers afterwards restores that restart.
import { native, SIG } from './native';
import { decodeWaitStatus } from './wait-status';
import { Registers } from './registers';
import type { TargetMemory } from './target-memory';

const STUB = Uint8Array.from([0x0f, 0x05, 0xcc]); // syscall; int3

export class InjectionError extends Error {}

/**
 * Runs syscall `nr(args)` in thread `tid`, which must be in a ptrace-stop. `stub` is the address
 * of a `syscall; int3` sequence in the target; without one, the three bytes at the thread's rip
 * are borrowed (only safe while every thread of the process is stopped). Returns rax.
 * Signals that arrive for the thread meanwhile are returned in `deferredSignals` to deliver later.
 */
export function injectSyscall(tid: number, memory: TargetMemory, nr: number, args: bigint[], stub?: number, deferredSignals: number[] = []): bigint {
  const n = native();
  const saved = new Registers();
  if (n.getRegs(tid, saved.bytes) < 0) throw new InjectionError(`cannot read the registers of thread ${tid}`);
  let borrowed: Uint8Array | undefined;
  let at = stub;
  if (at === undefined) {
    at = saved.getNumber('rip');
    borrowed = memory.read(at, STUB.length);
    memory.write(at, STUB);
  }
  try {
    const regs = saved.clone();
    const argRegs = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;
    regs.set('rax', BigInt(nr));
    regs.set('orig_rax', -1n);
    args.forEach((value, i) => regs.set(argRegs[i], value));
    regs.setNumber('rip', at);
    if (n.resume(tid, regs.bytes, 1, 0) < 0) throw new InjectionError(`cannot run a system call in thread ${tid}`);
    const status = new Int32Array(1);
    for (;;) {
      if (n.waitFor(tid, status) < 0) throw new InjectionError(`thread ${tid} vanished while running an injected system call`);
      const s = decodeWaitStatus(status[0]);
      if (s.kind !== 'stopped') throw new InjectionError(`thread ${tid} ended while running an injected system call`);
      if (s.signal === SIG.SIGTRAP && s.event === 0) break;
      if (s.event === 0) deferredSignals.push(s.signal);
      n.resume(tid, regs.bytes, 0, 0);
    }
    const after = new Registers();
    n.getRegs(tid, after.bytes);
    return after.get('rax');
  } finally {
    if (borrowed) memory.write(at, borrowed);
    n.setRegs(tid, saved.bytes);
  }
}

export const SYS = { mmap: 9, munmap: 11 } as const;
export const PROT = { READ: 1, WRITE: 2, EXEC: 4 } as const;
export const MAP = { PRIVATE: 0x02, ANONYMOUS: 0x20, FIXED_NOREPLACE: 0x100000 } as const;

/** A negative errno in rax (the kernel's convention for failed system calls). */
export function syscallFailed(rax: bigint): boolean {
  return BigInt.asIntN(64, rax) < 0n && BigInt.asIntN(64, rax) > -4096n;
}
