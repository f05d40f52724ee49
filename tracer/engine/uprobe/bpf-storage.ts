// Globals that kernel handlers touch live in BPF maps; these stores give the userspace runtime
// (end/timer probes, event-mode handlers, foreach, --json) the same view through the runtime's
// store interfaces. Layouts are tracer/bpf-codegen/layout.ts's.
import type { GlobalDecl, HistSpec, ScalarType } from '../../ir/ir';
import { globalMapShape, keyLayout, statsLayout, STATS_COUNT, STATS_MAX, STATS_MIN, STATS_SUM, type KeyLayout } from '../../bpf-codegen/layout';
import { BpfError } from '../../../kernel-helper/bpf-syscall';
import type { BpfMap } from '../../../kernel-helper/map';
import { toLong, type Long } from '../../runtime/long';
import { initialValue } from '../../runtime/memory-storage';
import type { ArrayStore, GlobalStore, Key, Scalar, ScalarCell, StatsArrayStore, StatsStore } from '../../runtime/storage';
import { addToStats, histLayouts, mergeStats, newStats, type StatsValue } from '../../runtime/statistics';

const E2BIG = 7;
const ENOSPC = 28;
const ENOMEM = 12;

function encodeScalar(type: ScalarType, value: Scalar, into: Buffer, offset: number, size: number): void {
  if (type === 'long') into.writeBigInt64LE(BigInt.asIntN(64, BigInt(value as Long)), offset);
  else {
    const bytes = Buffer.from(String(value), 'latin1');
    bytes.copy(into, offset, 0, Math.min(bytes.length, size - 1));
  }
}

function decodeScalar(type: ScalarType, from: Buffer, offset: number, size: number): Scalar {
  if (type === 'long') return toLong(from.readBigInt64LE(offset));
  const end = from.indexOf(0, offset);
  return from.toString('latin1', offset, end < 0 || end > offset + size ? offset + size : end);
}

function encodeKey(layout: KeyLayout, key: Key): Buffer {
  const out = Buffer.alloc(layout.size);
  layout.parts.forEach((p, i) => encodeScalar(p.type, key[i], out, p.offset, p.size));
  return out;
}

function decodeKey(layout: KeyLayout, bytes: Buffer): Scalar[] {
  return layout.parts.map((p) => decodeScalar(p.type, bytes, p.offset, p.size));
}

const KEY0 = Buffer.alloc(4);

/** Sums the per-CPU parts of a statistics value; undefined when nothing was added. */
function decodeStats(map: BpfMap, hists: readonly HistSpec[], bytes: Buffer): StatsValue | undefined {
  const layout = statsLayout(hists);
  const stride = (map.spec.valueSize + 7) & ~7;
  let total: StatsValue | undefined;
  for (let cpu = 0; cpu * stride < bytes.length; cpu++) {
    const at = cpu * stride;
    const count = Number(bytes.readBigUInt64LE(at + STATS_COUNT));
    if (count === 0) continue;
    const part: StatsValue = {
      count,
      sum: toLong(bytes.readBigInt64LE(at + STATS_SUM)),
      min: toLong(bytes.readBigInt64LE(at + STATS_MIN)),
      max: toLong(bytes.readBigInt64LE(at + STATS_MAX)),
      hists: layout.histOffsets.map((off, h) => Array.from({ length: layout.histBuckets[h] }, (_, b) => Number(bytes.readBigUInt64LE(at + off + 8 * b)))),
    };
    if (total) mergeStats(total, part);
    else total = part;
  }
  return total;
}

/** Writes `stats` as CPU 0's part (the others zero): how userspace adds to a kernel statistic. */
function encodeStats(map: BpfMap, hists: readonly HistSpec[], stats: StatsValue): Buffer {
  const layout = statsLayout(hists);
  const out = Buffer.alloc(map.lookupSize);
  out.writeBigUInt64LE(BigInt(stats.count), STATS_COUNT);
  out.writeBigInt64LE(BigInt(stats.sum), STATS_SUM);
  out.writeBigInt64LE(BigInt(stats.min), STATS_MIN);
  out.writeBigInt64LE(BigInt(stats.max), STATS_MAX);
  layout.histOffsets.forEach((off, h) => stats.hists[h].forEach((n, b) => out.writeBigUInt64LE(BigInt(n), off + 8 * b)));
  return out;
}

function cpu0Part(map: BpfMap, hists: readonly HistSpec[], bytes: Buffer | undefined): StatsValue | undefined {
  if (!bytes) return undefined;
  const stride = (map.spec.valueSize + 7) & ~7;
  return decodeStats(map, hists, bytes.subarray(0, stride));
}

function isFull(error: unknown): boolean {
  return error instanceof BpfError && (error.errno === E2BIG || error.errno === ENOSPC || error.errno === ENOMEM);
}

/**
 * A store of `decl`'s kind over `map` (created with globalMapShape(decl)). Writes the initial
 * value, unless `initialize` is false (a registered handler's map, already holding its values).
 */
export function mapStore(decl: GlobalDecl, map: BpfMap, maxStringLen: number, initialize = true): GlobalStore {
  const shape = globalMapShape(decl, maxStringLen);
  switch (decl.kind) {
    case 'scalar': {
      const cell: ScalarCell = {
        kind: 'scalar',
        get: () => decodeScalar(decl.type, map.lookup(KEY0) ?? Buffer.alloc(shape.valueSize), 0, shape.valueSize),
        set: (value) => {
          const v = Buffer.alloc(shape.valueSize);
          encodeScalar(decl.type, value, v, 0, shape.valueSize);
          map.update(KEY0, v);
        },
      };
      if (initialize) cell.set(initialValue(decl));
      return cell;
    }
    case 'stats': {
      const hists = decl.stats.hist;
      const layouts = histLayouts(decl.stats);
      const store: StatsStore = {
        kind: 'stats',
        read: () => {
          const bytes = map.lookup(KEY0);
          return bytes ? decodeStats(map, hists, bytes) : undefined;
        },
        add: (value: Long) => {
          const mine = cpu0Part(map, hists, map.lookup(KEY0));
          const next = mine ?? newStats(value, layouts);
          if (mine) addToStats(next, value, layouts);
          const current = map.lookup(KEY0)!;
          encodeStats(map, hists, next).copy(current, 0, 0, (map.spec.valueSize + 7) & ~7);
          map.update(KEY0, current);
        },
        clear: () => map.update(KEY0, Buffer.alloc(map.lookupSize)),
      };
      return store;
    }
    case 'array': {
      const keys = keyLayout(decl.keyTypes, maxStringLen);
      if (decl.value === 'stats') {
        const hists = decl.stats?.hist ?? [];
        const layouts = histLayouts(decl.stats);
        const store: StatsArrayStore = {
          kind: 'statsArray',
          capacity: decl.maxEntries,
          add: (key, value) => {
            const k = encodeKey(keys, key);
            const current = map.lookup(k);
            const mine = cpu0Part(map, hists, current);
            const next = mine ?? newStats(value, layouts);
            if (mine) addToStats(next, value, layouts);
            const bytes = current ?? Buffer.alloc(map.lookupSize);
            encodeStats(map, hists, next).copy(bytes, 0, 0, (map.spec.valueSize + 7) & ~7);
            try {
              map.update(k, bytes);
            } catch (error) {
              if (isFull(error)) return false;
              throw error;
            }
            return true;
          },
          read: (key) => {
            const bytes = map.lookup(encodeKey(keys, key));
            return bytes ? decodeStats(map, hists, bytes) : undefined;
          },
          has: (key) => map.lookup(encodeKey(keys, key)) !== undefined,
          delete: (key) => void map.delete(encodeKey(keys, key)),
          clear: () => map.clear(),
          size: () => map.keys().length,
          entries: () => {
            const out: Array<readonly [Key, StatsValue]> = [];
            for (const k of map.keys()) {
              const bytes = map.lookup(k);
              const stats = bytes && decodeStats(map, hists, bytes);
              if (stats) out.push([decodeKey(keys, k), stats]);
            }
            return out;
          },
        };
        return store;
      }
      const type = decl.value;
      const store: ArrayStore = {
        kind: 'array',
        capacity: decl.maxEntries,
        get: (key) => {
          const bytes = map.lookup(encodeKey(keys, key));
          return bytes ? decodeScalar(type, bytes, 0, shape.valueSize) : undefined;
        },
        set: (key, value) => {
          const v = Buffer.alloc(shape.valueSize);
          encodeScalar(type, value, v, 0, shape.valueSize);
          try {
            map.update(encodeKey(keys, key), v);
          } catch (error) {
            if (isFull(error)) return false;
            throw error;
          }
          return true;
        },
        has: (key) => map.lookup(encodeKey(keys, key)) !== undefined,
        delete: (key) => void map.delete(encodeKey(keys, key)),
        clear: () => map.clear(),
        size: () => map.keys().length,
        entries: () => {
          const out: Array<readonly [Key, Scalar]> = [];
          for (const k of map.keys()) {
            const bytes = map.lookup(k);
            if (bytes) out.push([decodeKey(keys, k), decodeScalar(type, bytes, 0, shape.valueSize)]);
          }
          return out;
        },
      };
      return store;
    }
  }
}
