// A run of one script: the state machine an engine drives.
//
//   new Session(plan, options)     compiles every handler to JS, creates the globals' stores
//   session.begin()                runs the `begin` probes
//   while (session.running)        the engine's loop:
//     session.hit(siteId, ctx)       a process probe fired (ptrace stop, event-mode record)
//     session.timer(i)               timer i is due (see TimerSchedule)
//     session.stop(reason)           Ctrl-C, SIGTERM, the target exited, ...
//   status = session.finish()      `end` probes (or `error` probes after a runtime error),
//                                  the --json globals, the final flush; the exit status
//
// `running` turns false when a handler calls exit() (the handler finishes first), when a runtime
// error happens (the handler is abandoned, `ERROR: ...` is printed; with -D MAXERRORS=N the first
// N errors abandon only their handler, and the run ends with a count of them), or on stop(). After that,
// hit() and timer() do nothing. finish() runs the `end` probes — unless a runtime error
// happened, in which case it runs the `error` probes instead and the status is 1, as in
// SystemTap.
//
// Everything here is synchronous and uses no event loop, timers or streams: a session runs
// unchanged inside a worker thread whose loop blocks in waitpid. Output goes to an OutputSink
// (fs.writeSync on fd 1 or the -o file).
import type { Expr, PlanIR, PlannedHandler } from '../ir/ir';
import { compileProgram, type CompiledProgram, type HandlerToCompile } from './handler-compiler';
import { createGlobalStores } from './memory-storage';
import { NoThreadContext } from './no-thread-context';
import { FdSink, type OutputSink } from './output-sink';
import type { ProbeContext } from './probe-context';
import { ScriptRuntimeError } from './runtime-error';
import { defaultServices, type RuntimeServices } from './runtime-services';
import { maxContentLength, toText } from './script-string';
import type { GlobalStore, Scalar, StorageProvider } from './storage';

// Loaded when first needed: most runs print no error and no JSON, and most scripts read every
// global they write (so nothing is displayed at the end).
const loadJsonOutput = () => require('./json-output') as typeof import('./json-output');
const errorReport = () => require('./error-report') as typeof import('./error-report');
const unreadGlobals = () => require('../ir/unread-globals') as typeof import('../ir/unread-globals');
const globalDisplay = () => require('./global-display') as typeof import('./global-display');

export interface SessionOptions {
  /** Script output (stdout or the -o file). Default: fd 1. */
  output?: OutputSink;
  /** Runtime error messages. Default: fd 2, written at once. */
  errors?: OutputSink;
  /** --json: JSON lines instead of text. */
  json?: boolean;
  /** Substitutes stores for some globals (the uprobe engine's BPF maps); JS memory otherwise. */
  storage?: StorageProvider;
  /** Symbolization for usymname()/umodname()/ubacktrace printing. */
  services?: Partial<RuntimeServices>;
  /** What target() returns in begin/end/error/timer probes: the -p/-c process, 0 without one. */
  targetPid?: number;
  /** -w: warn() prints nothing. */
  noWarnings?: boolean;
}

export type SessionState = 'ready' | 'running' | 'stopping' | 'finished';

/** Why a session ended: exit() in a handler, a runtime error, or what the driver passed to stop(). */
export type EndReason = 'exit' | 'error' | 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'target-exited' | (string & {});

interface Slot {
  /** Index in the compiled program's handler table. */
  index: number;
  pp: string;
  interruptible: boolean;
}

export class Session {
  private readonly compiled: CompiledProgram;
  private readonly stores: GlobalStore[];
  private readonly output: OutputSink;
  private readonly errors: OutputSink;
  private readonly json: boolean;
  private readonly jsonLine: ((record: object) => string) | undefined;
  private readonly beginSlots: Slot[] = [];
  private readonly endSlots: Slot[] = [];
  private readonly errorSlots: Slot[] = [];
  private readonly timerSlots: Slot[] = [];
  private readonly siteSlots = new Map<number, Slot>();
  private readonly captureIndex = new Map<number, number>();
  private readonly noThread = new Map<string, ProbeContext>();
  private readonly maxAction: number;
  private readonly maxActionInterruptible: number;
  private exitRequested = false;
  /** abort() was called: finish() skips the `end` probes. */
  private aborted = false;
  private status = 0;
  /** Runtime errors so far, and how many SystemTap's -D MAXERRORS=N lets a script survive (default 0). */
  private errorCount = 0;
  private readonly maxErrors: number;
  private targetPid: number;
  private readonly warned = new Set<string>();

  state: SessionState = 'ready';
  endReason: EndReason | undefined;
  /** A runtime error happened: the error probes run at finish() and the status is 1. */
  failed = false;

  constructor(readonly plan: PlanIR, private readonly options: SessionOptions = {}) {
    const program = plan.program;
    this.output = options.output ?? new FdSink(1);
    this.errors = options.errors ?? new FdSink(2, false, 0);
    this.json = options.json ?? false;
    this.jsonLine = this.json ? loadJsonOutput().jsonLine : undefined;
    this.targetPid = options.targetPid ?? 0;
    this.stores = createGlobalStores(program.globals, options.storage);
    this.maxAction = program.limits.maxAction;
    const maxErrors = Number(program.limits.extra.MAXERRORS);
    this.maxErrors = Number.isInteger(maxErrors) && maxErrors > 0 ? maxErrors : 0;
    const interruptible = Number(program.limits.extra.MAXACTION_INTERRUPTIBLE);
    this.maxActionInterruptible = Number.isFinite(interruptible) && interruptible > 0 ? interruptible : program.limits.maxAction * 10;

    const toCompile: HandlerToCompile[] = [];
    const slot = (h: PlannedHandler, probefunc: string, isInterruptible: boolean): Slot => {
      toCompile.push({ handler: h.handler, pp: h.pp, probefunc });
      return { index: toCompile.length - 1, pp: h.pp, interruptible: isInterruptible };
    };
    for (const h of plan.begin) this.beginSlots.push(slot(h, '', true));
    for (const h of plan.end) this.endSlots.push(slot(h, '', true));
    for (const h of plan.error) this.errorSlots.push(slot(h, '', true));
    for (const h of plan.timers) this.timerSlots.push(slot(h, '', false));
    const captures: Expr[][] = [];
    for (const site of plan.sites) {
      this.siteSlots.set(site.id, slot(site, site.function, false));
      if (site.entryCaptures.length > 0) {
        this.captureIndex.set(site.id, captures.length);
        captures.push(site.entryCaptures);
      }
    }
    for (const probe of plan.lifecycle ?? []) this.siteSlots.set(probe.id, slot(probe, '', false));
    this.compiled = compileProgram({
      program,
      handlers: toCompile,
      entryCaptures: captures,
      stores: this.stores,
      emit: (text, pp) => this.print(text, pp),
      exit: () => {
        this.exitRequested = true;
      },
      warn: (message) => {
        // as SystemTap: each distinct warning once, none with -w
        const text = toText(message);
        if (options.noWarnings || this.warned.has(text)) return;
        this.warned.add(text);
        this.output.flush(); // what the script printed before comes first
        this.errors.write(`WARNING: ${text}\n`);
        this.errors.flush();
      },
      abort: () => {
        this.exitRequested = true;
        this.aborted = true;
      },
      services: withDefaults(options.services),
    });
  }

  /** True while probes should fire: after begin(), before exit()/an error/stop(). */
  get running(): boolean {
    return this.state === 'running';
  }

  /** The globals' stores, by global index (engines that mirror them, tests). */
  get globals(): readonly GlobalStore[] {
    return this.stores;
  }

  /** The generated JavaScript of every handler (for -v dumps). */
  get generatedSource(): string {
    return this.compiled.source;
  }

  /**
   * Runs the `begin` probes. SystemTap combines the probes of one begin point (`begin`,
   * `begin(5)`) into one handler whose parts are isolated: exit() or a runtime error in one part
   * does not keep the other parts of that point from running; the later begin points do not run
   * then, and the run ends (through the end probes after exit(), the error probes after an
   * error). abort() stops everything at once.
   */
  begin(): void {
    if (this.state !== 'ready') throw new Error(`Session.begin() called in state ${this.state}`);
    this.state = 'running';
    let stoppedAt: string | undefined;
    for (const s of this.beginSlots) {
      if (this.state !== 'running' && (this.aborted || s.pp !== stoppedAt)) break;
      const before = this.state;
      this.run(s, this.contextFor(s.pp));
      if (before === 'running' && this.state !== 'running') stoppedAt = s.pp;
    }
  }

  /** A process probe fired: runs site `siteId`'s handler on the hit's context. */
  hit(siteId: number, ctx: ProbeContext): void {
    if (this.state !== 'running') return;
    const s = this.siteSlots.get(siteId);
    if (s === undefined) throw new Error(`no probe site ${siteId} in this plan`);
    this.run(s, ctx);
  }

  /**
   * At the entry of a function with a `return` site: the values that site's handler will read
   * as `entry` nodes (ProbeSiteIR.entryCaptures). The engine keeps them per thread (and call
   * depth) and answers ctx.entryValue(i) from them at the return. Undefined when the site
   * captures nothing or the session is not running (or the capture failed: the error is
   * reported and the session ends as for any runtime error).
   */
  captureEntry(siteId: number, ctx: ProbeContext): Scalar[] | undefined {
    if (this.state !== 'running') return undefined;
    const index = this.captureIndex.get(siteId);
    if (index === undefined) return undefined;
    const pp = this.siteSlots.get(siteId)?.pp ?? '';
    try {
      return this.compiled.capture(index, ctx, this.maxAction);
    } catch (error) {
      if (!(error instanceof ScriptRuntimeError)) throw error;
      this.fail(error, pp);
      return undefined;
    }
  }

  /** Timer `index` (PlanIR.timers order) is due. */
  timer(index: number): void {
    if (this.state !== 'running') return;
    const s = this.timerSlots[index];
    if (s === undefined) throw new Error(`no timer ${index} in this plan`);
    this.run(s, this.contextFor(s.pp));
  }

  /** Ends the session from outside (signal, target exit); finish() then runs the `end` probes. */
  stop(reason: EndReason): void {
    if (this.state === 'running' || this.state === 'ready') {
      this.state = 'stopping';
      this.endReason ??= reason;
    }
  }

  /**
   * Runs the `end` probes (or, after a runtime error, the `error` probes), writes the --json
   * globals and the exit record, flushes, and returns the exit status: 1 after a runtime error,
   * else `outcome` — what the engine says of the run besides the script (a -c command's exit
   * status, 1 for lost records), 0 by default. Idempotent.
   */
  finish(outcome = 0): number {
    if (this.state === 'finished') return this.status;
    if (this.state === 'running' || this.state === 'ready') {
      this.state = 'stopping';
      this.endReason ??= 'stop';
    }
    if (!this.failed && !this.aborted) {
      for (const s of this.endSlots) {
        this.run(s, this.contextFor(s.pp));
        if (this.failed) break;
      }
      if (!this.failed && !this.json) this.displayUnreadGlobals();
    }
    if (this.failed) for (const s of this.errorSlots) this.run(s, this.contextFor(s.pp));
    this.status = this.failed || this.errorCount > 0 ? 1 : outcome;
    if (this.errorCount > 0) {
      // as SystemTap's runtime, after a fatal error too
      this.output.flush();
      this.errors.write(`WARNING: Number of errors: ${this.errorCount}, skipped probes: 0\n`);
    }
    if (this.json) {
      const { globalRecord, jsonLine } = loadJsonOutput();
      for (const decl of this.plan.program.globals) this.output.write(jsonLine(globalRecord(decl, this.stores[decl.index])));
      this.output.write(jsonLine({ type: 'exit', status: this.status, reason: this.endReason ?? 'stop' }));
    }
    this.state = 'finished';
    this.output.flush();
    this.errors.flush();
    return this.status;
  }

  /** SystemTap's closing print of the globals the script writes but never reads. */
  private displayUnreadGlobals(): void {
    const program = this.plan.program;
    const unread = unreadGlobals().unreadGlobals(program);
    if (unread.length === 0) return;
    const { globalDisplay: display } = globalDisplay();
    const maxContent = maxContentLength(program.limits.maxStringLen);
    for (const decl of unread) this.output.write(display(decl, this.stores[decl.index], maxContent));
  }

  /** The traced process became known (the -c child was started): target() returns it from now on. */
  setTarget(pid: number): void {
    this.targetPid = pid;
    this.noThread.clear();
  }

  /** Writes out buffered output; call before blocking. Cheap when nothing is pending. */
  flush(): void {
    if (this.output.pending) this.output.flush();
  }

  /** Closes the -o file (after finish()). */
  close(): void {
    this.output.close();
    this.errors.flush();
  }

  private run(s: Slot, ctx: ProbeContext): void {
    try {
      this.compiled.run(s.index, ctx, s.interruptible ? this.maxActionInterruptible : this.maxAction);
    } catch (error) {
      if (!(error instanceof ScriptRuntimeError)) throw error;
      this.fail(error, s.pp);
    }
    if (this.exitRequested && this.state === 'running') {
      this.state = 'stopping';
      this.endReason ??= this.aborted ? 'abort' : 'exit';
    }
  }

  private fail(error: ScriptRuntimeError, pp: string): void {
    // -D MAXERRORS=N: the first N errors abandon only the handler they happen in
    const survivable = ++this.errorCount <= this.maxErrors;
    if (!survivable) {
      this.failed = true;
      if (this.state === 'running') this.state = 'stopping';
      this.endReason ??= 'error';
    }
    this.output.flush(); // what the script printed before the error comes first
    this.errors.write(errorReport().formatRuntimeError(error.message, error.loc, this.plan.program.sources));
    this.errors.flush();
    if (this.json) {
      const { file, line, column } = error.loc;
      this.output.write(loadJsonOutput().jsonLine({ type: 'error', message: error.message, file, line, column, probe: toText(pp) }));
    }
  }

  private print(text: string, pp: string): void {
    if (this.jsonLine) this.output.write(this.jsonLine({ type: 'print', probe: toText(pp), text: toText(text) }));
    else this.output.write(text);
  }

  private contextFor(pp: string): ProbeContext {
    let ctx = this.noThread.get(pp);
    if (ctx === undefined) {
      ctx = new NoThreadContext(pp, this.targetPid);
      this.noThread.set(pp, ctx);
    }
    return ctx;
  }
}

/** The services given (an object or a class instance: methods are bound), the defaults for the rest. */
function withDefaults(given: Partial<RuntimeServices> | undefined): RuntimeServices {
  const pick = <K extends keyof RuntimeServices>(name: K): RuntimeServices[K] => {
    const f = given?.[name];
    return (f ? (f as (...a: never[]) => unknown).bind(given) : defaultServices[name]) as RuntimeServices[K];
  };
  return { usymname: pick('usymname'), umodname: pick('umodname'), sprintUbacktrace: pick('sprintUbacktrace'), addressText: pick('addressText') };
}
