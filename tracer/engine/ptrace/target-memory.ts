// Reading and writing a stopped (or running) target's memory. Reads go through
// process_vm_readv (fast, fails on unmapped pages); writes, including into read-only text for
// breakpoints, go through /proc/PID/mem, which the kernel lets a tracer write (FOLL_FORCE).
import * as fs from 'node:fs';
import { MemoryFault } from '../../runtime/probe-context';
import { native } from './native';

export class TargetMemory {
  private memFd = -1;

  constructor(readonly pid: number) {}

  /** The open /proc/PID/mem descriptor (opened on first use). */
  descriptor(): number {
    return this.fd();
  }

  private fd(): number {
    if (this.memFd < 0) this.memFd = fs.openSync(`/proc/${this.pid}/mem`, 'r+');
    return this.memFd;
  }

  /** Exactly `length` bytes or MemoryFault; short reads mean the rest is unmapped. */
  read(address: bigint | number, length: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const n = this.readInto(address, buffer, length);
    if (n < length) throw new MemoryFault(BigInt(address), length, n < 0 ? `errno ${-n}` : 'unmapped');
    return buffer;
  }

  /** As many bytes as can be read (up to length); returns the count, or -errno if none. */
  readInto(address: bigint | number, buffer: Uint8Array, length: number): number {
    if (length === 0) return 0;
    const n = native().readMemory(this.pid, address, buffer, length);
    if (n > 0) return n;
    // process_vm_readv refuses some mappings (e.g. VM_IO); /proc/PID/mem may still read them
    try {
      return fs.readSync(this.fd(), buffer, 0, length, Number(address));
    } catch {
      return n;
    }
  }

  readU64(address: bigint | number): bigint {
    const bytes = this.read(address, 8);
    return new DataView(bytes.buffer).getBigUint64(0, true);
  }

  write(address: bigint | number, bytes: Uint8Array): void {
    let written: number;
    try {
      written = fs.writeSync(this.fd(), bytes, 0, bytes.length, Number(address));
    } catch (error) {
      throw new MemoryFault(BigInt(address), bytes.length, (error as NodeJS.ErrnoException).code ?? 'write failed');
    }
    if (written !== bytes.length) throw new MemoryFault(BigInt(address), bytes.length, 'short write');
  }

  writeU64(address: bigint | number, value: bigint): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(address, bytes);
  }

  close(): void {
    if (this.memFd >= 0) fs.closeSync(this.memFd);
    this.memFd = -1;
  }
}
