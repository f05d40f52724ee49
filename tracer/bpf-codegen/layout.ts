// How script values sit in BPF maps and ring-buffer records: the one place both the code
// generator and the userspace stores read, so the two sides agree byte for byte.
//
// - long: 8 bytes, little-endian two's complement.
// - string: a NUL-terminated byte string in a fixed field of limits.maxStringLen bytes; in keys
//   the bytes after the NUL are zero, so equal strings are equal keys.
// - array key: the key parts one after the other (8 or maxStringLen bytes each).
// - statistics value: count, sum, min, max (8 bytes each), then the bucket counts of each
//   histogram of the global's StatsUse.hist, 8 bytes each (ir/histogram.ts counts them). Kept
//   per CPU, merged when read.
import { histBucketCount } from '../ir/histogram';
import type { GlobalDecl, HistSpec, ScalarType } from '../ir/ir';


export function scalarSize(type: ScalarType, maxStringLen: number): number {
  return type === 'long' ? 8 : maxStringLen;
}

export interface StatsLayout {
  size: number;
  /** Byte offset of each histogram's first bucket, in StatsUse.hist order. */
  histOffsets: number[];
  histBuckets: number[];
}

export const STATS_COUNT = 0;
export const STATS_SUM = 8;
export const STATS_MIN = 16;
export const STATS_MAX = 24;

export function statsLayout(hists: readonly HistSpec[]): StatsLayout {
  let at = 32;
  const histOffsets: number[] = [];
  const buckets: number[] = [];
  for (const h of hists) {
    histOffsets.push(at);
    buckets.push(histBucketCount(h));
    at += 8 * histBucketCount(h);
  }
  return { size: at, histOffsets, histBuckets: buckets };
}

/** Key layout of an array global: offset of each part and the total size. */
export interface KeyLayout {
  size: number;
  parts: Array<{ type: ScalarType; offset: number; size: number }>;
}

export function keyLayout(keyTypes: readonly ScalarType[], maxStringLen: number): KeyLayout {
  let at = 0;
  const parts = keyTypes.map((type) => {
    const size = scalarSize(type, maxStringLen);
    const part = { type, offset: at, size };
    at += size;
    return part;
  });
  return { size: at, parts };
}

/** Key and value sizes of the map holding `decl`. Scalars and stats globals are 1-entry arrays. */
export function globalMapShape(decl: GlobalDecl, maxStringLen: number): { keySize: number; valueSize: number; perCpu: boolean; hash: boolean; maxEntries: number } {
  switch (decl.kind) {
    case 'scalar':
      return { keySize: 4, valueSize: scalarSize(decl.type, maxStringLen), perCpu: false, hash: false, maxEntries: 1 };
    case 'stats':
      return { keySize: 4, valueSize: statsLayout(decl.stats.hist).size, perCpu: true, hash: false, maxEntries: 1 };
    case 'array': {
      const key = keyLayout(decl.keyTypes, maxStringLen);
      const valueSize = decl.value === 'stats' ? statsLayout(decl.stats?.hist ?? []).size : scalarSize(decl.value, maxStringLen);
      return { keySize: key.size, valueSize, perCpu: decl.value === 'stats', hash: true, maxEntries: decl.maxEntries };
    }
  }
}

// ── the state map: u64 slots every kernel handler shares ──

/** Non-zero: the session is ending (exit(), a runtime error); handlers do nothing more. */
export const STATE_STOP = 0;
/** Records the ring buffer had no room for (bpf_ringbuf_output failed), counted by the handlers. */
export const STATE_LOST_RECORDS = 1;
/**
 * Non-zero: the next hit (the first handler to swap it to 0) stops its process with SIGSTOP,
 * after sending a SNAPSHOT_RECORD_ID record, so that utap reads its mappings while it lives
 * (tracer/engine/uprobe/maps-snapshot.ts); utap lets it go on.
 */
export const STATE_SNAPSHOT = 2;
/**
 * Hits a handler skipped because its program was still running on that CPU (another thread's
 * hit, preempted or asleep faulting a page in, held the per-CPU scratch), counted by the handlers.
 */
export const STATE_BUSY_SKIPS = 3;
export const STATE_SLOTS = 4;

// ── ring-buffer records ──

/** Every record starts with: u32 record id, u32 tid, u32 pid, u32 cpu. */
export const RECORD_HEADER = 16;
/** The id of the header-only record a handler sends before it stops its process (STATE_SNAPSHOT). */
export const SNAPSHOT_RECORD_ID = 0xffffffff;

export type RecordField = { type: 'long' } | { type: 'string'; size: number };

export function fieldSize(f: RecordField): number {
  return f.type === 'long' ? 8 : f.size;
}

export function recordSize(fields: readonly RecordField[]): number {
  return RECORD_HEADER + fields.reduce((n, f) => n + fieldSize(f), 0);
}
