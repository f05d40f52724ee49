// The memfd behind the shared area, on utap's side: created, sized, mapped MAP_SHARED. The
// target maps the same file (through /proc/UTAP_PID/fd/N, or the fd passed to a child).
import { koffi } from '../../../../kernel-helper/ffi';
import { errno, errnoName, MAP_SHARED, mapFailed, PROT_READ, PROT_WRITE, sys, viewOf } from '../../../../kernel-helper/libc';
import { processShared } from '../../../../kernel-helper/process-shared';

const MFD_CLOEXEC = 1;

const memfdLib = processShared('inproc-memfd', () => {
  const lib = koffi.load('libc.so.6');
  return {
    memfdCreate: lib.func('memfd_create', 'int', ['str', 'uint']) as (name: string, flags: number) => number,
    ftruncate: lib.func('ftruncate', 'int', ['int', 'int64_t']) as (fd: number, length: number) => number,
  };
});

export class SharedMemory {
  private closed = false;

  private constructor(readonly fd: number, readonly size: number, private readonly pointer: unknown, readonly bytes: Buffer) {}

  /** A new zero-filled memfd of `size` bytes (pages are only allocated where written). */
  static create(name: string, size: number): SharedMemory {
    const fd = memfdLib.memfdCreate(name, MFD_CLOEXEC);
    if (fd < 0) throw new Error(`memfd_create ${name}: ${errnoName(errno())}`);
    if (memfdLib.ftruncate(fd, size) < 0) {
      const e = errno();
      sys.close(fd);
      throw new Error(`sizing the shared area to ${size} bytes: ${errnoName(e)}`);
    }
    const pointer = sys.mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapFailed(pointer)) {
      const e = errno();
      sys.close(fd);
      throw new Error(`mapping the shared area: ${errnoName(e)}`);
    }
    return new SharedMemory(fd, size, pointer, viewOf(pointer, size));
  }

  /** Where utap mapped it. */
  get address(): bigint {
    return BigInt(koffi.address(this.pointer));
  }

  /** A path another process of the same user can open to map the same memory. */
  get path(): string {
    return `/proc/${process.pid}/fd/${this.fd}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    sys.munmap(this.pointer, this.size);
    sys.close(this.fd);
  }
}
