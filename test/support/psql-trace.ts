// Running a psql workload under utap the two ways a person does: `utap -c 'psql -f FILE'` and
// `utap -p PID` attached to an interactive psql fed through a pipe. Used by the psql end-to-end
// tests, the examples' tests, the demo and the overhead bench.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runUtap, type RunResult } from './run-utap';
import { utapBin } from './paths';

/** Quotes a word for utap's -c (shell words). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}

export interface TracedRun {
  /** utap's exit status, stdout (the target's output under -c) and stderr. */
  utap: RunResult;
  /** The script's output (utap -o FILE), kept apart from the target's stdout. */
  report: string;
}

/** `utap [utapArgs] -o OUT -c 'ARGV' SCRIPT`: the target's output stays on utap's stdout. */
export async function traceCommand(utapArgs: string[], script: string, argv: string[], workDir: string, timeoutMs = 120_000): Promise<TracedRun> {
  const out = path.join(workDir, `report-${process.hrtime.bigint()}.txt`);
  const utap = await runUtap([...utapArgs, '-o', out, '-c', shellCommand(argv), script], { timeoutMs });
  const report = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  return { utap, report };
}

export interface AttachedRun extends TracedRun {
  /** The interactive client's own exit status and output. */
  client: RunResult;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts `argv` (an interactive psql reading stdin), attaches `utap [utapArgs] -p PID SCRIPT`,
 * and sends `syncStatement` every 200 ms, its output discarded (`\o /dev/null`), until the
 * script's output shows it (proof that the probes are in place: with the lecture's script, the
 * 5-second report names it). Then it sends `statements` and `\q`, and waits for both to end.
 * The sync statement's rows in the report are the caller's to drop.
 */
export async function traceAttached(options: {
  utapArgs: string[];
  script: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  statements: string[];
  syncStatement: string;
  /** What in utap's output proves the probes are in place (default: the sync statement's text). */
  syncMarker?: string;
  timeoutMs?: number;
}): Promise<AttachedRun> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const client = spawn(options.argv[0], options.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
  let clientOut = '', clientErr = '';
  client.stdout!.on('data', (d) => (clientOut += d));
  client.stderr!.on('data', (d) => (clientErr += d));
  const clientDone = new Promise<RunResult>((resolve) =>
    client.on('close', (status, signal) => resolve({ status, signal, stdout: clientOut, stderr: clientErr })),
  );
  const utap = spawn(process.execPath, [utapBin, ...options.utapArgs, '-p', String(client.pid), options.script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let utapOut = '', utapErr = '';
  utap.stdout!.on('data', (d) => (utapOut += d));
  utap.stderr!.on('data', (d) => (utapErr += d));
  let utapExited = false;
  const utapDone = new Promise<RunResult>((resolve) =>
    utap.on('close', (status, signal) => {
      utapExited = true;
      resolve({ status, signal, stdout: utapOut, stderr: utapErr });
    }),
  );
  const killer = setTimeout(() => {
    client.kill('SIGKILL');
    utap.kill('SIGKILL');
  }, timeoutMs);
  try {
    const marker = options.syncMarker ?? options.syncStatement;
    client.stdin!.write('\\o /dev/null\n');
    const deadline = Date.now() + Math.min(timeoutMs, 30_000);
    while (!utapOut.includes(marker)) {
      if (utapExited) break; // utap failed to attach: its stderr says why
      if (Date.now() > deadline) throw new Error(`utap's output never showed '${marker}' within 30 s; stderr: ${utapErr}`);
      client.stdin!.write(options.syncStatement + '\n');
      await sleep(200);
    }
    client.stdin!.write('\\o\n');
    for (const s of options.statements) client.stdin!.write(s + '\n');
    client.stdin!.end('\\q\n');
    const clientResult = await clientDone;
    const utapResult = await utapDone;
    return { client: clientResult, utap: utapResult, report: utapResult.stdout };
  } finally {
    clearTimeout(killer);
    if (client.exitCode === null) client.kill('SIGKILL');
    if (!utapExited) utap.kill('SIGKILL');
  }
}

/** The same client, untraced, fed the same statements: the reference output and status. */
export function runClient(argv: string[], statements: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const client = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '', stderr = '';
    client.stdout!.on('data', (d) => (stdout += d));
    client.stderr!.on('data', (d) => (stderr += d));
    client.on('error', reject);
    client.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    client.stdin!.end(statements.map((s) => s + '\n').join('') + '\\q\n');
  });
}
