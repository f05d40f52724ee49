// Tracepoints through perf_event_open (attr.type PERF_TYPE_TRACEPOINT, attr.config the event's id
// from tracefs events/CATEGORY/NAME/id), each running a BPF_PROG_TYPE_TRACEPOINT program
// (PERF_EVENT_IOC_SET_BPF). The program runs at every hit of the tracepoint on any CPU, whatever
// process hits it: one event (CPU 0, every process) is enough, and the program filters.
// tracefs is mounted at /sys/kernel/tracing when no tracefs is there yet.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BpfError, closeFd } from './bpf-syscall';
import { errno, sys } from './libc';
import * as U from './uapi';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The tracefs directory with `events/`, mounting tracefs at /sys/kernel/tracing if needed. */
export function tracefsDir(): string {
  const have = () => TRACEFS.find((d) => fs.existsSync(`${d}/events`));
  let dir = have();
  if (dir) return dir;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'tracefs', TRACEFS[0]], { stdio: 'ignore' });
  } catch {
    // reported below
  }
  dir = have();
  if (!dir) throw new BpfError('finding tracepoints', 2, `no tracefs at ${TRACEFS.join(' or ')}, and mounting it at ${TRACEFS[0]} failed`);
  return dir;
}

/** The id of tracepoint CATEGORY:NAME. */
export function tracepointId(category: string, name: string): number {
  const file = `${tracefsDir()}/events/${category}/${name}/id`;
  try {
    return Number(fs.readFileSync(file, 'latin1').trim());
  } catch {
    throw new BpfError(`finding the tracepoint ${category}:${name}`, 2, `${file} is missing: this kernel has no such tracepoint`);
  }
}

/** One armed tracepoint program; close() disarms it. */
export class TracepointLink {
  private closed = false;
  constructor(readonly fd: number, readonly name: string) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    sys.ioctl(this.fd, U.PERF_EVENT_IOC_DISABLE, 0);
    closeFd(this.fd);
  }
}

export function attachTracepoint(category: string, name: string, programFd: number): TracepointLink {
  const attr = Buffer.alloc(U.PERF_EVENT_ATTR_SIZE);
  const o = U.PERF_ATTR_OFFSET;
  attr.writeUInt32LE(U.PERF_TYPE_TRACEPOINT, o.type);
  attr.writeUInt32LE(U.PERF_EVENT_ATTR_SIZE, o.size);
  attr.writeBigUInt64LE(BigInt(tracepointId(category, name)), o.config);
  attr.writeBigUInt64LE(1n, o.sample_period);
  attr.writeUInt32LE(1, o.wakeup_events);
  const fd = Number(sys.syscallPerfEventOpen(U.__NR_perf_event_open, attr, -1, 0, -1, U.PERF_FLAG_FD_CLOEXEC));
  if (fd < 0) throw new BpfError(`opening the tracepoint ${category}:${name}`, errno());
  for (const [request, arg, what] of [[U.PERF_EVENT_IOC_SET_BPF, programFd, 'attaching a BPF program to'], [U.PERF_EVENT_IOC_ENABLE, 0, 'enabling']] as const) {
    if (sys.ioctl(fd, request, arg) < 0) {
      const e = errno();
      closeFd(fd);
      throw new BpfError(`${what} the tracepoint ${category}:${name}`, e);
    }
  }
  return new TracepointLink(fd, `${category}:${name}`);
}
