// Entry point of the ptrace engine's worker thread: runs the tracer (and with it the whole
// session) and posts back the exit status, or a one-sentence failure.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { UtapError } from '../../errors';
import type { GlobalSnapshot } from '../../runtime/global-snapshot';
import { PtraceTracer, type PtraceRunSpec } from './ptrace-tracer';

export type WorkerReply =
  /** --metrics: a copy of the globals, asked for through the control array (not the end of the run). */
  | { kind: 'globals'; globals: GlobalSnapshot[] }
  | { kind: 'done'; status: number }
  | { kind: 'failed'; message: string; status: number; preformatted: boolean }
  | { kind: 'bug'; message: string; stack?: string };

function runWorker(spec: PtraceRunSpec): WorkerReply {
  try {
    const publishGlobals = (globals: GlobalSnapshot[]) => parentPort?.postMessage({ kind: 'globals', globals } satisfies WorkerReply);
    return { kind: 'done', status: new PtraceTracer(spec, { publishGlobals }).run() };
  } catch (error) {
    if (error instanceof UtapError) return { kind: 'failed', message: error.message, status: error.status, preformatted: error.preformatted };
    const e = error as Error;
    return { kind: 'bug', message: e?.message ?? String(error), stack: e?.stack };
  }
}

if (!isMainThread && parentPort) parentPort.postMessage(runWorker(workerData as PtraceRunSpec));
