// Facts about a traced process that /proc/PID/status holds (ppid(), uid(), euid(), gid()), for
// the engines' probe contexts. A process that is gone reads as 0, as SystemTap's do.
import * as fs from 'node:fs';

export type StatusValue = 'ppid' | 'uid' | 'euid' | 'gid';

/** Line of /proc/PID/status and which of its numbers each value is. */
const FIELDS: Record<StatusValue, [string, number]> = { ppid: ['PPid', 0], uid: ['Uid', 0], euid: ['Uid', 1], gid: ['Gid', 0] };

export function processStatus(pid: number, what: StatusValue): number {
  const [name, index] = FIELDS[what];
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(text);
    return m ? Number(m[1].split(/\s+/)[index] ?? 0) : 0;
  } catch {
    return 0;
  }
}
