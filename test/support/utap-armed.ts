// utap -v started in the background for -p tests: `armed` resolves once its log line matching
// `armedLine` appears (the uprobe engine says "probes armed"; the ptrace engine logs each probe
// it places), `done` when it ends.
import { spawn } from 'node:child_process';
import { utapBin } from './paths';

export interface BackgroundUtap {
  child: ReturnType<typeof spawn>;
  armed: Promise<void>;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

export function utapArmed(args: string[], cwd?: string, armedLine = /probes armed|^utap: ptrace: \w+ probe /m): BackgroundUtap {
  const child = spawn(process.execPath, [utapBin, '-v', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let stdout = '', stderr = '';
  let onArmed: () => void = () => undefined;
  const armed = new Promise<void>((r) => (onArmed = r));
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (armedLine.test(stderr)) onArmed();
  });
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (status) => {
    onArmed();
    resolve({ status, stdout, stderr });
  }));
  return { child, armed, done };
}
