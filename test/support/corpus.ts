// Loads the script corpus (test/corpus, see its README.md) and runs a case through the real
// command line. Other harnesses reuse it: a differential test can run every case with
// `--engine ptrace` and `--engine uprobe` and expect the same result.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDir, repoRoot, utapBin } from './paths';
import { shellQuote } from './shell';
import type { RunResult } from './run-utap';

export const corpusDir = path.join(repoRoot, 'test', 'corpus');

export interface CorpusCase {
  name: string;
  /** Script file name, relative to corpusDir (the working directory of the run). */
  script: string;
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
  /** Send `signal` once stdout contains `after`. */
  signal?: NodeJS.Signals;
  after?: string;
}

interface CaseOptions {
  args?: string[];
  status?: number;
  signal?: NodeJS.Signals;
  after?: string;
}

export function loadCorpus(): CorpusCase[] {
  const read = (file: string) => (fs.existsSync(path.join(corpusDir, file)) ? fs.readFileSync(path.join(corpusDir, file), 'latin1') : undefined);
  return fs
    .readdirSync(corpusDir)
    .filter((f) => f.endsWith('.stp'))
    .sort()
    .map((script) => {
      const name = script.slice(0, -'.stp'.length);
      const options: CaseOptions = JSON.parse(read(`${name}.json`) ?? '{}');
      const stdout = read(`${name}.stdout`);
      if (stdout === undefined) throw new Error(`corpus case ${name} has no ${name}.stdout`);
      return {
        name,
        script,
        // {build} sits in a -c command line: quoted, since a clone's path may hold spaces
        args: (options.args ?? []).map((a) => a.replace('{build}', shellQuote(buildDir))),
        stdout,
        stderr: read(`${name}.stderr`) ?? '',
        status: options.status ?? 0,
        signal: options.signal,
        after: options.after,
      };
    });
}

/** Runs one case: `utap [extraArgs] [case args] SCRIPT` in corpusDir; output as byte strings. */
export function runCorpusCase(c: CorpusCase, extraArgs: string[] = [], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [utapBin, ...extraArgs, ...c.args, c.script], { cwd: corpusDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    let signalled = false;
    child.stdout.setEncoding('latin1');
    child.stderr.setEncoding('latin1');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (c.signal && !signalled && stdout.includes(c.after ?? '')) {
        signalled = true;
        setTimeout(() => child.kill(c.signal), 50);
      }
    });
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Why the corpus cannot run in this build, or undefined. */
export function corpusUnavailable(): string | undefined {
  const frontEnd = path.join(repoRoot, 'dist', 'tracer', 'lang', 'compile.js');
  return fs.existsSync(frontEnd) ? undefined : 'the language front end (tracer/lang/compile.ts) is not in this build yet';
}
