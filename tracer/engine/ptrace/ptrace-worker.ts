// Entry point of the ptrace engine's worker thread (run-tracer.ts does the work).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PtraceRunSpec } from './ptrace-tracer';
import { runWorker } from './run-tracer';

export type { WorkerReply } from './run-tracer';

if (!isMainThread && parentPort) parentPort.postMessage(runWorker(workerData as PtraceRunSpec));
