// Runs the real `utap` command as a child process, the way a user would.
import { spawn, type SpawnOptions } from 'node:child_process';
import { utapCommand } from './paths';

export interface RunResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function runUtap(args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runCommand(utapCommand, args, options);
}

export function runCommand(command: string, args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    // a child that exits before reading its input (a refusal) closes the pipe: EPIPE is no failure of the test's
    child.stdin!.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin!.end(options.input ?? '');
  });
}
