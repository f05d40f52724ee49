// One map of the shared area, read and written from utap with the same calls as a kernel map
// (kernel-helper/map.ts's BpfMap: lookup, update, delete, keys, clear, spec, lookupSize,
// possibleCpus), so the uprobe engine's stores (engine/uprobe/bpf-storage.ts) work over it as
// they are. Per-CPU maps are per-thread-slot here: a lookup returns every slot's value one
// after the other, as a per-CPU lookup returns every CPU's, and the stores sum them the same way.
//
// Concurrency with the target's handlers: array values and hash lookups are read without a lock
// (a hash entry is checked to be unchanged across the read, as the runtime does); hash writes
// take the map's lock with utap's own owner key, as the runtime's writers do.
import { BpfError, U } from './codegen-adapter';
import { ENTRY_BUSY, ENTRY_DELETED, ENTRY_EMPTY, ENTRY_LIVE, HASH_ENTRY_HEADER, isHash, isPerThread, keyHash, LOCK_OWNER_UTAP, MAP, type AreaMapLayout, type AreaMapSpec } from './area-layout';

const ENOENT = 2;
const E2BIG = 7;
const EBUSY = 16;
const EEXIST = 17;
const EINVAL = 22;
/** How long utap waits for a map lock a target thread holds (a thread stopped holding it never lets go). */
const LOCK_WAIT_MS = 200;

export class AreaMap {
  readonly spec: AreaMapSpec & { flags?: number };
  private readonly lockWord: BigInt64Array;
  /** The area as 32-bit words: entry states are published with Atomics.store (a release on x86). */
  private readonly words: Uint32Array;

  constructor(private readonly area: Buffer, readonly layout: AreaMapLayout, readonly possibleCpus: number) {
    this.spec = layout.spec;
    this.lockWord = new BigInt64Array(area.buffer, area.byteOffset + layout.descOff + MAP.lock, 1);
    this.words = new Uint32Array(area.buffer, area.byteOffset, area.length >>> 2);
  }

  get fd(): number {
    return this.layout.fd;
  }

  get perCpu(): boolean {
    return isPerThread(this.spec.type);
  }

  /** Bytes one lookup returns: per-thread maps give one value (rounded to 8) per slot. */
  get lookupSize(): number {
    return this.perCpu ? this.layout.valueStride * this.possibleCpus : this.spec.valueSize;
  }

  /** Live entries of a hash map. */
  get count(): number {
    return Number(this.area.readBigUInt64LE(this.layout.descOff + MAP.count));
  }

  lookup(key: Buffer): Buffer | undefined {
    const at = this.valueAt(key);
    if (at === undefined) return undefined;
    return Buffer.from(this.area.subarray(at, at + this.lookupSize));
  }

  update(key: Buffer, value: Buffer, flags = U.BPF_ANY): void {
    if (value.length !== this.lookupSize) throw new RangeError(`map ${this.spec.name}: value of ${value.length} bytes, expected ${this.lookupSize}`);
    if (!isHash(this.spec.type)) {
      const index = key.readUInt32LE(0);
      if (index >= this.spec.maxEntries) throw new BpfError(`writing map ${this.spec.name}`, E2BIG);
      if (flags === U.BPF_NOEXIST) throw new BpfError(`writing map ${this.spec.name}`, EEXIST);
      this.writeValue(this.arrayValueAt(index), value);
      return;
    }
    this.locked(`writing map ${this.spec.name}`, () => {
      const hash = keyHash(key, this.spec.keySize);
      const { found, free } = this.find(key, hash);
      if (found !== undefined) {
        if (flags === U.BPF_NOEXIST) throw new BpfError(`writing map ${this.spec.name}`, EEXIST);
        this.writeValue(this.entryValue(found), value);
        return;
      }
      if (flags === U.BPF_EXIST) throw new BpfError(`writing map ${this.spec.name}`, ENOENT);
      if (this.count >= this.spec.maxEntries || free === undefined) throw new BpfError(`writing map ${this.spec.name}`, E2BIG);
      const e = this.entryAt(free);
      this.setState(e, ENTRY_BUSY);
      this.area.writeUInt32LE(hash, e + 4);
      key.copy(this.area, e + HASH_ENTRY_HEADER, 0, this.spec.keySize);
      this.writeValue(this.entryValue(free), value);
      this.setState(e, ENTRY_LIVE);
      this.area.writeBigUInt64LE(BigInt(this.count + 1), this.layout.descOff + MAP.count);
    });
  }

  delete(key: Buffer): boolean {
    if (!isHash(this.spec.type)) throw new BpfError(`deleting from map ${this.spec.name}`, EINVAL);
    return this.locked(`deleting from map ${this.spec.name}`, () => {
      const { found } = this.find(key, keyHash(key, this.spec.keySize));
      if (found === undefined) return false;
      this.setState(this.entryAt(found), ENTRY_DELETED);
      this.area.writeBigUInt64LE(BigInt(this.count - 1), this.layout.descOff + MAP.count);
      // As the runtime: deleted entries just before an empty one become empty.
      const mask = this.layout.capacity - 1;
      let j = found;
      while (this.kind((j + 1) & mask) === ENTRY_EMPTY && this.kind(j) === ENTRY_DELETED) {
        this.setState(this.entryAt(j), ENTRY_EMPTY);
        j = (j - 1) & mask;
      }
      return true;
    });
  }

  /** Every key (arrays: every index); a snapshot taken now. */
  keys(): Buffer[] {
    if (!isHash(this.spec.type)) {
      return Array.from({ length: this.spec.maxEntries }, (_, i) => {
        const k = Buffer.alloc(4);
        k.writeUInt32LE(i);
        return k;
      });
    }
    const out: Buffer[] = [];
    for (let i = 0; i < this.layout.capacity; i++) {
      if (this.kind(i) !== ENTRY_LIVE) continue;
      const e = this.entryAt(i) + HASH_ENTRY_HEADER;
      out.push(Buffer.from(this.area.subarray(e, e + this.spec.keySize)));
    }
    return out;
  }

  nextKey(key: Buffer | undefined): Buffer | undefined {
    const all = this.keys();
    if (!key) return all[0];
    const i = all.findIndex((k) => k.equals(key));
    return i < 0 ? all[0] : all[i + 1];
  }

  clear(): void {
    if (!isHash(this.spec.type)) {
      this.area.fill(0, this.layout.dataOff, this.layout.dataOff + this.layout.dataSize);
      return;
    }
    for (const k of this.keys()) this.delete(k);
  }

  close(): void {
    // The memory belongs to the area.
  }

  // ── internals ──

  private valueAt(key: Buffer): number | undefined {
    if (!isHash(this.spec.type)) {
      const index = key.readUInt32LE(0);
      return index < this.spec.maxEntries ? this.arrayValueAt(index) : undefined;
    }
    const hash = keyHash(key, this.spec.keySize);
    const mask = this.layout.capacity - 1;
    for (let attempt = 0; attempt < 8; attempt++) {
      let i = hash & mask;
      let changed = false;
      for (let probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
        const e = this.entryAt(i);
        const st = this.area.readUInt32LE(e);
        if ((st & 3) === ENTRY_EMPTY) return undefined;
        if ((st & 3) !== ENTRY_LIVE || this.area.readUInt32LE(e + 4) !== hash || !this.keyEquals(e, key)) continue;
        if (this.area.readUInt32LE(e) === st) return this.entryValue(i);
        changed = true;
        break;
      }
      if (!changed) return undefined;
    }
    return undefined;
  }

  private arrayValueAt(index: number): number {
    return this.layout.dataOff + index * (this.perCpu ? this.possibleCpus : 1) * this.layout.valueStride;
  }

  private entryAt(i: number): number {
    return this.layout.dataOff + i * this.layout.entrySize;
  }

  private entryValue(i: number): number {
    return this.entryAt(i) + HASH_ENTRY_HEADER + this.layout.keyStride;
  }

  private kind(i: number): number {
    return this.area.readUInt32LE(this.entryAt(i)) & 3;
  }

  private keyEquals(entry: number, key: Buffer): boolean {
    return this.area.compare(key, 0, this.spec.keySize, entry + HASH_ENTRY_HEADER, entry + HASH_ENTRY_HEADER + this.spec.keySize) === 0;
  }

  /** A per-thread value is written whole (every slot); others are value_size bytes. */
  private writeValue(at: number, value: Buffer): void {
    if (this.perCpu) value.copy(this.area, at, 0, this.lookupSize);
    else value.copy(this.area, at, 0, this.spec.valueSize);
  }

  private setState(entry: number, kind: number): void {
    const st = this.area.readUInt32LE(entry);
    Atomics.store(this.words, entry >>> 2, ((((st >>> 2) + 1) << 2) | kind) >>> 0);
  }

  /** Under the lock: the live entry of `key`, and the first reusable entry of its probe sequence. */
  private find(key: Buffer, hash: number): { found?: number; free?: number } {
    const mask = this.layout.capacity - 1;
    let free: number | undefined;
    let i = hash & mask;
    for (let probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
      const kind = this.kind(i);
      if (kind === ENTRY_EMPTY) return { free: free ?? i };
      if (kind === ENTRY_DELETED) {
        free ??= i;
        continue;
      }
      const e = this.entryAt(i);
      if (this.area.readUInt32LE(e + 4) === hash && this.keyEquals(e, key)) return { found: i, free };
    }
    return { free };
  }

  private locked<T>(operation: string, body: () => T): T {
    const deadline = Date.now() + LOCK_WAIT_MS;
    while (Atomics.compareExchange(this.lockWord, 0, 0n, LOCK_OWNER_UTAP) !== 0n) {
      if (Date.now() > deadline) throw new BpfError(operation, EBUSY, 'a thread of the target holds the map lock');
    }
    try {
      return body();
    } finally {
      Atomics.store(this.lockWord, 0, 0n);
    }
  }
}
