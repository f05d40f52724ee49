// Makes a stopped thread of the target run one system call for us (mmap, munmap, rt_sigaction),
// (the tracee must be traced with PTRACE_O_TRACESYSGOOD: its system-call stops are SIGTRAP|0x80),
// in a way that survives utap dying half-way: the thread runs an injection block, `syscall`
// followed by code that puts back the registers the call changed and jumps to where the thread
// was; utap stops it at the call's entry and exit (PTRACE_SYSCALL), reads the result and sets
// the registers back itself, so while utap lives the restoring code never runs. Should utap die
// at any point, the thread finishes the call and restores itself. (A `syscall; int3` stub would
// leave it to trap with nobody to catch it.)
//
// The block lives in utap's first code area; before there is one, in zero padding of the vDSO
// (executable, never executed), put back to zeros afterwards.
//
// A thread stopped inside an interrupted system call is resumed with that call restarted (its
// rip on the `syscall` instruction again, rax its number), as the kernel would have, so the
// registers it gets back need no help from the kernel's restart logic.
import { readMappings } from './address-space';
import { native, PTRACE, SIG } from './native';
import { decodeWaitStatus } from './wait-status';
import { Registers, type UserRegName } from './registers';
import type { TargetMemory } from './target-memory';

export class InjectionError extends Error {}

/** Bytes of an injection block: the call, the restoring code, the saved values. */
export const INJECTION_BLOCK_SIZE = 256;
const SAVE_OFFSET = 160;

/** What a system call changes (rax, rcx, r11) and what its arguments use, with their x86 numbers. */
const RESTORED: Array<[UserRegName, number]> = [
  ['rax', 0], ['rcx', 1], ['r11', 11], ['rdi', 7], ['rsi', 6], ['rdx', 2], ['r10', 10], ['r8', 8], ['r9', 9],
];
const ARGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;

const ERESTARTSYS = -512n, ERESTARTNOINTR = -513n, ERESTARTNOHAND = -514n, ERESTART_RESTARTBLOCK = -516n;
const SYS_restart_syscall = 219n;

/** `syscall`, then mov each RESTORED register from the save area, then jmp *saved_rip. */
export function injectionBlock(at: number, saved: Registers): Uint8Array {
  const block = new Uint8Array(INJECTION_BLOCK_SIZE);
  const view = new DataView(block.buffer);
  block.set([0x0f, 0x05]);
  let p = 2;
  RESTORED.forEach(([name, number], i) => {
    block.set([0x48 | (number >= 8 ? 4 : 0), 0x8b, 0x05 | ((number & 7) << 3)], p);
    view.setInt32(p + 3, SAVE_OFFSET + 8 * i - (p + 7), true);
    view.setBigUint64(SAVE_OFFSET + 8 * i, saved.get(name), true);
    p += 7;
  });
  block.set([0xff, 0x25], p);
  view.setInt32(p + 2, SAVE_OFFSET + 8 * RESTORED.length - (p + 6), true);
  view.setBigUint64(SAVE_OFFSET + 8 * RESTORED.length, saved.get('rip'), true);
  return block;
}

/** The registers to resume a thread with: an interrupted system call restarted, as the kernel would. */
export function resumeRegisters(saved: Registers): Registers {
  const resume = saved.clone();
  const nr = BigInt.asIntN(64, saved.get('orig_rax'));
  const rax = BigInt.asIntN(64, saved.get('rax'));
  if (nr >= 0n && (rax === ERESTARTSYS || rax === ERESTARTNOINTR || rax === ERESTARTNOHAND || rax === ERESTART_RESTARTBLOCK)) {
    resume.set('rax', rax === ERESTART_RESTARTBLOCK ? SYS_restart_syscall : nr);
    resume.setNumber('rip', saved.getNumber('rip') - 2);
  }
  resume.set('orig_rax', -1n);
  return resume;
}

/** INJECTION_BLOCK_SIZE zero bytes in the process's vDSO, 16-aligned, or undefined. */
function vdsoPadding(pid: number, memory: TargetMemory): number | undefined {
  const vdso = readMappings(pid).find((m) => m.path === '[vdso]');
  if (!vdso) return undefined;
  const bytes = memory.read(vdso.start, vdso.end - vdso.start);
  for (let at = bytes.length - INJECTION_BLOCK_SIZE; at >= 0; at -= 16) {
    if (bytes.subarray(at, at + INJECTION_BLOCK_SIZE).every((b) => b === 0)) return vdso.start + at;
  }
  return undefined;
}

/**
 * Runs syscall `nr(args)` in thread `tid`, which must be in a ptrace-stop, through the injection
 * block at `block` (undefined: one in the vDSO's padding). Returns rax. The thread is left
 * stopped with its registers as they were (an interrupted call set up to restart). Signals that
 * arrive for the thread meanwhile are returned in `deferredSignals` to deliver later.
 */
export function injectSyscall(tid: number, memory: TargetMemory, nr: number, args: bigint[], block?: number, deferredSignals: number[] = []): bigint {
  const n = native();
  const saved = new Registers();
  if (n.getRegs(tid, saved.bytes) < 0) throw new InjectionError(`cannot read the registers of thread ${tid}`);
  const resume = resumeRegisters(saved);
  const inVdso = block === undefined;
  const at = block ?? vdsoPadding(memory.pid, memory);
  if (at === undefined) throw new InjectionError('no room to run a system call in the process (no vDSO padding)');
  memory.write(at, injectionBlock(at, resume));
  try {
    const regs = resume.clone();
    regs.set('rax', BigInt(nr));
    args.forEach((value, i) => regs.set(ARGS[i], value));
    regs.setNumber('rip', at);
    if (n.setRegs(tid, regs.bytes) < 0) throw new InjectionError(`cannot run a system call in thread ${tid}`);
    const status = new Int32Array(1);
    const after = new Registers();
    // two syscall stops: the call's entry, then its exit (rip just after the `syscall`)
    for (let stops = 0; stops < 2; ) {
      if (n.ptrace(PTRACE.PTRACE_SYSCALL, tid, 0, 0) < 0) throw new InjectionError(`cannot run a system call in thread ${tid}`);
      if (n.waitFor(tid, status) < 0) throw new InjectionError(`thread ${tid} vanished while running an injected system call`);
      const s = decodeWaitStatus(status[0]);
      if (s.kind !== 'stopped') throw new InjectionError(`thread ${tid} ended while running an injected system call`);
      if (s.event !== 0) continue;
      if (s.signal === (SIG.SIGTRAP | 0x80)) {
        n.getRegs(tid, after.bytes);
        if (after.getNumber('rip') === at + 2) stops++;
      } else if (s.signal !== SIG.SIGTRAP) deferredSignals.push(s.signal);
    }
    if (n.setRegs(tid, resume.bytes) < 0) throw new InjectionError(`cannot restore the registers of thread ${tid}`);
    return after.get('rax');
  } finally {
    if (inVdso) memory.write(at, new Uint8Array(INJECTION_BLOCK_SIZE));
  }
}

export const SYS = { mmap: 9, munmap: 11 } as const;
export const PROT = { READ: 1, WRITE: 2, EXEC: 4 } as const;
export const MAP = { PRIVATE: 0x02, ANONYMOUS: 0x20, FIXED_NOREPLACE: 0x100000 } as const;

/** A negative errno in rax (the kernel's convention for failed system calls). */
export function syscallFailed(rax: bigint): boolean {
  return BigInt.asIntN(64, rax) < 0n && BigInt.asIntN(64, rax) > -4096n;
}
