// A ProbeContext over one ring-buffer record: tid/pid/cpu from its header, registers, context
// values, entry values and target-memory snapshots an event record carries, `captured` values of
// print/printf records. Target memory is only ever answered from the snapshots the kernel took at
// the hit (event-snapshots.ts).
import { processStatus } from '../process-status';
import * as fs from 'node:fs';
import type { ContextValue, RegName } from '../../ir/ir';
import { fieldSize, RECORD_HEADER } from '../../bpf-codegen/layout';
import type { RecordSpec } from '../../bpf-codegen/records';
import { MemoryFault, type ProbeContext } from '../../runtime/probe-context';
import { decodeSnapshots, decodeStack, readSnapshot, type Snapshot } from './event-snapshots';
import { snapshotBacktrace } from './event-backtrace';
import type { ProcessSymbols } from '../process-symbols';

export function decodeFields(spec: RecordSpec, record: Buffer): Array<bigint | string> {
  const out: Array<bigint | string> = [];
  let at = RECORD_HEADER;
  for (const f of spec.fields) {
    if (f.type === 'long') out.push(record.readBigInt64LE(at));
    else {
      const end = record.indexOf(0, at);
      out.push(record.toString('latin1', at, end < 0 || end > at + f.size ? at + f.size : end));
    }
    at += fieldSize(f);
  }
  return out;
}

export class RecordContext implements ProbeContext {
  readonly tid: number;
  readonly pid: number;
  private readonly cpu: number;
  private readonly values: Array<bigint | string>;
  private snapshots: Snapshot[] | undefined;

  constructor(
    private readonly spec: RecordSpec,
    private readonly record: Buffer,
    private readonly targetPid: number,
    private readonly entryValues: ReadonlyArray<bigint | number | string> | undefined,
    /** kernelError: the message in place of the record's fields. */
    override?: Array<bigint | string>,
    /** The hit's process's symbols, for ubacktrace(). */
    private readonly symbols?: ProcessSymbols,
  ) {
    this.tid = record.readUInt32LE(4);
    this.pid = record.readUInt32LE(8);
    this.cpu = record.readUInt32LE(12);
    this.values = override ?? decodeFields(spec, record);
  }

  reg(name: RegName): bigint {
    if (this.spec.kind === 'event' || this.spec.kind === 'entry') {
      const i = this.spec.regs.indexOf(name);
      if (i >= 0) return this.values[i] as bigint;
    }
    throw new Error(`register ${name} was not shipped by the kernel handler`);
  }

  readMemory(address: bigint, length: number): Uint8Array {
    this.snapshots ??= decodeSnapshots(this.spec, this.record);
    return readSnapshot(this.snapshots, address, length);
  }

  context(what: ContextValue): bigint | number | string {
    if (this.spec.kind === 'event' || this.spec.kind === 'entry') {
      const i = this.spec.context.indexOf(what);
      if (i >= 0) return this.values[this.spec.regs.length + i];
    }
    switch (what) {
      case 'tid': return this.tid;
      case 'pid': return this.pid;
      case 'cpu': return this.cpu;
      case 'target': return this.targetPid;
      case 'ppid': return processStatus(this.pid, 'ppid');
      case 'uid': return processStatus(this.pid, 'uid');
      case 'euid': return processStatus(this.pid, 'euid');
      case 'gid': return processStatus(this.pid, 'gid');
      case 'walltime_ns': return BigInt(Date.now()) * 1_000_000n;
      case 'monotonic_ns': return process.hrtime.bigint();
      case 'execname':
        try {
          return fs.readFileSync(`/proc/${this.pid}/comm`, 'latin1').trim();
        } catch {
          return '';
        }
      case 'ubacktrace': {
        const stack = decodeStack(this.spec, this.record);
        if (!stack || !this.symbols) return '';
        this.symbols.follow(this.pid);
        return snapshotBacktrace((name) => this.reg(name), stack, this.symbols);
      }
      default: return 0;
    }
  }

  entryValue(index: number): bigint | number | string {
    if (this.spec.kind === 'event' && this.spec.entries.length > 0) {
      return index < this.spec.entries.length ? this.values[this.spec.regs.length + this.spec.context.length + index] : 0;
    }
    return this.entryValues?.[index] ?? 0;
  }

  captured(index: number): bigint | string {
    return this.values[index];
  }

  writeReg(): void {
    throw new Error('the uprobe engine does not write registers');
  }

  writeMemory(address: bigint, bytes: Uint8Array): void {
    throw new MemoryFault(address, bytes.length, 'the uprobe engine does not write target memory');
  }
}
