// The contract between the run pipeline and an engine that places probes inside processes.
// An engine gets the plan (every probe resolved to sites) and a SessionSpec, creates the Session
// where its loop runs (openSession; in a worker thread for ptrace), drives it — hits, timers,
// stop on signals or target exit: runtime/session-driver.ts on the main thread's event loop,
// TimerSchedule/fireDueTimers and stopSignalOf in a blocking thread — and resolves with
// session.finish()'s status.
import type { PlanIR } from '../ir/ir';
import type { GlobalSnapshot } from '../runtime/global-snapshot';
import type { SessionSpec } from '../runtime/open-session';

export type EngineName = 'ptrace' | 'uprobe' | 'inproc';

export interface EngineRunRequest {
  plan: PlanIR;
  session: SessionSpec;
  /** -p */
  pid?: number;
  /** -c (shell words) */
  command?: string;
  /** --pin */
  pin: boolean;
  /** -g */
  guru: boolean;
  /** --name / --detach (uprobe engine) */
  handlerName?: string;
  detach: boolean;
  /** The script's text and file name (registered handlers keep them in their description). */
  script?: { file: string; text: string };
  /** uprobe engine: place the sites the kernel refuses with a ptrace sidecar (set by the `auto` choice). */
  ptraceForRefused?: boolean;
  /** -v given (engines running in another thread print their own diagnostics). */
  verbose?: boolean;
  /** -v: one line of diagnostics on stderr (engine decisions, per-probe placement). */
  log(message: string): void;
  /**
   * --metrics: the engine hands over, once its session exists, how to read every global's
   * current value (a copy, taken without stopping the target) for a scrape.
   */
  publishGlobals?(read: () => Promise<GlobalSnapshot[]>): void;
}

export interface Engine {
  readonly name: EngineName;
  /** Undefined when this engine can run `request` on this machine now; else one sentence why not. */
  unavailable(request: EngineRunRequest): string | undefined;
  /**
   * `auto` only: undefined when this engine is the better choice for `request` (it can run it
   * here), else one sentence why not; engines without it are chosen when available.
   */
  fits?(request: EngineRunRequest): string | undefined;
  /** Runs the script to its end; resolves with the exit status (session.finish()). */
  run(request: EngineRunRequest): Promise<number>;
}
