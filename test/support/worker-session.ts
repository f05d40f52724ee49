// Runs a session inside a worker_threads Worker the way the ptrace engine does: the plan
// arrives as structured-cloned plain data, the worker's loop blocks (Atomics.wait here, waitpid
// there) instead of running an event loop, output goes to fd 1 with writeSync, and a stop
// request from the main thread (Ctrl-C) arrives through shared memory.
//
//   node dist/test/support/worker-session.js PROGRAM     (PROGRAM: see driver-child.ts)
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { PlanIR } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { openSession } from '../../tracer/runtime/open-session';
import { fireDueTimers, monotonicNs, TimerSchedule } from '../../tracer/runtime/timer-schedule';
import { program } from './driver-child';

interface Data {
  plan: PlanIR;
  /** [0]: 1 when the main thread asks to stop (SIGINT). */
  stop: Int32Array;
}

function workerMain(data: Data): void {
  const session = openSession(data.plan, { json: false });
  session.begin();
  const schedule = new TimerSchedule(data.plan.timers, monotonicNs());
  let delay = schedule.delayNs(monotonicNs());
  while (session.running) {
    // Block like waitpid would, but wake for a stop request or the next timer.
    Atomics.wait(data.stop, 0, 0, delay === undefined ? 1000 : Math.max(1, Number(delay / 1_000_000n)));
    if (Atomics.load(data.stop, 0) === 1) session.stop('SIGINT');
    else delay = fireDueTimers(session, schedule);
  }
  parentPort!.postMessage(session.finish());
  session.close();
}

if (isMainThread) {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(__filename, { workerData: { plan: buildPlan(program(process.argv[2])), stop } satisfies Data });
  process.on('SIGINT', () => {
    Atomics.store(stop, 0, 1);
    Atomics.notify(stop, 0);
  });
  worker.on('message', (status: number) => {
    process.exitCode = status;
    process.removeAllListeners('SIGINT');
  });
  worker.on('error', (error) => {
    process.stderr.write(`worker failed: ${error.stack}\n`);
    process.exitCode = 70;
  });
} else {
  workerMain(workerData as Data);
}
