// The in-process engine as the run pipeline sees it: attaches with ptrace like the ptrace
// engine (same worker, same guarantees at every exit), and places each site it can as a jump to
// a trampoline that runs the site's handler as native code inside the process, with no stop;
// the other sites get the ptrace engine's breakpoints, and -v says which and why.
import type { Engine, EngineRunRequest } from '../engine';
import { ptraceEngine, runTracerWorker } from '../ptrace/ptrace-engine';

export const inprocEngine: Engine = {
  name: 'inproc',

  unavailable(request: EngineRunRequest): string | undefined {
    return ptraceEngine.unavailable(request)?.replace('the ptrace engine', 'the in-process engine');
  },

  fits(): string | undefined {
    return 'no handler of this build runs natively in the process yet (the eBPF-to-x86 compiler is not merged), so every site would be a breakpoint';
  },

  run(request: EngineRunRequest): Promise<number> {
    return runTracerWorker(request, 'tracer/engine/inproc/inproc-worker.js');
  },
};
