// Runs the ptrace tracer (and with it the whole session) inside a worker thread and turns its
// end into the reply the engine's main side waits for: the exit status, or a one-sentence failure.
import { parentPort } from 'node:worker_threads';
import { UtapError } from '../../errors';
import type { GlobalSnapshot } from '../../runtime/global-snapshot';
import { PtraceTracer, type PtraceRunSpec, type TracerHooks } from './ptrace-tracer';

export type WorkerReply =
  /** --metrics: a copy of the globals, asked for through the control array (not the end of the run). */
  | { kind: 'globals'; globals: GlobalSnapshot[] }
  | { kind: 'done'; status: number }
  | { kind: 'failed'; message: string; status: number; preformatted: boolean }
  | { kind: 'bug'; message: string; stack?: string };

/** Runs the tracer; `hooks` are another engine's additions (the in-process engine's worker). */
export function runWorker(spec: PtraceRunSpec, hooks: Omit<TracerHooks, 'publishGlobals'> = {}): WorkerReply {
  try {
    const publishGlobals = (globals: GlobalSnapshot[]) => parentPort?.postMessage({ kind: 'globals', globals } satisfies WorkerReply);
    return { kind: 'done', status: new PtraceTracer(spec, { ...hooks, publishGlobals }).run() };
  } catch (error) {
    if (error instanceof UtapError) return { kind: 'failed', message: error.message, status: error.status, preformatted: error.preformatted };
    const e = error as Error;
    return { kind: 'bug', message: e?.message ?? String(error), stack: e?.stack };
  }
}

