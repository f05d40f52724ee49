// The ProbeContext of a lifecycle probe fired after the fact (process.end, thread.end, and every
// lifecycle probe on the uprobe engine, whose records arrive once the kernel has moved on): the
// process and thread it is about, and the name it ran under. As in SystemTap's process.end,
// registers and memory are not there to read; asking is a clean runtime error.
import type { ContextValue } from '../ir/ir';
import { ThreadlessContext, wallClockNs } from '../runtime/no-thread-context';
import { processStatus } from './process-status';

export interface LifecycleFacts {
  pid: number;
  tid: number;
  /** The command name (comm) the process ran under at that moment. */
  execname: string;
  /** The traced target (-p/-c), what target() returns. */
  target: number;
  /** ppid and uid when known at the event; else read from /proc while the process lives. */
  ppid?: number;
  uid?: number;
  cpu?: number;
}

export class LifecycleContext extends ThreadlessContext {
  constructor(private readonly facts: LifecycleFacts, pp: string) {
    super(pp);
  }

  get pid(): number {
    return this.facts.pid;
  }

  get tid(): number {
    return this.facts.tid;
  }

  context(what: ContextValue): bigint | number | string {
    const f = this.facts;
    switch (what) {
      case 'tid':
        return f.tid;
      case 'pid':
        return f.pid;
      case 'target':
        return f.target;
      case 'execname':
        return f.execname;
      case 'cpu':
        return f.cpu ?? 0;
      case 'ppid':
        return f.ppid ?? processStatus(f.pid, 'ppid');
      case 'uid':
        return f.uid ?? processStatus(f.pid, 'uid');
      case 'euid':
      case 'gid':
        return processStatus(f.pid, what);
      case 'walltime_ns':
        return wallClockNs();
      case 'monotonic_ns':
        return process.hrtime.bigint();
      case 'uaddr':
        return 0;
      case 'pp':
      case 'probefunc':
      case 'ubacktrace':
        return '';
    }
  }
}
