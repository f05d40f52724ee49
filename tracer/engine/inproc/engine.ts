// The in-process engine as the run pipeline sees it: attaches with ptrace like the ptrace
// engine (same worker, same guarantees at every exit), and places each site it can as a jump to
// a trampoline that runs the site's handler as native code inside the process, with no stop;
// the other sites get the ptrace engine's breakpoints, and -v says which and why. `auto` takes
// it over ptrace when every handler of the script can run natively (native-handlers.ts).
import type { Engine, EngineRunRequest } from '../engine';
import { ptraceEngine, runTracerWorker } from '../ptrace/ptrace-engine';
import { nativeRefusal } from './native-handlers';

export const inprocEngine: Engine = {
  name: 'inproc',

  unavailable(request: EngineRunRequest): string | undefined {
    return ptraceEngine.unavailable(request)?.replace('the ptrace engine', 'the in-process engine');
  },

  /** auto: only when every handler runs natively (else the ptrace engine is as good, and simpler). */
  fits(request: EngineRunRequest): string | undefined {
    const why = nativeRefusal(request.plan);
    if (why !== undefined) return `${why}, so its handlers would run in utap as on the ptrace engine`;
    // A .return still stops the process twice per call here (the ptrace shadow stack, then a
    // trampoline): measured on psql's SendQuery, slower than the ptrace engine alone.
    const ret = request.plan.sites.find((site) => site.kind === 'return');
    if (ret) return `${ret.pp} is a .return probe, which this engine still handles with two stops per call (slower than the ptrace engine)`;
    return undefined;
  },

  run(request: EngineRunRequest): Promise<number> {
    return runTracerWorker(request, 'tracer/engine/inproc/inproc-worker.js');
  },
};
