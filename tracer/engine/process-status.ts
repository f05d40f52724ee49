// Facts about a traced process that /proc/PID/status holds (ppid(), uid(), euid(), gid()), for
// the engines' probe contexts. A process that is gone reads as 0, as SystemTap's do.
import * as fs from 'node:fs';

export type StatusValue = 'ppid' | 'uid' | 'euid' | 'gid';

/** Line of /proc/PID/status and which of its numbers each value is. */
const FIELDS: Record<StatusValue, [string, number]> = { ppid: ['PPid', 0], uid: ['Uid', 0], euid: ['Uid', 1], gid: ['Gid', 0] };

/** /proc/PID/status texts read while the process lived (rememberProcessStatus), by pid. */
const remembered = new Map<number, string>();

export function processStatus(pid: number, what: StatusValue): number {
  const [name, index] = FIELDS[what];
  let text: string | undefined;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    text = remembered.get(pid);
  }
  if (text === undefined) return 0;
  const m = new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(text);
  return m ? Number(m[1].split(/\s+/)[index] ?? 0) : 0;
}

/**
 * Keeps what /proc/PID/status says now, for when the process is gone: the uprobe engine runs
 * event-mode handlers after the hit, maybe after the process exited (maps-snapshot.ts).
 */
export function rememberProcessStatus(pid: number): void {
  try {
    remembered.set(pid, fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    // gone already
  }
}
