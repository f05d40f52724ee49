// The registry of named kernel handlers in bpffs: /sys/fs/bpf/utap/NAME/ holds the pins of one
// registration (links that keep its uprobes armed, the maps of its globals, its ring buffer) and
// `meta`, an array map whose values hold a description the tracer writes (owner, target, script,
// the plan the `end` probes need). bpffs is mounted at /sys/fs/bpf when it is not already.
// The directory belongs to the user who registered it, so the owner shows in `ls -l` too.
import * as fs from 'node:fs';
import { koffi } from './ffi';
import { BpfError } from './bpf-syscall';
import { BpfMap, type MapSpec } from './map';
import { errno, errnoName } from './libc';
import * as U from './uapi';

export const BPFFS = '/sys/fs/bpf';
export const REGISTRY_DIR = `${BPFFS}/utap`;
const BPF_FS_MAGIC = 0xcafe4a11;
const META_CHUNK = 65536;
const META_FILE = 'meta';

const lib = koffi.load('libc.so.6');
const mount = lib.func('mount', 'int', ['str', 'str', 'str', 'ulong', 'void *']) as (src: string, target: string, type: string, flags: number, data: null) => number;

/** A name fit to be a directory of the registry. */
export function validHandlerName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name);
}

function isBpffs(dir: string): boolean {
  try {
    return Number(fs.statfsSync(dir).type) === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/** Mounts bpffs at /sys/fs/bpf unless it is there, and makes /sys/fs/bpf/utap. */
export function ensureRegistryDir(): void {
  if (!isBpffs(BPFFS)) {
    if (mount('bpf', BPFFS, 'bpf', 0, null) < 0) {
      const e = errno();
      throw new BpfError(`mounting bpffs at ${BPFFS}`, e);
    }
  }
  fs.mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
}

export function registrationDir(name: string): string {
  return `${REGISTRY_DIR}/${name}`;
}

/** Names of the registrations present (none when bpffs or the registry is absent). */
export function registeredNames(): string[] {
  if (!isBpffs(BPFFS)) return [];
  try {
    return fs.readdirSync(REGISTRY_DIR).filter(validHandlerName).sort();
  } catch {
    return [];
  }
}

/** Creates the directory of a new registration owned by `uid`; false when the name is taken. */
export function createRegistration(name: string, uid: number, gid: number): boolean {
  ensureRegistryDir();
  try {
    fs.mkdirSync(registrationDir(name), { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  fs.chownSync(registrationDir(name), uid, gid);
  return true;
}

/** Stores `text` as the registration's description: an array map of META_CHUNK-byte values, length first. */
export function writeMeta(name: string, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const framed = Buffer.alloc(8 + bytes.length);
  framed.writeBigUInt64LE(BigInt(bytes.length));
  bytes.copy(framed, 8);
  const spec: MapSpec = { type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: META_CHUNK, maxEntries: Math.ceil(framed.length / META_CHUNK), name: 'utap_meta' };
  const map = BpfMap.create(spec);
  try {
    for (let i = 0; i * META_CHUNK < framed.length; i++) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(i);
      const value = Buffer.alloc(META_CHUNK);
      framed.copy(value, 0, i * META_CHUNK, Math.min(framed.length, (i + 1) * META_CHUNK));
      map.update(key, value);
    }
    map.pin(`${registrationDir(name)}/${META_FILE}`);
  } finally {
    map.close();
  }
}

/** The description writeMeta stored; undefined when the registration has none (yet). */
export function readMeta(name: string): string | undefined {
  const path = `${registrationDir(name)}/${META_FILE}`;
  try {
    fs.statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error; // EACCES: not this user's to read
  }
  const map = BpfMap.fromPin(path, { type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: META_CHUNK, maxEntries: 0, name: 'utap_meta' });
  try {
    const chunk = (i: number): Buffer => {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(i);
      const value = map.lookup(key);
      if (!value) throw new BpfError(`reading ${path}`, 2);
      return value;
    };
    const first = chunk(0);
    const length = Number(first.readBigUInt64LE(0));
    const framed = Buffer.alloc(8 + length);
    first.copy(framed, 0, 0, Math.min(META_CHUNK, framed.length));
    for (let i = 1; i * META_CHUNK < framed.length; i++) chunk(i).copy(framed, i * META_CHUNK);
    return framed.subarray(8).toString('utf8');
  } finally {
    map.close();
  }
}

/** Pins a BPF object (map, link) of registration `name` under `file`. */
export function pinPath(name: string, file: string): string {
  return `${registrationDir(name)}/${file}`;
}

/** Removes a registration: its links go, so its uprobes are disarmed; its maps are freed. */
export function removeRegistration(name: string): void {
  fs.rmSync(registrationDir(name), { recursive: true, force: true });
}

/** The owner (uid) of a registration's directory. */
export function registrationOwner(name: string): number {
  return fs.statSync(registrationDir(name)).uid;
}

export function describeErrno(error: unknown): string {
  if (error instanceof BpfError) return errnoName(error.errno);
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
