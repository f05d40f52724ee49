// The ptrace engine as the run pipeline sees it: it starts the worker thread that does all the
// tracing and relays the stop signals (Ctrl-C, SIGTERM, SIGHUP) to it (through shared memory plus a
// SIGSTOP to the worker's waker process, which makes the worker's blocking waitpid return).
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EXIT_ENVIRONMENT, UtapError } from '../../errors';
import type { Engine, EngineRunRequest } from '../engine';
import { NATIVE_LIBRARY } from './native';
import { compiledScript } from '../../install-paths';
import type { GlobalSnapshot } from '../../runtime/global-snapshot';
import { StopSignals, stopSignalCode } from '../../runtime/stop-signals';
import { CONTROL_SLOTS, CONTROL_SNAPSHOT, CONTROL_STOP, CONTROL_WAKER_PID, type PtraceRunSpec } from './ptrace-tracer';
import type { WorkerReply } from './ptrace-worker';

export const ptraceEngine: Engine = {
  name: 'ptrace',

  unavailable(request: EngineRunRequest): string | undefined {
    if (request.pid === undefined && request.command === undefined) {
      return 'the ptrace engine traces one process: give -p PID or -c COMMAND (system-wide probes need the uprobe engine)';
    }
    if (!fs.existsSync(NATIVE_LIBRARY)) return `utap's native helper ${NATIVE_LIBRARY} is missing; run npm run build`;
    return undefined;
  },

  run(request: EngineRunRequest): Promise<number> {
    return runTracerWorker(request, 'tracer/engine/ptrace/ptrace-worker.js');
  },
};

/**
 * Runs a PtraceTracer in a worker thread started from `workerScript` (this engine's, or one
 * that gives the tracer more hooks: the in-process engine's) and relays signals and scrapes.
 */
export function runTracerWorker(request: EngineRunRequest, workerScript: string): Promise<number> {
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  const spec: PtraceRunSpec = {
    plan: request.plan,
    session: request.session,
    pid: request.pid,
    command: request.command,
    pin: request.pin,
    verbose: request.verbose ?? false,
    control,
  };
  const worker = new Worker(compiledScript(workerScript), { workerData: spec, stdout: false, stderr: false });
  const wake = () => {
    const waker = Atomics.load(control, CONTROL_WAKER_PID);
    if (waker > 0) {
      try {
        process.kill(waker, 'SIGSTOP');
      } catch {
        /* the worker is already finishing */
      }
    }
  };
  // The stop signals (runtime/stop-signals.ts) go to the worker, which stops its session as the
  // session driver would.
  const signals = new StopSignals();
  signals.forward((signal) => {
    Atomics.store(control, CONTROL_STOP, stopSignalCode(signal));
    wake();
  });
  const cleanup = () => signals.close();
  // --metrics: the worker copies the globals when woken (between two hits) and posts them.
  let lastGlobals: GlobalSnapshot[] = [];
  let waiting: Array<(globals: GlobalSnapshot[]) => void> = [];
  request.publishGlobals?.(
    () =>
      new Promise<GlobalSnapshot[]>((resolveGlobals) => {
        waiting.push(resolveGlobals);
        Atomics.add(control, CONTROL_SNAPSHOT, 1);
        wake();
        // Before the loop runs (attaching) or after it ended, the last copy serves.
        setTimeout(() => {
          waiting = waiting.filter((w) => w !== resolveGlobals);
          resolveGlobals(lastGlobals);
        }, 1000).unref();
      }),
  );
  return new Promise<number>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'globals') {
        lastGlobals = reply.globals;
        for (const w of waiting) w(lastGlobals);
        waiting = [];
        return;
      }
      cleanup();
      if (reply.kind === 'done') resolve(reply.status);
      else if (reply.kind === 'failed') reject(new UtapError(reply.message, reply.status ?? EXIT_ENVIRONMENT, reply.preformatted));
      else {
        const error = new Error(reply.message);
        if (reply.stack) error.stack = reply.stack;
        reject(error);
      }
    });
    worker.once('error', (error) => {
      cleanup();
      reject(error);
    });
  });
}
