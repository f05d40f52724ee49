// A ProbeContext over a process another tracer (gdb) holds stopped: registers as that tracer
// reported them, memory read from /proc/PID/mem, uaddr and entry values given by the test.
import * as fs from 'node:fs';
import type { ContextValue, RegName } from '../../tracer/ir/ir';
import { MemoryFault, type ProbeContext } from '../../tracer/runtime/probe-context';

export class StoppedProcess implements ProbeContext {
  readonly tid: number;
  private readonly fd: number;

  /** With `recordWrites`, guru writes are kept here (for the test to apply through its tracer) instead of refused. */
  readonly registerWrites: Array<[RegName, bigint]> = [];
  readonly memoryWrites: Array<[bigint, Uint8Array]> = [];

  constructor(
    readonly pid: number,
    private readonly registers: Partial<Record<RegName, bigint>>,
    private readonly values: { uaddr?: bigint; entry?: Array<bigint | number | string> } = {},
    private readonly recordWrites = false,
  ) {
    this.tid = pid;
    this.fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  reg(name: RegName): bigint {
    const v = this.registers[name];
    if (v === undefined) throw new Error(`no value for register ${name}`);
    return v;
  }

  readMemory(address: bigint, length: number): Uint8Array {
    const buffer = Buffer.alloc(length);
    let n = 0;
    try {
      n = fs.readSync(this.fd, buffer, 0, length, address as unknown as number);
    } catch {
      throw new MemoryFault(address, length);
    }
    if (n <= 0) throw new MemoryFault(address, length);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  }

  /** An 8-byte little-endian word, or undefined when unreadable (for the unwinder). */
  readWord(address: bigint): bigint | undefined {
    try {
      const b = this.readMemory(address, 8);
      if (b.length < 8) return undefined;
      return Buffer.from(b).readBigUInt64LE(0);
    } catch {
      return undefined;
    }
  }

  context(what: ContextValue): bigint | string {
    if (what === 'uaddr' && this.values.uaddr !== undefined) return this.values.uaddr;
    if (what === 'tid' || what === 'pid') return BigInt(this.pid);
    throw new Error(`stopped-process context has no ${what}`);
  }

  entryValue(index: number): bigint | number | string {
    const v = this.values.entry?.[index];
    if (v === undefined) throw new Error(`no entry value ${index}`);
    return v;
  }

  captured(index: number): bigint | string {
    throw new Error(`no captured value ${index}`);
  }

  writeReg(name: RegName, value: bigint): void {
    if (!this.recordWrites) throw new Error('read-only context');
    this.registerWrites.push([name, value]);
  }

  writeMemory(address: bigint, bytes: Uint8Array): void {
    if (!this.recordWrites) throw new Error('read-only context');
    this.memoryWrites.push([address, bytes.slice()]);
  }
}

/** The run-time base of `file` in process `pid` (start of its mapping at file offset 0). */
export function mappedBase(pid: number, file: string): bigint {
  const real = fs.realpathSync(file);
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ ([0-9a-f]+) \S+ \d+\s+(.*)$/.exec(line);
    if (m && m[3] === real && BigInt(`0x${m[2]}`) === 0n) return BigInt(`0x${m[1]}`);
  }
  throw new Error(`${file} is not mapped in ${pid}`);
}
