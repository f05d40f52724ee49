// Starts a runtime-c target that waits on stdin ("ready PID"), so a test can attach to it
// before it runs, then lets it go and collects its ground-truth output.
import { spawn, type ChildProcess } from 'node:child_process';

export interface WaitingTarget {
  pid: number;
  child: ChildProcess;
  /** Lets the target run; resolves with its stdout and exit code. */
  release(): Promise<{ stdout: string; code: number | null }>;
}

export function startWaiting(binary: string, args: string[]): Promise<WaitingTarget> {
  const child = spawn(binary, [...args, 'wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString('latin1');
      if (!before.includes('\n') && stdout.includes('\n')) {
        const m = /^ready (\d+)/.exec(stdout);
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
