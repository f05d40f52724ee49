// -c under the uprobe engine: the command is started held before it execs (its shell blocks
// reading a pipe only utap writes), the uprobes are armed for its pid, then it is let go — so no
// hit is missed and the probes follow it through exec (the kernel filters by the task's current
// mm). Should utap die before letting it go, the pipe closes, the read ends and the command runs
// untraced: it is never left stopped (a SIGSTOPped shell would wait forever for a SIGCONT).
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { shellCommand } from '../../runtime/shell-command';

/** Starts `command` with /bin/sh, held before it execs until releaseStarted(). */
export function startStopped(command: string): ChildProcess {
  // Loaded only for -c: node:child_process (and node:net with it) costs ~4 ms of start-up.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  // fd 3 is the hold: `read` returns at the byte utap writes, or at end-of-file if utap is gone
  const child = spawn('/bin/sh', ['-c', `read _ <&3; exec 3<&-; ${shellCommand(command)}`], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const hold = child.stdio[3] as (Writable & { unref?: () => void }) | null;
  hold?.unref?.();
  hold?.on('error', () => {
    /* the child is gone: nothing to let go */
  });
  return child;
}

/** Lets a command from startStopped() go on. */
export function releaseStarted(child: ChildProcess): void {
  const hold = child.stdio[3] as Writable | null;
  hold?.end('\n');
}
