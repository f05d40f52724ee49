// Many uprobes in one file under one BPF program: a BPF_TRACE_UPROBE_MULTI link (kernel 6.6+),
// created by BPF_LINK_CREATE with the file's path, the file offsets, and a cookie per offset that
// the program reads back with bpf_get_attach_cookie() to know which site it is running for. One
// link replaces a perf event (and a program) per site, and needs no trace event per site.
// The program must be loaded with expected_attach_type BPF_TRACE_UPROBE_MULTI; such a program
// cannot be attached to a perf event, so the choice is made before loading (uprobeMultiSupported).
//
// union bpf_attr, link_create (include/uapi/linux/bpf.h, checked against v6.6 and v6.18):
//   0 prog_fd, 4 target_fd, 8 attach_type, 12 flags, then the uprobe_multi struct at 16:
//   16 path, 24 offsets, 32 ref_ctr_offsets, 40 cookies (all __aligned_u64 pointers),
//   48 cnt, 52 flags (BPF_F_UPROBE_MULTI_RETURN), 56 pid (0: every process).
import { linkCreateUprobeMultiAttr } from './bpf-attr';
import { bpfCall, bpfTry, closeFd } from './bpf-syscall';
import { BPF_EXIT_INSN, BPF_MOV64_IMM } from './insn';
import { objPin } from './map';
import { loadProgram } from './program';
import * as U from './uapi';

export interface UprobeMultiSpec {
  /** The ELF file holding the code. */
  path: string;
  /** File offsets of the probed instructions. */
  offsets: readonly bigint[];
  /** One per offset: what bpf_get_attach_cookie() returns when that one hits. */
  cookies: readonly bigint[];
  /** One per offset when given: the file offset of an SDT semaphore the kernel raises while placed, 0 for none. */
  refCtrOffsets?: readonly bigint[];
  retprobe: boolean;
  /** Restrict to this process (every thread of it); 0: every process running the file. */
  pid: number;
  programFd: number;
}

/** One armed multi-uprobe link. close() disarms every site of it (unless pinned). */
export class UprobeMultiLink {
  private closed = false;
  constructor(readonly fd: number, readonly spec: UprobeMultiSpec) {}

  pin(path: string): void {
    objPin(this.fd, path);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }
}

function u64Array(values: readonly bigint[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigUInt64LE(v, 8 * i));
  return b;
}

export function attachUprobeMulti(spec: UprobeMultiSpec): UprobeMultiLink {
  if (spec.offsets.length === 0 || spec.offsets.length !== spec.cookies.length) throw new RangeError('a uprobe_multi link needs one cookie per offset, and at least one offset');
  const path = Buffer.from(`${spec.path}\0`, 'utf8');
  const offsets = u64Array(spec.offsets);
  const cookies = u64Array(spec.cookies);
  const refCtrs = spec.refCtrOffsets?.some((r) => r !== 0n) ? u64Array(spec.refCtrOffsets) : undefined;
  const attr = linkCreateUprobeMultiAttr({
    progFd: spec.programFd, attachType: U.BPF_TRACE_UPROBE_MULTI, path, offsets, cnt: spec.offsets.length, refCtrOffsets: refCtrs, cookies,
    flags: spec.retprobe ? U.BPF_F_UPROBE_MULTI_RETURN : 0, pid: spec.pid,
  });
  const what = `placing ${spec.offsets.length} ${spec.retprobe ? 'uretprobes' : 'uprobes'} in ${spec.path} through one uprobe_multi link`;
  const fd = bpfCall(U.BPF_LINK_CREATE, attr, what, path, offsets, cookies, refCtrs);
  return new UprobeMultiLink(fd, spec);
}

let supported: boolean | undefined;

/**
 * Whether this kernel has uprobe_multi links: as libbpf probes it, a link on "/" (a directory)
 * fails with EBADF where the attach type is known and with EINVAL where it is not.
 */
export function uprobeMultiSupported(): boolean {
  if (supported !== undefined) return supported;
  supported = false;
  try {
    const prog = loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: 'utap_multi', insns: [BPF_MOV64_IMM(U.BPF_REG_0, 0), BPF_EXIT_INSN()], expectedAttachType: U.BPF_TRACE_UPROBE_MULTI });
    try {
      const path = Buffer.from('/\0');
      const offsets = u64Array([0n]);
      const attr = linkCreateUprobeMultiAttr({ progFd: prog.fd, attachType: U.BPF_TRACE_UPROBE_MULTI, path, offsets, cnt: 1 });
      const r = bpfTry(U.BPF_LINK_CREATE, attr, path, offsets);
      if (r >= 0) closeFd(r);
      supported = r === -9; // EBADF
    } finally {
      prog.close();
    }
  } catch {
    supported = false; // a kernel that refuses the program type refuses the link too
  }
  return supported;
}
