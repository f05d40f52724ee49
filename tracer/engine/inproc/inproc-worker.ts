// Entry point of the in-process engine's worker thread: the ptrace engine's tracer, with jump
// patches placed before breakpoints (jump-placer.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runWorker } from '../ptrace/run-tracer';
import type { PtraceRunSpec } from '../ptrace/ptrace-tracer';
import { JumpPlacer } from './jump-placer';

if (!isMainThread && parentPort) parentPort.postMessage(runWorker(workerData as PtraceRunSpec, { placer: new JumpPlacer(undefined) }));
