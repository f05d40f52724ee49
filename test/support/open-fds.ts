// What a process's open file descriptors are, as /proc shows them: `anon_inode:bpf_link`,
// `anon_inode:[perf_event]`, a path... — for tests that check which kernel objects a tracer holds.
import * as fs from 'node:fs';

/** The targets of `pid`'s fds (`'self'`: this process); fds closed while listing are skipped. */
export function fdTargets(pid: number | 'self'): string[] {
  const dir = `/proc/${pid}/fd`;
  return fs.readdirSync(dir).flatMap((fd) => {
    try {
      return [fs.readlinkSync(`${dir}/${fd}`)];
    } catch {
      return [];
    }
  });
}
