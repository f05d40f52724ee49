// A BPF map by file descriptor: create (BPF_MAP_CREATE), element calls, key iteration, pinning.
// Keys and values are raw bytes in the layouts the code generator chose (map-layout.ts).
import * as fs from 'node:fs';
import { mapCreateAttr, mapElemAttr, objAttr } from './bpf-attr';
import { bpfCall, BpfError, bpfTry, closeFd } from './bpf-syscall';
import * as U from './uapi';

export interface MapSpec {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** Up to 15 characters: shows in bpftool and /proc/PID/fdinfo. */
  name: string;
}

const ENOENT = 2;

export class BpfMap {
  private closed = false;

  private constructor(readonly fd: number, readonly spec: MapSpec, readonly possibleCpus: number) {}

  static create(spec: MapSpec): BpfMap {
    const attr = mapCreateAttr({ mapType: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, mapFlags: spec.flags, mapName: spec.name });
    const fd = bpfCall(U.BPF_MAP_CREATE, attr, `creating map ${spec.name}`);
    return new BpfMap(fd, spec, possibleCpuCount());
  }

  /** Opens a pinned map; its spec must be known (kept with the pin by the registry). */
  static fromPin(path: string, spec: MapSpec): BpfMap {
    return new BpfMap(objGet(path), spec, possibleCpuCount());
  }

  get perCpu(): boolean {
    return this.spec.type === U.BPF_MAP_TYPE_PERCPU_ARRAY || this.spec.type === U.BPF_MAP_TYPE_PERCPU_HASH;
  }

  /** Bytes one lookup returns: per-CPU maps give one value (rounded to 8) per possible CPU. */
  get lookupSize(): number {
    return this.perCpu ? roundUp8(this.spec.valueSize) * this.possibleCpus : this.spec.valueSize;
  }

  /** The value under `key`, or undefined when absent. */
  lookup(key: Buffer): Buffer | undefined {
    const value = Buffer.alloc(this.lookupSize);
    const attr = this.elemAttr(key, value, 0);
    const r = bpfTry(U.BPF_MAP_LOOKUP_ELEM, attr, key, value);
    if (r === -ENOENT) return undefined;
    if (r < 0) throw new BpfError(`reading map ${this.spec.name}`, -r);
    return value;
  }

  /** Stores `value` (per-CPU maps: one slot per possible CPU); flags BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
  update(key: Buffer, value: Buffer, flags = U.BPF_ANY): void {
    if (value.length !== this.lookupSize) throw new RangeError(`map ${this.spec.name}: value of ${value.length} bytes, expected ${this.lookupSize}`);
    bpfCall(U.BPF_MAP_UPDATE_ELEM, this.elemAttr(key, value, flags), `writing map ${this.spec.name}`, key, value);
  }

  /** Removes `key`; false when it was absent. */
  delete(key: Buffer): boolean {
    const r = bpfTry(U.BPF_MAP_DELETE_ELEM, this.elemAttr(key, null, 0), key);
    if (r === -ENOENT) return false;
    if (r < 0) throw new BpfError(`deleting from map ${this.spec.name}`, -r);
    return true;
  }

  /** The key after `key` (the first key when undefined), or undefined at the end. */
  nextKey(key: Buffer | undefined): Buffer | undefined {
    const next = Buffer.alloc(this.spec.keySize);
    const r = bpfTry(U.BPF_MAP_GET_NEXT_KEY, this.elemAttr(key ?? null, next, 0), key, next);
    if (r === -ENOENT) return undefined;
    if (r < 0) throw new BpfError(`listing map ${this.spec.name}`, -r);
    return next;
  }

  /** Every key (a snapshot taken now; hash maps have no stable order). */
  keys(): Buffer[] {
    const out: Buffer[] = [];
    let key: Buffer | undefined;
    for (;;) {
      key = this.nextKey(key);
      if (!key) return out;
      out.push(key);
    }
  }

  /** Deletes every element (array maps cannot delete; their values are zeroed instead). */
  clear(): void {
    if (this.spec.type === U.BPF_MAP_TYPE_ARRAY || this.spec.type === U.BPF_MAP_TYPE_PERCPU_ARRAY) {
      const zero = Buffer.alloc(this.lookupSize);
      for (let i = 0; i < this.spec.maxEntries; i++) {
        const k = Buffer.alloc(4);
        k.writeUInt32LE(i);
        this.update(k, zero);
      }
      return;
    }
    for (const key of this.keys()) this.delete(key);
  }

  pin(path: string): void {
    objPin(this.fd, path);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }

  private elemAttr(key: Buffer | null, value: Buffer | null, flags: number): Buffer {
    return mapElemAttr(this.fd, key, value, flags);
  }
}

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

/** BPF_OBJ_PIN: makes `fd` (map, program or link) outlive this process at `path` in bpffs. */
export function objPin(fd: number, path: string): void {
  const pathBuf = Buffer.from(`${path}\0`, 'utf8');
  bpfCall(U.BPF_OBJ_PIN, objAttr(pathBuf, fd), `pinning ${path}`, pathBuf);
}

/** BPF_OBJ_GET: a new fd for the object pinned at `path`. */
export function objGet(path: string): number {
  const pathBuf = Buffer.from(`${path}\0`, 'utf8');
  return bpfCall(U.BPF_OBJ_GET, objAttr(pathBuf), `opening pinned ${path}`, pathBuf);
}

let cpus: number | undefined;
/** Number of possible CPUs (/sys/devices/system/cpu/possible): the slot count of per-CPU values. */
export function possibleCpuCount(): number {
  if (cpus !== undefined) return cpus;
  const text = fs.readFileSync('/sys/devices/system/cpu/possible', 'latin1').trim();
  let max = 0;
  for (const part of text.split(',')) {
    const [, hi] = part.split('-');
    max = Math.max(max, Number(hi ?? part));
  }
  cpus = max + 1;
  return cpus;
}
