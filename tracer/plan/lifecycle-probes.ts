// Lifecycle probe points: `process.begin`, `process("PATH").end`, `.thread.begin`,
// `.thread.end`. They name no code address, so they are not sites: the planner keeps them apart
// (PlanIR.lifecycle) with the program they watch, and each engine fires them from what it sees
// of processes starting, exec'ing and ending (ptrace events; sched tracepoints on uprobe).
import type { LifecycleEvent, LifecycleProbeIR, PlannedHandler, ProbePointIR } from '../ir/ir';

/** The lifecycle event `point` names, or undefined for any other process probe point. */
export function lifecycleEventOf(point: Pick<ProbePointIR, 'components'>): LifecycleEvent | undefined {
  const names = point.components.map((c) => c.name);
  if (names[0] !== 'process') return undefined;
  const rest = names.slice(1).join('.');
  return rest === 'begin' || rest === 'end' || rest === 'thread.begin' || rest === 'thread.end' ? rest : undefined;
}

/** `process(ARG)`'s argument: a path or basename, a pid, or undefined for bare `process`. */
export function lifecycleProcessArg(point: Pick<ProbePointIR, 'components'>): string | number | undefined {
  const arg = point.components[0].arg;
  return arg === undefined ? undefined : typeof arg === 'bigint' ? Number(arg) : arg;
}

/** The lifecycle probe of `planned` at `point`, watching `program` (an absolute path) or every traced process. */
export function lifecycleProbe(planned: PlannedHandler, event: LifecycleEvent, id: number, program: string | undefined): LifecycleProbeIR {
  // pp() is the canonical point, as `utap -l` prints it
  const pp = program !== undefined ? `process(${JSON.stringify(program)}).${event}` : `process.${event}`;
  return { ...planned, pp, id, event, ...(program !== undefined && { program }) };
}

/** The probes of `probes` that fire for `event` in a process running `exe` (an absolute path). */
export function lifecycleProbesFor(probes: readonly LifecycleProbeIR[], event: LifecycleEvent, exe: string | undefined): LifecycleProbeIR[] {
  return probes.filter((p) => p.event === event && (p.program === undefined || (exe !== undefined && sameFile(p.program, exe))));
}

const inodes = new Map<string, string>();

/** Whether two paths name one file (by device and inode: /bin → /usr/bin, symlinks). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  const key = (p: string) => {
    let k = inodes.get(p);
    if (k === undefined) {
      try {
        const st = (require('node:fs') as typeof import('node:fs')).statSync(p);
        k = `${st.dev}:${st.ino}`;
      } catch {
        k = `?${p}`;
      }
      inodes.set(p, k);
    }
    return k;
  };
  return key(a) === key(b);
}
