// System-call probes on the uprobe engine: each `.syscall` / `.syscall.return` site's program is
// a tracepoint program on raw_syscalls:sys_enter / sys_exit (kernel-helper/tracepoint.ts), which
// the kernel runs at every system call of every process. The program leaves at once unless the
// calling process is in the `tgids` map (tracer/bpf-codegen/programs.ts: tgidFilter), which holds the
// traced processes: the -p process or the -c command, added when the probes are armed.
//
// For a -c command that the shell execs, the shell's own calls before that exec are left out
// (kernel-helper/exec-watch.ts). tracedProcess()/untracedProcess() are the one hook for whoever follows processes (children of
// the target, a program exec'd): a process in the map has its system calls probed.
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';
import { contextKindOf, contextRegOffsetOrNone } from '../../bpf-codegen/context-kind';
import { BpfMap } from '../../../kernel-helper/map';
import { attachTracepoint, type TracepointLink } from '../../../kernel-helper/tracepoint';
import { AWAITING_EXEC, execWatchProgram, TRACED } from '../../../kernel-helper/exec-watch';
import { loadProgram, type BpfProgram } from '../../../kernel-helper/program';
import * as U from '../../../kernel-helper/uapi';

/** How many processes the map can hold. */
const MAX_TRACED_PROCESSES = 65536;

export function isSyscallSite(site: ProbeSiteIR): boolean {
  return site.kind === 'syscall' || site.kind === 'syscallReturn';
}

export function hasSyscallSites(plan: PlanIR): boolean {
  return plan.sites.some(isSyscallSite);
}

/**
 * Why the uprobe engine cannot run the plan's system-call probes, or undefined: a handler that
 * reads a register the tracepoint record lacks (register("rsp"), uaddr(), ubacktrace()), or no
 * process to trace (`oneProcess`: -p or -c given).
 */
export function syscallContextProblem(plan: PlanIR, oneProcess: boolean): string | undefined {
  for (const site of plan.sites) {
    if (!isSyscallSite(site)) continue;
    if (!oneProcess) return `its system-call probe ${site.pp} needs the process to trace (-p PID or -c CMD)`;
    const kind = contextKindOf(site.kind);
    const reg = site.needs.registers.find((r) => contextRegOffsetOrNone(kind, r) === undefined);
    if (reg) return `the handler of ${site.pp} reads register ${reg}, which the kernel's system-call tracepoint does not give`;
    const context = site.needs.context.find((c) => c === 'uaddr' || c === 'ubacktrace');
    if (context) return `the handler of ${site.pp} reads ${context}(), which the kernel's system-call tracepoint does not give`;
  }
  return undefined;
}

function tgidKey(tgid: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(tgid);
  return key;
}

export class SyscallTracepoints {
  /** u32 tgid → u8: the processes whose system calls the programs handle. */
  readonly tgids: BpfMap;
  private readonly programs: Array<{ site: ProbeSiteIR; fd: number }> = [];
  private readonly links: TracepointLink[] = [];

  constructor() {
    this.tgids = BpfMap.create({ type: U.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 1, maxEntries: MAX_TRACED_PROCESSES, name: 'utap_tgids' });
  }

  /** A loaded program of a system-call site, armed by attach(). */
  add(site: ProbeSiteIR, programFd: number): void {
    this.programs.push({ site, fd: programFd });
  }

  tracedProcess(tgid: number): void {
    this.tgids.update(tgidKey(tgid), Buffer.of(TRACED));
  }

  untracedProcess(tgid: number): void {
    this.tgids.delete(tgidKey(tgid));
  }

  /** The exec watcher's program, while one is loaded (exec-watch.ts). */
  private watcher: BpfProgram | undefined;

  /**
   * Arms every program, for process `pid`. `awaitExec`: pid is the shell of a -c command that
   * execs it; its calls count from that exec on (kernel-helper/exec-watch.ts).
   */
  attach(pid: number, awaitExec = false): void {
    if (awaitExec) {
      this.tgids.update(tgidKey(pid), Buffer.of(AWAITING_EXEC));
      this.watcher = loadProgram({ type: U.BPF_PROG_TYPE_TRACEPOINT, name: 'utap_execwatch', insns: execWatchProgram(this.tgids.fd) });
      this.links.push(attachTracepoint('raw_syscalls', 'sys_exit', this.watcher.fd)); // first: before the probes' programs
    } else {
      this.tracedProcess(pid);
    }
    for (const p of this.programs) this.links.push(attachTracepoint('raw_syscalls', p.site.kind === 'syscall' ? 'sys_enter' : 'sys_exit', p.fd));
  }

  detach(): void {
    for (const l of this.links.splice(0)) l.close();
  }

  close(): void {
    this.detach();
    this.watcher?.close();
    this.watcher = undefined;
    this.tgids.close();
  }
}
