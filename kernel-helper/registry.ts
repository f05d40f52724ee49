// The registry of named kernel handlers in bpffs: /sys/fs/bpf/utap/NAME/ holds the pins of one
// registration (links that keep its uprobes armed, the maps of its globals, its ring buffer) and
// `meta`, an array map whose values hold a description the tracer writes (owner, target, script,
// the plan the `end` probes need). bpffs is mounted at /sys/fs/bpf when it is not already.
// The directory belongs to the user who registered it, so the owner shows in `ls -l` too.
//
// Who may create what: bpffs mounts with mode 1777 unless told otherwise, so utap mounts it 0755,
// and trusts /sys/fs/bpf/utap only as a real folder owned by root and writable by nobody else —
// else any user could have made it (or a NAME in it) first and decide what root's registrations
// are. A registration is a real folder nobody but its owner may enter (0700, made by
// createRegistration); anything else found there is refused with a sentence saying so.
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
const mount = lib.func('mount', 'int', ['str', 'str', 'str', 'ulong', 'str']) as (src: string, target: string, type: string, flags: number, data: string) => number;

/** The registry, or an entry of it, was not made by the rules above; the message says what to do. */
export class UntrustedRegistryError extends Error {}

function writableByOthers(st: fs.Stats): string | undefined {
  if (!(st.mode & 0o022)) return undefined;
  return `writable by ${st.mode & 0o020 && st.mode & 0o002 ? 'its group and others' : st.mode & 0o020 ? 'its group' : 'others'} (mode 0${(st.mode & 0o7777).toString(8)})`;
}

/** Why /sys/fs/bpf/utap may not be trusted, or undefined when it may (or is absent). */
export function registryProblem(): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(REGISTRY_DIR);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return 'it is not a folder';
  if (st.uid !== 0) return `it belongs to uid ${st.uid}, not root`;
  return writableByOthers(st);
}

/** Why registration folder `name` was not made by createRegistration, or undefined when it looks so (or is absent). */
export function registrationProblem(name: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(registrationDir(name));
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return st.isSymbolicLink() ? 'it is a symbolic link' : 'it is not a folder';
  if (st.mode & 0o077) return `others than its owner (uid ${st.uid}) may use it (mode 0${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

function checkRegistry(): void {
  const problem = registryProblem();
  if (problem) {
    throw new UntrustedRegistryError(
      `${REGISTRY_DIR} is not safe to use (${problem}): another user may have made it or what is in it; as root, look at it and remove it (rm -r ${REGISTRY_DIR}), then run again.`,
    );
  }
}

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

/**
 * Mounts bpffs at /sys/fs/bpf unless it is there (0755: writable by root alone, not bpffs's own
 * 1777), and makes /sys/fs/bpf/utap; throws UntrustedRegistryError when the folder there is not
 * root's alone.
 */
export function ensureRegistryDir(): void {
  if (!isBpffs(BPFFS)) {
    if (mount('bpf', BPFFS, 'bpf', 0, 'mode=0755') < 0) {
      const e = errno();
      throw new BpfError(`mounting bpffs at ${BPFFS}`, e);
    }
  }
  try {
    fs.mkdirSync(REGISTRY_DIR, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkRegistry();
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

/**
 * Creates the directory of a new registration owned by `uid`; false when the name is taken by a
 * registration, UntrustedRegistryError when by something createRegistration did not make.
 */
export function createRegistration(name: string, uid: number, gid: number): boolean {
  ensureRegistryDir();
  try {
    fs.mkdirSync(registrationDir(name), { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const problem = registrationProblem(name);
    if (problem) throw new UntrustedRegistryError(untrustedEntry(name, problem));
    return false;
  }
  fs.chownSync(registrationDir(name), uid, gid);
  return true;
}

function untrustedEntry(name: string, problem: string): string {
  return `${registrationDir(name)} was not made by utap's registry (${problem}); as root, look at it and remove it (rm -r ${registrationDir(name)}), or choose another name.`;
}

/**
 * Throws UntrustedRegistryError unless the registry and registration `name` (when present) were
 * made by the rules above and `ownerUid` (from its description) owns its folder.
 */
export function checkRegistration(name: string, ownerUid?: number): void {
  checkRegistry();
  const problem = registrationProblem(name);
  if (problem) throw new UntrustedRegistryError(untrustedEntry(name, problem));
  if (ownerUid !== undefined) {
    const owner = registrationOwner(name);
    if (owner !== ownerUid) throw new UntrustedRegistryError(untrustedEntry(name, `its folder belongs to uid ${owner}, its description names uid ${ownerUid}`));
  }
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
  return fs.lstatSync(registrationDir(name)).uid;
}

export function describeErrno(error: unknown): string {
  if (error instanceof BpfError) return errnoName(error.errno);
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
