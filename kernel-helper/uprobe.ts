// Uprobes and uretprobes through the uprobe PMU (perf_event_open with the PMU type from
// /sys/bus/event_source/devices/uprobe/type, config1 = path, config2 = file offset), each
// running a BPF program (PERF_EVENT_IOC_SET_BPF). A pid restricts the probe to that process
// (the kernel filters by its mm, so every thread of it, and nobody else); pid -1 with one
// event per CPU probes every process running the file. A `pinnable` uprobe gets its program
// through a BPF link (BPF_LINK_CREATE, attach type BPF_PERF_EVENT) instead of the ioctl: a link
// can be pinned in bpffs, and keeps the uprobe armed after utap exits (registered handlers).
import { linkCreatePerfEventAttr } from './bpf-attr';
import { bpfCall, BpfError, closeFd } from './bpf-syscall';
import { objPin } from './map';
import { errno, sys } from './libc';
import { PMU_DIR, uprobeAttr, uprobePmu } from './uprobe-pmu';
import * as U from './uapi';

export interface UprobeSpec {
  /** The ELF file holding the code. */
  path: string;
  /** File offset of the probed instruction. */
  offset: bigint;
  retprobe: boolean;
  /** Restrict to this process; -1: every process (then `cpu` must be given). */
  pid: number;
  cpu?: number;
  programFd: number;
  /** Attach through a BPF link that pin() can make outlive this process. */
  pinnable?: boolean;
  /** File offset of an SDT semaphore the kernel raises while the uprobe is placed. */
  refCtrOffset?: bigint;
}

/** One armed uprobe: a perf event with a program attached. close() disarms it. */
export class UprobeLink {
  private closed = false;
  /** `linkFd`: the BPF link of a pinnable uprobe, -1 otherwise. */
  constructor(readonly fd: number, readonly spec: UprobeSpec, readonly linkFd = -1) {}

  /** Pins the link at `path` in bpffs: the uprobe stays armed until that pin is removed. */
  pin(path: string): void {
    if (this.linkFd < 0) throw new Error('only a pinnable uprobe can be pinned');
    objPin(this.linkFd, path);
  }

  /** Disarms the uprobe, unless its link is pinned (then only this process lets go of it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.linkFd >= 0) closeFd(this.linkFd);
    else sys.ioctl(this.fd, U.PERF_EVENT_IOC_DISABLE, 0);
    closeFd(this.fd);
  }
}

/** BPF_LINK_CREATE for a perf event: link_create.{prog_fd, target_fd, attach_type}. */
function perfEventLink(programFd: number, perfFd: number): number {
  const attr = linkCreatePerfEventAttr(programFd, perfFd, U.BPF_PERF_EVENT);
  return bpfCall(U.BPF_LINK_CREATE, attr, 'linking a BPF program to a uprobe');
}

export function attachUprobe(spec: UprobeSpec): UprobeLink {
  const p = uprobePmu();
  if (!p) throw new BpfError('opening a uprobe', 2, `${PMU_DIR} is missing: this kernel has no uprobe PMU`);
  const { attr, path } = uprobeAttr(p, spec.path, spec.offset, spec.retprobe, spec.refCtrOffset);
  const fd = Number(sys.syscallPerfEventOpen(U.__NR_perf_event_open, attr, spec.pid, spec.cpu ?? -1, -1, U.PERF_FLAG_FD_CLOEXEC));
  void path; // attr points into `path`: keep it reachable through the call
  if (fd < 0) throw new BpfError(`placing a ${spec.retprobe ? 'uretprobe' : 'uprobe'} at ${spec.path}+0x${spec.offset.toString(16)}`, errno());
  let linkFd = -1;
  if (spec.pinnable) {
    try {
      linkFd = perfEventLink(spec.programFd, fd);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  } else if (sys.ioctl(fd, U.PERF_EVENT_IOC_SET_BPF, spec.programFd) < 0) {
    const e = errno();
    closeFd(fd);
    throw new BpfError('attaching a BPF program to a uprobe', e);
  }
  if (sys.ioctl(fd, U.PERF_EVENT_IOC_ENABLE, 0) < 0) {
    const e = errno();
    closeFd(linkFd);
    closeFd(fd);
    throw new BpfError('enabling a uprobe', e);
  }
  return new UprobeLink(fd, spec, linkFd);
}
