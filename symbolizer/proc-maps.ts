// /proc/PID/maps: the mappings of a process — address range, permissions, file offset, device,
// inode and path — as plain data, and the files mapped into it.
import * as fs from 'node:fs';

export interface Mapping {
  start: bigint;
  end: bigint;
  /** "r-xp" etc. */
  perms: string;
  readable: boolean;
  writable: boolean;
  executable: boolean;
  /** File offset of `start`. */
  offset: bigint;
  /** "fd:01" */
  device: string;
  inode: number;
  /** The mapped file's path, a pseudo name ([heap], [stack], [vdso]) or '' for anonymous memory. */
  path: string;
  /** The file was deleted or replaced after it was mapped (" (deleted)" in maps). */
  deleted: boolean;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$/;

/** Parses the text of a maps file; lines that do not parse are skipped. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    let p = m[7];
    const deleted = p.endsWith(' (deleted)');
    if (deleted) p = p.slice(0, -' (deleted)'.length);
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3],
      readable: m[3][0] === 'r',
      writable: m[3][1] === 'w',
      executable: m[3][2] === 'x',
      offset: BigInt(`0x${m[4]}`),
      device: m[5],
      inode: Number(m[6]),
      path: p,
      deleted,
    });
  }
  return out;
}

/** The mappings of process `pid` (throws the fs error, e.g. ENOENT when there is no such process). */
export function readMaps(pid: number): Mapping[] {
  return parseMaps(fs.readFileSync(`/proc/${pid}/maps`, 'latin1'));
}

/** A file mapped into a process, with all of its mappings. */
export interface MappedFile {
  path: string;
  inode: number;
  device: string;
  mappings: Mapping[];
}

/** Files (not pseudo or anonymous mappings) in the order they first appear. */
export function mappedFiles(mappings: Mapping[]): MappedFile[] {
  const byKey = new Map<string, MappedFile>();
  for (const m of mappings) {
    if (!m.path.startsWith('/') || m.inode === 0) continue;
    const key = `${m.device}:${m.inode}:${m.path}`;
    let file = byKey.get(key);
    if (!file) byKey.set(key, (file = { path: m.path, inode: m.inode, device: m.device, mappings: [] }));
    file.mappings.push(m);
  }
  return [...byKey.values()];
}

/** The mapping holding run-time address `address`. */
export function mappingAt(mappings: Mapping[], address: bigint): Mapping | undefined {
  return mappings.find((m) => address >= m.start && address < m.end);
}
