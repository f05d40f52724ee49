// A ProbeContext over plain data: registers, memory regions and context values given by the
// test, for driving site handlers without a process (the engines' contexts are tested live).
import type { ContextValue, RegName } from '../../tracer/ir/ir';
import { MemoryFault, type ProbeContext } from '../../tracer/runtime/probe-context';

export interface FakeThread {
  tid?: number;
  pid?: number;
  regs?: Partial<Record<RegName, bigint>>;
  /** Readable memory: start address → bytes. */
  memory?: Array<[bigint, Uint8Array]>;
  context?: Partial<Record<ContextValue, bigint | number | string>>;
  entry?: Array<bigint | number | string>;
}

export class FakeContext implements ProbeContext {
  readonly tid: number;
  readonly pid: number;
  readonly writes: Array<[bigint, Uint8Array]> = [];
  readonly regWrites: Array<[RegName, bigint]> = [];
  constructor(private readonly t: FakeThread = {}) {
    this.tid = t.tid ?? 100;
    this.pid = t.pid ?? 100;
  }
  reg(name: RegName): bigint {
    return this.t.regs?.[name] ?? 0n;
  }
  readMemory(address: bigint, length: number): Uint8Array {
    for (const [start, bytes] of this.t.memory ?? []) {
      const offset = Number(address - start);
      // Like process_vm_readv: a read running off the end of a region returns what is readable.
      if (offset >= 0 && offset < bytes.length) return bytes.subarray(offset, Math.min(offset + length, bytes.length));
    }
    throw new MemoryFault(address, length);
  }
  context(what: ContextValue): bigint | number | string {
    const v = this.t.context?.[what];
    if (v === undefined) throw new Error(`test context has no ${what}`);
    return v;
  }
  entryValue(index: number): bigint | number | string {
    return this.t.entry?.[index] ?? 0;
  }
  captured(index: number): bigint | number | string {
    return this.t.entry?.[index] ?? 0;
  }
  writeReg(name: RegName, value: bigint): void {
    this.regWrites.push([name, value]);
  }
  writeMemory(address: bigint, bytes: Uint8Array): void {
    this.writes.push([address, bytes.slice()]);
  }
}

/** A C string's bytes, NUL-terminated, padded to `size`. */
export function cString(text: string, size = text.length + 1): Uint8Array {
  const out = new Uint8Array(size);
  out.set(Buffer.from(text, 'latin1'));
  return out;
}
