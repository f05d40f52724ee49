// Entry point of the in-process engine's worker thread: the ptrace engine's tracer, with the
// script's handlers compiled to native code placed in the process (native-handlers.ts) and jump
// patches placed before breakpoints (jump-placer.ts). A script whose handlers cannot all run
// natively runs as on the ptrace engine, every site a breakpoint (-v says why).
import * as fs from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runWorker } from '../ptrace/run-tracer';
import type { PtraceRunSpec, TracerHooks } from '../ptrace/ptrace-tracer';
import { JumpPlacer } from './jump-placer';
import { NativeHandlerSet, nativeRefusal } from './native-handlers';

/** How often the records handlers write are drained while the target runs without stopping. */
const POLL_MS = 20;

function hooks(spec: PtraceRunSpec): Omit<TracerHooks, 'publishGlobals'> {
  const log = (m: string) => spec.verbose && fs.writeSync(2, `utap: inproc: ${m}\n`);
  const refusal = nativeRefusal(spec.plan);
  if (refusal !== undefined) {
    log(`every handler runs in utap, every site is a breakpoint: ${refusal}`);
    return { placer: new JumpPlacer(undefined, `handlers run in utap: ${refusal}`) };
  }
  let handlers: NativeHandlerSet;
  try {
    handlers = new NativeHandlerSet(spec.plan);
  } catch (error) {
    const why = `its handlers could not be compiled to native code (${(error as Error).message})`;
    log(`every handler runs in utap, every site is a breakpoint: ${why}`);
    return { placer: new JumpPlacer(undefined, `handlers run in utap: ${why}`) };
  }
  log('every handler runs natively in the process (eBPF from the script, compiled to x86-64)');
  return {
    placer: new JumpPlacer(handlers, ''),
    openSession: (symbols) => {
      const session = handlers.openSession(spec.session, symbols);
      const close = session.close.bind(session);
      session.close = () => {
        close();
        handlers.close(); // the shared area: read by the end probes until here
      };
      return session;
    },
    poll: () => handlers.drain(),
    pollIntervalMs: POLL_MS,
  };
}

if (!isMainThread && parentPort) {
  const spec = workerData as PtraceRunSpec;
  parentPort.postMessage(runWorker(spec, hooks(spec)));
}
