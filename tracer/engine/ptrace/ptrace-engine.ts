// The ptrace engine as the run pipeline sees it: it starts the worker thread that does all the
// tracing and relays Ctrl-C and SIGTERM to it (through shared memory plus a SIGSTOP to the
// worker's waker process, which makes the worker's blocking waitpid return).
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EXIT_ENVIRONMENT, UtapError } from '../../cli/errors';
import type { Engine, EngineRunRequest } from '../engine';
import { NATIVE_LIBRARY } from './native';
import { compiledScript } from '../../install-paths';
import { CONTROL_STOP, CONTROL_WAKER_PID, type PtraceRunSpec } from './ptrace-tracer';
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
    const control = new Int32Array(new SharedArrayBuffer(8));
    const spec: PtraceRunSpec = {
      plan: request.plan,
      session: request.session,
      pid: request.pid,
      command: request.command,
      pin: request.pin,
      verbose: request.verbose ?? false,
      control,
    };
    const worker = new Worker(compiledScript('tracer/engine/ptrace/ptrace-worker.js'), { workerData: spec, stdout: false, stderr: false });
    const relay = (request_: number) => () => {
      Atomics.store(control, CONTROL_STOP, request_);
      const waker = Atomics.load(control, CONTROL_WAKER_PID);
      if (waker > 0) {
        try {
          process.kill(waker, 'SIGSTOP');
        } catch {
          /* the worker is already finishing */
        }
      }
    };
    const onInt = relay(1);
    const onTerm = relay(2);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const cleanup = () => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
    };
    return new Promise<number>((resolve, reject) => {
      worker.once('message', (reply: WorkerReply) => {
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
  },
};
