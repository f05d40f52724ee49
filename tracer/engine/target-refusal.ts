// Why a process given with -p cannot be traced, in one sentence naming the real cause. The
// kernel answers ptrace(2) and /proc reads with bare ESRCH/EPERM/EACCES; what lies behind them
// is in /proc: a zombie (State Z) or a kernel thread (PF_KTHREAD, no memory to probe) cannot be
// traced by any engine; a process another tracer holds (TracerPid: gdb, strace) cannot take a
// second ptrace tracer; another user's process needs privilege; Yama's ptrace_scope narrows
// ptrace further.
import * as fs from 'node:fs';

/** PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;
/** CAP_SYS_PTRACE's bit in CapEff. */
const CAP_SYS_PTRACE = 19n;

const ESRCH = 3;
const EPERM = 1;

interface ProcessFacts {
  state: string;
  flags: number;
  ppid: number;
  tracerPid: number;
  uid: number;
  name: string;
  threads: number;
}

function facts(pid: number): ProcessFacts | undefined {
  let stat: string, status: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  // the fields after the command name, which may itself hold ') '
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
  return {
    state: fields[0],
    flags: Number(fields[6]),
    ppid: Number(fields[1]),
    tracerPid: Number(field('TracerPid') || 0),
    uid: Number(field('Uid').split(/\s+/)[0] || 0),
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    threads: Number(field('Threads') || 1),
  };
}

function commandName(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return '?';
  }
}

/**
 * Why no engine can trace `pid`: it does not exist, has exited (a zombie) or is a kernel thread;
 * undefined when it is a live user process.
 */
export function untraceableTarget(pid: number): string | undefined {
  const p = facts(pid);
  if (!p) return `there is no process ${pid}; check the pid (e.g. pidof NAME).`;
  if (p.flags & PF_KTHREAD) return `process ${pid} (${p.name}) is a kernel thread: it has no user-space memory or code to probe; give the pid of a user process.`;
  // a thread-group leader that called pthread_exit also shows Z while its other threads run
  if ((p.state === 'Z' || p.state === 'X') && p.threads <= 1) {
    return `process ${pid} (${p.name}) has exited (zombie): only its exit status is left, until its parent ${p.ppid} (${commandName(p.ppid)}) reaps it; there is nothing to trace.`;
  }
  return undefined;
}

function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

function yamaScope(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'latin1').trim());
  } catch {
    return 0; // no Yama: classic ptrace permissions only
  }
}

/** Whether `pid` descends from this process (Yama scope 1 lets a process trace its descendants). */
function isDescendant(pid: number): boolean {
  for (let at = pid, steps = 0; at > 1 && steps < 4096; steps++) {
    if (at === process.pid) return true;
    const p = facts(at);
    if (!p) return false;
    at = p.ppid;
  }
  return false;
}

/**
 * Why ptrace may not attach to `pid`, given the errno PTRACE_SEIZE (or a /proc read) failed with:
 * the real cause, in one sentence that says what to do.
 */
export function ptraceRefusal(pid: number, errno: number = EPERM): string {
  const gone = untraceableTarget(pid);
  if (gone) return gone;
  if (errno === ESRCH) return `there is no process ${pid}; check the pid (e.g. pidof NAME).`;
  const p = facts(pid);
  if (!p) return `process ${pid} ended while utap was attaching.`;
  const privileged = (effectiveCaps() >> CAP_SYS_PTRACE) & 1n;
  const uid = process.geteuid?.() ?? 0;
  if (p.uid !== uid && !privileged) {
    return `process ${pid} (${p.name}) belongs to uid ${p.uid} and utap runs as uid ${uid} without CAP_SYS_PTRACE: only root (or CAP_SYS_PTRACE) may trace another user's process.`;
  }
  if (p.tracerPid !== 0) {
    return `process ${pid} (${p.name}) is already being traced by process ${p.tracerPid} (${commandName(p.tracerPid)}), and a process can have only one ptrace tracer: detach that one first${process.geteuid?.() === 0 ? ', or use --engine uprobe, which does not need ptrace' : ''}.`;
  }
  const scope = yamaScope();
  if (scope === 3) return `kernel.yama.ptrace_scope is 3: ptrace attaching is disabled on this machine until reboot, even for root; start the program under utap with -c instead.`;
  if (scope === 2 && !privileged) return `kernel.yama.ptrace_scope is 2: only root (or CAP_SYS_PTRACE) may attach to a running process; run utap as root or start the program under utap with -c.`;
  if (scope === 1 && !privileged && !isDescendant(pid)) {
    return `kernel.yama.ptrace_scope is 1: a process may attach only to its own descendants, and process ${pid} (${p.name}) is not one of utap's; start it under utap with -c, run utap as root, or set the sysctl to 0.`;
  }
  if (errno === EPERM && !privileged) {
    return `the kernel refuses to let utap trace process ${pid} (${p.name}) although it has the same owner: it is probably not dumpable (a set-user-ID program or one that called prctl(PR_SET_DUMPABLE, 0)); run utap as root.`;
  }
  return `cannot attach to process ${pid} (${p.name}) (errno ${errno}).`;
}
