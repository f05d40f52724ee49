// The target memory an event record carries: each read the kernel did at the hit (address,
// status, bytes), and the answers to the handler's reads from them. Never from live memory: by
// the time utap handles the record the target has run on, so a late read could see other bytes.
import { fieldSize, RECORD_HEADER } from '../../bpf-codegen/layout';
import { EVENT_READ_FAULT, EVENT_READ_OK, type RecordSpec } from '../../bpf-codegen/records';
import { MemoryFault } from '../../runtime/probe-context';
import type { StackSnapshot } from './event-backtrace';

export interface Snapshot {
  address: bigint;
  /** The bytes read (a string's with its NUL), or undefined when the read faulted. */
  bytes: Uint8Array | undefined;
}

/** The snapshots of an event or entry record (reads that were skipped are left out). */
export function decodeSnapshots(spec: RecordSpec, record: Buffer): Snapshot[] {
  if (spec.kind !== 'event' && spec.kind !== 'entry') return [];
  const first = spec.fields.length - (spec.stack > 0 ? 3 : 0) - 3 * spec.reads.length;
  let at = RECORD_HEADER;
  for (let i = 0; i < first; i++) at += fieldSize(spec.fields[i]);
  const out: Snapshot[] = [];
  spec.reads.forEach((read, i) => {
    const status = record.readBigInt64LE(at);
    const address = record.readBigUInt64LE(at + 8);
    const value = at + 16;
    const valueField = spec.fields[first + 3 * i + 2];
    at += 16 + fieldSize(valueField);
    if (status === BigInt(EVENT_READ_FAULT)) out.push({ address, bytes: undefined });
    if (status !== BigInt(EVENT_READ_OK)) return;
    if (read.type === 'long') out.push({ address, bytes: record.subarray(value, value + read.size) });
    else {
      const nul = record.indexOf(0, value);
      const end = nul < 0 || nul >= value + read.size ? value + read.size - 1 : nul;
      // Content and NUL: as much as the runtime may ask for (the kernel read as many bytes).
      out.push({ address, bytes: Buffer.concat([record.subarray(value, end), Buffer.alloc(1)]) });
    }
  });
  return out;
}

/** The user stack an event record carries for ubacktrace() (its last three fields), if any. */
export function decodeStack(spec: RecordSpec, record: Buffer): StackSnapshot | undefined {
  if ((spec.kind !== 'event' && spec.kind !== 'entry') || spec.stack === 0) return undefined;
  let at = RECORD_HEADER;
  for (let i = 0; i < spec.fields.length - 3; i++) at += fieldSize(spec.fields[i]);
  const base = record.readBigUInt64LE(at);
  const length = Math.min(Number(record.readBigInt64LE(at + 8)), spec.stack);
  return { base, bytes: record.subarray(at + 16, at + 16 + Math.max(0, length)) };
}

/**
 * `length` bytes at `address` from the snapshots: a snapshot starting there (the longest), else
 * one covering it (a string read continued page by page); fewer bytes than asked when the
 * snapshot ends sooner (the runtime treats that as the end of what is readable). A read that
 * faulted in the kernel throws MemoryFault, so the handler reports the ptrace engine's error.
 */
export function readSnapshot(snapshots: readonly Snapshot[], address: bigint, length: number): Uint8Array {
  let best: Uint8Array | undefined;
  let faulted = false;
  for (const s of snapshots) {
    if (s.address !== address) continue;
    if (s.bytes === undefined) faulted = true;
    else if (!best || s.bytes.length > best.length) best = s.bytes;
  }
  if (!best && faulted) throw new MemoryFault(address, length, 'read fault at the probe hit');
  if (!best) {
    for (const s of snapshots) {
      if (s.bytes === undefined || address < s.address || address >= s.address + BigInt(s.bytes.length)) continue;
      const from = s.bytes.subarray(Number(address - s.address));
      if (!best || from.length > best.length) best = from;
    }
  }
  // The hoisting analysis ships every read a handler can do: a miss is a utap bug, not a fault.
  if (!best) throw new Error(`utap bug: the event-mode handler read ${length} bytes at 0x${address.toString(16)}, which the kernel program did not read at the hit`);
  return best.subarray(0, length);
}
