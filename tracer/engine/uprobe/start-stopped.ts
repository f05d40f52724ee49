// -c under the uprobe engine: the command is started stopped (its shell stops itself before
// exec), the uprobes are armed for its pid, then it is let go — so no hit is missed and the
// probes follow it through exec (the kernel filters by the task's current mm).
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { shellCommand } from '../../runtime/shell-command';

function stateOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Starts `command` with /bin/sh, stopped before it execs; resolves once it is stopped. */
export function startStopped(command: string): ChildProcess {
  // Loaded only for -c: node:child_process (and node:net with it) costs ~4 ms of start-up.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn('/bin/sh', ['-c', `kill -STOP $$; ${shellCommand(command)}`], { stdio: 'inherit' });
  if (child.pid === undefined) return child;
  // The shell stops itself about a millisecond after the spawn: look every 0.1 ms, for 5 s at most.
  for (let i = 0; i < 50_000; i++) {
    const s = stateOf(child.pid);
    if (s === 'T' || s === undefined || s === 'Z') break;
    Atomics.wait(sleeper, 0, 0, 0.1);
  }
  return child;
}
