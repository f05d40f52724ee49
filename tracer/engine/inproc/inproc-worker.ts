// Entry point of the in-process engine's worker thread: the ptrace engine's tracer, with the
// script's handlers compiled to native code placed in the process (native-handlers.ts) and jump
// patches placed before breakpoints (jump-placer.ts). A script whose handlers cannot all run
// natively runs as on the ptrace engine, every site a breakpoint (-v says why).
import * as fs from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runWorker } from '../ptrace/run-tracer';
import type { PtraceRunSpec, TracerHooks } from '../ptrace/ptrace-tracer';
import { EXIT_SCRIPT_ERROR } from '../../errors';
import { JumpPlacer } from './jump-placer';
import { NativeHandlerSet, nativeRefusal } from './native-handlers';

/**
 * How often utap drains the records handlers write while the target runs without stopping: the
 * 4 MiB ring holds about 100 000 printf records, which a busy target writes in a few ms.
 */
const POLL_RECORDS_MS = 1;
const POLL_IDLE_MS = 100;

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
      // incomplete output never passes for complete (as on the uprobe engine)
      const finish = session.finish.bind(session);
      session.finish = (status) => {
        const lost = handlers.lostRecords();
        const skipped = handlers.busySkips();
        const result = finish(status !== 0 ? status : lost + skipped > 0 ? EXIT_SCRIPT_ERROR : 0);
        if (lost > 0) fs.writeSync(2, `utap: warning: ${lost === 1 ? '1 record' : `${lost} records`} from the handlers in the process (printf output) could not be sent: the ring buffer to utap was full, so the output is incomplete; print less per hit, or count and aggregate in the handler.\n`);
        if (skipped > 0) fs.writeSync(2, `utap: warning: ${skipped} probe hits were not counted: a handler in the process was interrupted (a signal handler hit a probe) while its scratch memory was in use.\n`);
        return result;
      };
      return session;
    },
    poll: () => handlers.drain(),
    pollIntervalMs: handlers.sendsRecords ? POLL_RECORDS_MS : POLL_IDLE_MS,
  };
}

if (!isMainThread && parentPort) {
  const spec = workerData as PtraceRunSpec;
  parentPort.postMessage(runWorker(spec, hooks(spec)));
}
