// bpf(2): one call with a union bpf_attr built by bpf-attr.ts's encoders. Failures become
// BpfError carrying the errno.
import { errno, errnoName, sys } from './libc';
import { __NR_bpf } from './uapi';

export class BpfError extends Error {
  constructor(readonly operation: string, readonly errno: number, detail = '') {
    super(`${operation}: ${errnoName(errno)}${detail ? ` (${detail})` : ''}`);
    this.name = 'BpfError';
  }
}

/** bpf(cmd, attr, size); returns the non-negative result or throws BpfError. */
export function bpfCall(cmd: number, attr: Buffer, operation: string, ..._buffersPointedTo: unknown[]): number {
  // The buffers attr points into are parameters here so they stay reachable during the call.
  const result = Number(sys.syscallIntPtrUint(__NR_bpf, cmd, attr, attr.length));
  if (result < 0) throw new BpfError(operation, errno());
  return result;
}

/** bpf(cmd, attr) returning -errno instead of throwing (lookups that may miss). */
export function bpfTry(cmd: number, attr: Buffer, ..._buffersPointedTo: unknown[]): number {
  const result = Number(sys.syscallIntPtrUint(__NR_bpf, cmd, attr, attr.length));
  return result < 0 ? -errno() : result;
}

/** Closes a file descriptor the BPF layer owns (maps, programs, perf events). */
export function closeFd(fd: number): void {
  if (fd >= 0) sys.close(fd);
}
