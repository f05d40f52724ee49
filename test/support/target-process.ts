// Fixture processes for -p tests: a runtime-c target that says it is ready (`ready PID` or
// `ready pid=N`) and waits on stdin, so a test can attach to it before it runs.
//
// Targets start as grandchildren of the test (through sh) on purpose: Node's own child reaper
// calls waitpid on the pids it spawned, and from another thread of the tracing process that
// would swallow the ptrace stops meant for the ptrace engine's tracer thread. A real user's
// target is never utap's own child, so this is also the realistic setup.
import { spawn, type ChildProcess } from 'node:child_process';

/** `binary args...` run by sh in the background, its stdin and stdout still the returned child's pipes. */
export function spawnGrandchild(binary: string, args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', 'exec 3<&0; "$@" <&3 3<&- & wait $!', 'sh', binary, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

export interface WaitingTarget {
  pid: number;
  child: ChildProcess;
  /** Lets the target run; resolves with its stdout and exit code. */
  release(): Promise<{ stdout: string; code: number | null }>;
}

export function startWaiting(binary: string, args: string[]): Promise<WaitingTarget> {
  const child = spawnGrandchild(binary, [...args, 'wait']);
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString('latin1');
      if (!before.includes('\n') && stdout.includes('\n')) {
        const m = /^ready (?:pid=)?(\d+)/.exec(stdout);
        if (!m) return reject(new Error(`target said ${stdout}`));
        resolve({
          pid: Number(m[1]),
          child,
          release: async () => {
            child.stdin!.end('go\n');
            const code = await exited;
            return { stdout: stdout.slice(stdout.indexOf('\n') + 1), code };
          },
        });
      }
    });
  });
}

export interface TargetProcess {
  /** the fixture's own pid, from its `ready pid=N` line */
  pid: number;
  /** everything the fixture printed so far */
  output(): string;
  send(line: string): void;
  /** resolves with the fixture's exit code once it ended (its stdout is complete then) */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `binary args...` (which must print `ready pid=N` and then wait) and waits until it is ready. */
export function startTarget(binary: string, args: string[]): Promise<TargetProcess> {
  const shell = spawnGrandchild(binary, args);
  let text = '';
  const exited = new Promise<number>((resolve) => shell.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 0))));
  return new Promise((resolve, reject) => {
    shell.stdout!.on('data', (d) => {
      text += d;
      const m = /ready (?:pid=)?(\d+)/.exec(text);
      if (m && !resolved) {
        resolved = true;
        const pid = Number(m[1]);
        resolve({
          pid,
          output: () => text,
          send: (line) => shell.stdin!.write(line),
          exited,
          kill: (signal = 'SIGKILL') => {
            try {
              process.kill(pid, signal);
            } catch {
              /* gone */
            }
          },
        });
      }
    });
    let resolved = false;
    void exited.then((code) => {
      if (!resolved) reject(new Error(`${binary} exited (${code}) before it was ready: ${text}`));
    });
  });
}
