// Following a target's children on the uprobe engine. The kernel side (kernel-helper/
// process-events.ts) keeps the set of traced processes — the target, and every process a traced
// one forks, joined before it first runs — which the uprobe handlers consult, and sends a
// record for each process and thread that starts, execs or ends. Here those records become the
// lifecycle probes (process.begin/.end, .thread.begin/.end, with SystemTap's meaning: an exec
// ends the old program's process and begins the new one's) and the account of which programs
// ran, for the warning about probes whose program never ran (unran-programs.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LifecycleEvent, PlanIR, ProbeSiteIR } from '../../ir/ir';
import type { ProcessEvent } from '../../../kernel-helper/process-events';
import { isProgramFile } from '../program-file';
import { lifecycleProbesFor } from '../../plan/lifecycle-probes';
import type { Session } from '../../runtime/session';
export { isProgramFile } from '../program-file';
import { LifecycleContext } from '../lifecycle-context';
import { rememberProcessStatus } from '../process-status';
import { unranProgramsWarnings } from '../unran-programs';

function fileKey(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return `?${file}`;
  }
}

function readExe(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

export class ProcessFollower {
  /** The program each known process runs, and its command name. */
  private readonly exeOf = new Map<number, { exe: string; comm: string }>();
  /** Processes whose begin fired (their end fires at exit or exec). */
  private readonly begun = new Set<number>();
  /** Programs (by device:inode) some traced process ran. */
  private readonly ran = new Set<string>();

  constructor(private readonly plan: PlanIR, private readonly session: Session, private readonly target: number) {}

  /** A process traced from the start (the -p target, the -c shell of a compound command): it begins now. */
  begins(pid: number): void {
    const exe = readExe(pid);
    this.exeOf.set(pid, { exe, comm: readComm(pid) });
    this.ranProgram(exe);
    this.fire('begin', pid, pid);
  }

  /**
   * System-wide: the processes already running a program of a lifecycle probe begin now, as
   * SystemTap's do when it starts (their end probes then fire when they exit).
   */
  beginRunning(): void {
    const programs = (this.plan.lifecycle ?? []).filter((p) => p.program !== undefined);
    if (programs.length === 0) return;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const exe = readExe(pid);
      if (exe && programs.some((p) => lifecycleProbesFor([p], p.event, exe).length > 0)) this.begins(pid);
    }
  }

  /** A process the run traces whose program is known but which begins later (-c: at its exec). */
  known(pid: number): void {
    this.exeOf.set(pid, { exe: readExe(pid), comm: readComm(pid) });
  }

  onEvent(e: ProcessEvent): void {
    switch (e.kind) {
      case 'NEW_PROCESS': {
        this.children++;
        const parent = this.exeOf.get(e.ppid);
        // a fork child runs its parent's program (the child itself may have exec'd by now)
        this.exeOf.set(e.pid, { exe: parent?.exe ?? readExe(e.ppid), comm: e.comm });
        rememberProcessStatus(e.pid);
        // (unless utap found it running at start, just after it was forked)
        if (!this.begun.has(e.pid)) this.fire('begin', e.pid, e.tid);
        break;
      }
      case 'NEW_THREAD':
        this.fire('thread.begin', e.pid, e.tid);
        break;
      case 'EXEC': {
        if (this.begun.has(e.pid)) this.fire('end', e.pid, e.tid);
        // the name execve was given: "/proc/self/exe", or relative, says less than the link does
        const exe = execFile(e.file, this.exeOf.get(e.pid)?.exe, e.pid);
        this.exeOf.set(e.pid, { exe, comm: e.comm });
        this.ranProgram(exe);
        rememberProcessStatus(e.pid);
        this.fire('begin', e.pid, e.tid);
        break;
      }
      case 'EXIT_THREAD':
        if (e.tid !== e.pid) this.fire('thread.end', e.pid, e.tid);
        break;
      case 'EXIT_PROCESS':
        if (e.tid !== e.pid) this.fire('thread.end', e.pid, e.tid);
        if (this.begun.has(e.pid)) this.fire('end', e.pid, e.pid);
        this.exeOf.delete(e.pid);
        break;
    }
  }

  /**
   * One warning per program with probes that no traced process ran (library probes are not
   * judged), and one when processes other than the target ran while library probes kept to it.
   */
  unranWarnings(sites: readonly ProbeSiteIR[]): string[] {
    const placed = new Set(sites.filter((s) => !isProgramFile(s.binary) || this.ran.has(fileKey(s.binary))).map((s) => s.id));
    const warnings = unranProgramsWarnings(sites, placed);
    const libraries = [...new Set(sites.filter((s) => !isProgramFile(s.binary)).map((s) => s.binary))];
    if (libraries.length > 0 && this.children > 0) {
      const which = libraries.slice(0, 2).join(', ') + (libraries.length > 2 ? ` and ${libraries.length - 2} more` : '');
      warnings.push(`utap: warning: ${this.children} process${this.children === 1 ? '' : 'es'} forked below the target ran untraced by the probes in shared libraries (${which}), which the uprobe engine places in the target alone; --engine ptrace follows children there too.`);
    }
    return warnings;
  }

  /** Processes the target's descendants started (NEW_PROCESS records). */
  private children = 0;

  private ranProgram(exe: string): void {
    if (exe) this.ran.add(fileKey(exe));
  }

  private fire(event: LifecycleEvent, pid: number, tid: number): void {
    if (event === 'begin') this.begun.add(pid);
    if (event === 'end') this.begun.delete(pid);
    const probes = this.plan.lifecycle;
    if (!probes || !this.session.running) return;
    const known = this.exeOf.get(pid);
    const matching = lifecycleProbesFor(probes, event, known?.exe);
    if (matching.length === 0) return;
    const ctx = new LifecycleContext({ pid, tid, execname: known?.comm ?? '', target: this.target }, matching[0].pp);
    for (const probe of matching) this.session.hit(probe.id, ctx);
  }
}

/**
 * The program an EXEC record's file name names. It is execve's argument: "/proc/self/exe" is the
 * program the process ran until then; a relative name is resolved in the process's directory
 * (or, when that is gone, the exe link is read: the process may be past this exec by now).
 */
function execFile(file: string, previous: string | undefined, pid: number): string {
  if (/^\/proc\/(self|\d+)\/exe$/.test(file) && previous) return previous;
  let resolved = file;
  if (!file.startsWith('/')) {
    try {
      resolved = path.resolve(fs.readlinkSync(`/proc/${pid}/cwd`), file);
    } catch {
      return readExe(pid) || file;
    }
  }
  return interpreterOf(resolved) ?? resolved;
}

/**
 * A script's interpreter (`#!/usr/bin/python3.11`, `#!/usr/bin/env python3`): the program the
 * process runs, where the exec record names the script.
 */
function interpreterOf(file: string): string | undefined {
  let head = '';
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.toString('latin1', 0, fs.readSync(fd, buffer, 0, 256, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (!head.startsWith('#!')) return undefined;
  const words = head.slice(2).split('\n')[0].trim().split(/\s+/);
  if (!words[0]) return undefined;
  if (path.basename(words[0]) !== 'env' || !words[1]) return words[0];
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = path.join(dir, words[1]);
    if (fs.existsSync(candidate)) return candidate;
  }
  return words[0];
}

function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
  } catch {
    return '';
  }
}
