// The few libc entry points the BPF layer needs, bound once through koffi: the raw system call
// (bpf, perf_event_open, pidfd_open have no libc wrappers), ioctl, close, mmap/munmap, errno.
import { koffi } from './ffi';
import { processShared } from './process-shared';

function bindLibc() {
  const lib = koffi.load('libc.so.6');
  return {
    /** syscall(nr, a, b, c): three-argument system calls whose middle argument is a buffer. */
    syscallIntPtrUint: lib.func('syscall', 'long', ['long', 'int', 'void *', 'uint']) as (nr: number, a: number, p: Buffer | null, c: number) => number,
    /** perf_event_open(attr, pid, cpu, group_fd, flags) */
    syscallPerfEventOpen: lib.func('syscall', 'long', ['long', 'void *', 'int', 'int', 'int', 'ulong']) as (nr: number, attr: Buffer, pid: number, cpu: number, group: number, flags: number) => number,
    /** pidfd_open(pid, flags) */
    syscallIntUint: lib.func('syscall', 'long', ['long', 'int', 'uint']) as (nr: number, a: number, b: number) => number,
    ioctl: lib.func('ioctl', 'int', ['int', 'ulong', 'long']) as (fd: number, request: number, arg: number) => number,
    close: lib.func('close', 'int', ['int']) as (fd: number) => number,
    mmap: lib.func('mmap', 'void *', ['void *', 'size_t', 'int', 'int', 'int', 'int64_t']) as (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown,
    munmap: lib.func('munmap', 'int', ['void *', 'size_t']) as (addr: unknown, len: number) => number,
    getpagesize: lib.func('getpagesize', 'int', []) as () => number,
  };
}

/** Bound once per thread, however many copies of this module (process-shared.ts says why). */
export const sys = processShared('libc', bindLibc);

type Async<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<number>;

function onThreadPool<F extends (...args: never[]) => unknown>(fn: F): Async<F> {
  const call = (fn as unknown as { async(...args: unknown[]): void }).async;
  return (...args) => new Promise((resolve, reject) => call(...args, (error: unknown, result: number | bigint) => (error ? reject(error) : resolve(Number(result)))));
}

/**
 * The calls that may sleep in the kernel, run on libuv's thread pool so the event loop goes on
 * meanwhile. errno is not carried back: on failure, repeat the call synchronously to learn why.
 */
export const sysOnThreadPool = {
  syscallPerfEventOpen: onThreadPool(sys.syscallPerfEventOpen),
  close: onThreadPool(sys.close),
};

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;

export function errno(): number {
  return koffi.errno();
}

/** Address of a Buffer's bytes, for pointer fields inside kernel structures (the Buffer must stay referenced). */
export function addressOf(buffer: Buffer): bigint {
  return BigInt(koffi.address(buffer));
}

/** `length` bytes of native memory at `pointer` as a Buffer sharing that memory. */
export function viewOf(pointer: unknown, length: number): Buffer {
  return Buffer.from(koffi.view(pointer, length));
}

/** A mmap result is MAP_FAILED ((void *)-1). */
export function mapFailed(pointer: unknown): boolean {
  if (pointer === null) return true;
  const address = BigInt(koffi.address(pointer));
  return address === 0xffffffffffffffffn || address === -1n;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 7: 'E2BIG', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY',
  17: 'EEXIST', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 38: 'ENOSYS', 95: 'EOPNOTSUPP', 524: 'ENOTSUPP',
};
export function errnoName(code: number): string {
  return ERRNO_NAMES[code] ?? `errno ${code}`;
}
