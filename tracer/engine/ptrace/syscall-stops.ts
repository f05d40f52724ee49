// System-call probes on the ptrace engine: while the plan has `.syscall` / `.syscall.return`
// sites, every thread is let go with PTRACE_SYSCALL instead of PTRACE_CONT, so it stops at each
// system call's entry and exit (PTRACE_O_TRACESYSGOOD: the stop's signal is SIGTRAP|0x80).
// PTRACE_GET_SYSCALL_INFO says which of the two a stop is — counting stops cannot, since a thread
// utap attached to in the middle of a call shows that call's exit first — and the handlers run
// with the thread's registers as the kernel left them (orig_rax the number, rdi..r9 the
// arguments, rax the result: plan/syscall-lower.ts).
//
// A site fires in the traced process while it runs the site's program (its `binary`); what the
// process runs is read from /proc/PID/exe once per image (forgotten at each execve).
import * as fs from 'node:fs';
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';
import { PTRACE, SIG, type Native } from './native';
import type { PtraceProbeContext } from './ptrace-context';
import type { Registers } from './registers';
import type { TargetMemory } from './target-memory';

/** struct ptrace_syscall_info (<linux/ptrace.h>): op at 0, the entry's nr at 24, the exit's rval at 24. */
const SYSCALL_INFO_SIZE = 88;
const PTRACE_SYSCALL_INFO_ENTRY = 1;
const PTRACE_SYSCALL_INFO_EXIT = 2;
const SYS_execve = 59n;
const SYS_execveat = 322n;

/** What the tracer hands over for one stop. */
export interface SyscallStop {
  tid: number;
  /** The traced process (thread group); 0 when the thread is not the target's (a vfork child). */
  pid: number;
  regs: Registers;
  memory: TargetMemory;
  ctx: PtraceProbeContext;
  /** Runs one site's handler (the session's hit). */
  hit(siteId: number, ctx: PtraceProbeContext): void;
  /** Leave the thread stopped (the caller resumes it): execve's return, where probes go in next. */
  keepStopped?: boolean;
}

export function hasSyscallSites(plan: PlanIR): boolean {
  return plan.sites.some((s) => s.kind === 'syscall' || s.kind === 'syscallReturn');
}

/**
 * `native` for a tracer with system-call probes: every resume it makes — its own PTRACE_CONT
 * requests and the helper library's — becomes PTRACE_SYSCALL. A system-call stop carries no
 * signal, so SIGTRAP|0x80 given back as the signal to deliver becomes 0.
 */
export function withSyscallStops(native: Native): Native {
  native.setResumeRequest(PTRACE.PTRACE_SYSCALL);
  return {
    ...native,
    ptrace: (request, pid, addr, data) =>
      request === PTRACE.PTRACE_CONT ? native.ptrace(PTRACE.PTRACE_SYSCALL, pid, addr, data === (SIG.SIGTRAP | 0x80) ? 0 : data) : native.ptrace(request, pid, addr, data),
  };
}

export class SyscallStops {
  private readonly entry: ProbeSiteIR[];
  private readonly exit: ProbeSiteIR[];
  private readonly info = new Uint8Array(SYSCALL_INFO_SIZE);
  private readonly infoView = new DataView(this.info.buffer);
  /** Per process: the program it runs, as the sites name programs (real paths). */
  private readonly images = new Map<number, string>();

  constructor(plan: PlanIR, private readonly n: Native) {
    this.entry = plan.sites.filter((s) => s.kind === 'syscall');
    this.exit = plan.sites.filter((s) => s.kind === 'syscallReturn');
    for (const site of [...this.entry, ...this.exit]) this.programs.set(site.id, realPath(site.binary));
  }

  /** Each site's program as a real path, what /proc/PID/exe is compared with. */
  private readonly programs = new Map<number, string>();

  private announced = false;

  /** -v lines saying what the probes do, the first time the tracer places probes. */
  announce(): string[] {
    if (this.announced) return [];
    this.announced = true;
    return [...this.entry, ...this.exit].map((s) => `${s.kind === 'syscall' ? 'syscall' : 'syscall.return'} probe ${s.pp}: threads resume with PTRACE_SYSCALL and stop at every system call's ${s.kind === 'syscall' ? 'entry' : 'exit'}`);
  }

  /** Handles a system-call stop of a traced thread and lets it go on. */
  onStop(stop: SyscallStop): void {
    const { tid, pid } = stop;
    const r = this.n.ptraceBuffer(PTRACE.PTRACE_GET_SYSCALL_INFO, tid, SYSCALL_INFO_SIZE, this.info);
    const op = r > 0 ? this.info[0] : 0;
    const sites = op === PTRACE_SYSCALL_INFO_ENTRY ? this.entry : op === PTRACE_SYSCALL_INFO_EXIT ? this.exit : [];
    let dirty = false;
    if (pid !== 0 && sites.length > 0) {
      const image = this.imageOf(pid);
      let haveRegs = false;
      for (const site of sites) {
        if (this.programs.get(site.id) !== image) continue;
        if (!haveRegs) {
          if (this.n.getRegs(tid, stop.regs.bytes) < 0) break; // killed meanwhile
          haveRegs = true;
          stop.ctx.regsDirty = false;
          stop.ctx.returnTo = undefined;
          stop.ctx.shadow = [];
        }
        stop.hit(site.id, stop.ctx.bind(tid, pid, stop.regs, stop.memory, stop.regs.getNumber('rip')));
      }
      dirty = haveRegs && stop.ctx.regsDirty;
    }
    if (dirty) this.n.setRegs(tid, stop.regs.bytes);
    // An execve about to run: the process's next stop may be in another program.
    if (op === PTRACE_SYSCALL_INFO_ENTRY && pid !== 0) {
      const nr = this.infoView.getBigUint64(24, true);
      if (nr === SYS_execve || nr === SYS_execveat) this.images.delete(pid);
    }
    if (!stop.keepStopped) this.n.ptrace(PTRACE.PTRACE_SYSCALL, tid, 0, 0);
  }

  private imageOf(pid: number): string {
    let image = this.images.get(pid);
    if (image === undefined) {
      image = realPath(`/proc/${pid}/exe`);
      this.images.set(pid, image);
    }
    return image;
  }
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return '';
  }
}
