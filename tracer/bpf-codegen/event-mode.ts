// Why a handler cannot run as a kernel handler: the code generator throws EventModeNeeded at
// the first construct eBPF cannot do (or that utap does not compile to eBPF yet); the engine
// then runs that probe in event mode, the kernel shipping only the values the handler needs.
import type { SourceLoc } from '../ir/ir';

export class EventModeNeeded extends Error {
  constructor(readonly reason: string, readonly loc?: SourceLoc) {
    super(reason);
    this.name = 'EventModeNeeded';
  }
}

/** Context values a kernel handler can read itself (the others are answered in userspace). */
export const KERNEL_CONTEXT = new Set(['tid', 'pid', 'cpu', 'uid', 'gid', 'target', 'execname', 'walltime_ns', 'monotonic_ns', 'pp', 'probefunc', 'uaddr']);
