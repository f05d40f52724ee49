// The shared area's layout, as runtime-c/inproc/utap-inproc-layout.h defines it (the harness
// prints the C offsets and test/inproc/jit-harness.test.ts compares them with these):
//
//   header (256 bytes) | thread slots (nslots x 16) | map descriptors (nmaps x 64) | map data
//
// Maps get placeholder "fds" for the eBPF generator: fd = index + 1 (0 stays "no map"), and the
// JIT turns `ld_imm64 rX, map_fd(k)` into the in-target address of descriptor k - 1.
import { U } from './codegen-adapter';

export const AREA_MAGIC = 0x3152504e49505455n;
export const AREA_VERSION = 1;
export const AREA_FSGSBASE = 1;

export const HEADER = {
  magic: 0, version: 8, flags: 12, nslots: 16, nmaps: 20, size: 24, slotsOff: 32, mapsOff: 40,
  noSlotSkips: 48, lockSkips: 56, pid: 64, tidOffset: 68, vdsoClockGettime: 72, size_: 256,
} as const;
export const SLOT = { key: 0, tid: 8, size_: 16 } as const;
export const MAP = {
  type: 0, keySize: 4, valueSize: 8, maxEntries: 12, valueStride: 16, capacity: 20, entrySize: 24, keyStride: 28,
  dataOff: 32, count: 40, lock: 48, size_: 64,
} as const;
export const ENTRY_EMPTY = 0;
export const ENTRY_BUSY = 1;
export const ENTRY_LIVE = 2;
export const ENTRY_DELETED = 3;
export const HASH_ENTRY_HEADER = 8;
export const RING_PRODUCER = 64;
export const RING_DATA = 128;
export const LOCK_OWNER_UTAP = 1n;

/** What one map needs (a BPF map's spec: the uprobe engine's map shapes carry over unchanged). */
export interface AreaMapSpec {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
}

export interface AreaMapLayout {
  index: number;
  /** The placeholder fd the generator is given for this map. */
  fd: number;
  spec: AreaMapSpec;
  descOff: number;
  dataOff: number;
  dataSize: number;
  valueStride: number;
  keyStride: number;
  /** Hash: table entries; ring buffer: data bytes; arrays: max_entries. */
  capacity: number;
  entrySize: number;
}

export interface AreaLayout {
  size: number;
  nslots: number;
  slotsOff: number;
  mapsOff: number;
  maps: AreaMapLayout[];
}

const round = (n: number, to: number): number => Math.ceil(n / to) * to;
const pow2AtLeast = (n: number): number => {
  let p = 1;
  while (p < n) p *= 2;
  return p;
};

export const isHash = (type: number): boolean => type === U.BPF_MAP_TYPE_HASH || type === U.BPF_MAP_TYPE_LRU_HASH || type === U.BPF_MAP_TYPE_PERCPU_HASH;
export const isPerThread = (type: number): boolean => type === U.BPF_MAP_TYPE_PERCPU_ARRAY || type === U.BPF_MAP_TYPE_PERCPU_HASH;

/** Default number of thread slots: threads of the target that may run handlers at once. */
export const DEFAULT_SLOTS = 64;

/** Lays out `specs` (in fd order) for `nslots` thread slots (a power of two). */
export function layoutArea(specs: readonly AreaMapSpec[], nslots = DEFAULT_SLOTS): AreaLayout {
  if (nslots < 1 || (nslots & (nslots - 1)) !== 0) throw new RangeError(`thread slots must be a power of two, not ${nslots}`);
  const slotsOff = HEADER.size_;
  const mapsOff = slotsOff + nslots * SLOT.size_;
  let at = round(mapsOff + specs.length * MAP.size_, 4096);
  const maps = specs.map((spec, index): AreaMapLayout => {
    const valueStride = round(spec.valueSize, 8);
    const keyStride = round(spec.keySize, 8);
    let capacity = spec.maxEntries;
    let entrySize = 0;
    let dataSize: number;
    switch (spec.type) {
      case U.BPF_MAP_TYPE_ARRAY:
        dataSize = spec.maxEntries * valueStride;
        break;
      case U.BPF_MAP_TYPE_PERCPU_ARRAY:
        dataSize = spec.maxEntries * nslots * valueStride;
        break;
      case U.BPF_MAP_TYPE_HASH:
      case U.BPF_MAP_TYPE_LRU_HASH:
      case U.BPF_MAP_TYPE_PERCPU_HASH:
        capacity = pow2AtLeast(Math.max(8, 2 * spec.maxEntries));
        entrySize = HASH_ENTRY_HEADER + keyStride + (spec.type === U.BPF_MAP_TYPE_PERCPU_HASH ? nslots : 1) * valueStride;
        dataSize = capacity * entrySize;
        break;
      case U.BPF_MAP_TYPE_RINGBUF:
        capacity = pow2AtLeast(Math.max(4096, spec.maxEntries));
        dataSize = RING_DATA + capacity;
        break;
      default:
        throw new RangeError(`map ${spec.name}: type ${spec.type} has no in-process form`);
    }
    const layout: AreaMapLayout = { index, fd: index + 1, spec, descOff: mapsOff + index * MAP.size_, dataOff: at, dataSize, valueStride, keyStride, capacity, entrySize };
    at = round(at + dataSize, 64);
    return layout;
  });
  return { size: round(at, 4096), nslots, slotsOff, mapsOff, maps };
}

/** Writes the header and the map descriptors into a zeroed area. */
export function writeAreaHeader(area: Buffer, layout: AreaLayout, pid: number, flags: number): void {
  area.writeBigUInt64LE(AREA_MAGIC, HEADER.magic);
  area.writeUInt32LE(AREA_VERSION, HEADER.version);
  area.writeUInt32LE(flags, HEADER.flags);
  area.writeUInt32LE(layout.nslots, HEADER.nslots);
  area.writeUInt32LE(layout.maps.length, HEADER.nmaps);
  area.writeBigUInt64LE(BigInt(layout.size), HEADER.size);
  area.writeBigUInt64LE(BigInt(layout.slotsOff), HEADER.slotsOff);
  area.writeBigUInt64LE(BigInt(layout.mapsOff), HEADER.mapsOff);
  area.writeUInt32LE(pid, HEADER.pid);
  for (const m of layout.maps) {
    const d = m.descOff;
    area.writeUInt32LE(m.spec.type, d + MAP.type);
    area.writeUInt32LE(m.spec.keySize, d + MAP.keySize);
    area.writeUInt32LE(m.spec.valueSize, d + MAP.valueSize);
    area.writeUInt32LE(m.spec.maxEntries, d + MAP.maxEntries);
    area.writeUInt32LE(m.valueStride, d + MAP.valueStride);
    area.writeUInt32LE(m.capacity, d + MAP.capacity);
    area.writeUInt32LE(m.entrySize, d + MAP.entrySize);
    area.writeUInt32LE(m.keyStride, d + MAP.keyStride);
    area.writeBigUInt64LE(BigInt(m.dataOff), d + MAP.dataOff);
  }
}

/** The key hash of utap_key_hash (utap-inproc-layout.h): word w into lane w % 4, lanes combined. */
export function keyHash(key: Uint8Array, size: number): number {
  const h = [(0x811c9dc5 ^ size) >>> 0, (0x01000193 ^ size) >>> 0, (0x9e3779b9 ^ size) >>> 0, (0x85ebca6b ^ size) >>> 0];
  for (let i = 0, word = 0; i < size; i += 4, word++) {
    let w = 0;
    for (let b = 0; b < 4 && i + b < size; b++) w |= key[i + b] << (8 * b);
    const lane = word & 3;
    let x = Math.imul((h[lane] ^ w) >>> 0, 0x9e3779b1) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
    h[lane] = x;
  }
  const rotl = (v: number, n: number): number => ((v << n) | (v >>> (32 - n))) >>> 0;
  let r = (h[0] ^ rotl(h[1], 8) ^ rotl(h[2], 16) ^ rotl(h[3], 24)) >>> 0;
  r = Math.imul(r, 0x85ebca6b) >>> 0;
  return (r ^ (r >>> 13)) >>> 0;
}
