// Whether a process runs its programs' code as the files hold it: every executable file mapping
// read through /proc/PID/mem and compared with the file. A breakpoint a tracer left behind (an
// int3 in a fork child it let go, say) shows as a difference.
import * as fs from 'node:fs';

/** '' when every executable file mapping matches its file, else where the first difference is. */
export function codeDiffers(pid: number): string {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp ([0-9a-f]+) \S+ \d+\s+(\/.+)$/.exec(line);
      if (!m || m[4].endsWith(' (deleted)')) continue;
      const start = parseInt(m[1], 16), end = parseInt(m[2], 16), offset = parseInt(m[3], 16);
      const file = fs.readFileSync(m[4]);
      const inMemory = Buffer.alloc(end - start);
      fs.readSync(mem, inMemory, 0, inMemory.length, start);
      const length = Math.min(inMemory.length, file.length - offset);
      const expected = file.subarray(offset, offset + length);
      if (!inMemory.subarray(0, length).equals(expected)) {
        const at = inMemory.findIndex((b, i) => i < length && b !== expected[i]);
        return `${m[4]} differs at 0x${(start + at).toString(16)} (0x${inMemory[at].toString(16)} instead of 0x${expected[at].toString(16)})`;
      }
    }
  } finally {
    fs.closeSync(mem);
  }
  return '';
}

/** The pids whose parent is `ppid` (from /proc/PID/stat). */
export function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}
