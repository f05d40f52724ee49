// `utap [options] SCRIPT` — the run pipeline:
//
//   read the script (file or -e) → compileScript (lang: parse, check, lower → ProgramIR)
//   → buildPlan (begin/end/error/timers, process probes resolved to sites)
//   → no process probes: a Session driven on the main thread (timers, signals, -p/-c lifetime)
//     process probes:    an engine (chooseEngine), which runs the session where its loop is
//   → exit status: 0, 1 (script error, runtime error), 2 (environment)
//
// Under -v every pass prints its time on stderr. What every run uses (reading and compiling the
// script) is imported; a module only some runs reach (the planner, the engines, the main-thread
// driver, --metrics) is required where that run reaches it, so `utap -e 'probe begin { exit() }'`
// pays for nothing it does not use, nor `--stop-after check` for planning.
import type { PlanIR, ProgramIR } from '../ir/ir';
import { compileScript } from '../lang/compile';
import { checkSourceText, readSourceFile } from '../lang/read-source';
import type { SessionSpec } from '../runtime/open-session';
import { environmentError, EXIT_ENVIRONMENT, UtapError } from '../errors';
import type { RunOptions } from './options';

/** Times passes for -v: `utap: pass 2 (parse, check, lower): 1.8 ms`. */
class PassLog {
  private number = 0;
  constructor(private readonly verbose: boolean) {}

  log(message: string): void {
    if (this.verbose) process.stderr.write(`utap: ${message}\n`);
  }

  pass<T>(name: string, work: () => T): T {
    const started = process.hrtime.bigint();
    const result = work();
    this.report(name, started);
    return result;
  }

  async passAsync<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const result = await work();
    this.report(name, started);
    return result;
  }

  private report(name: string, started: bigint): void {
    this.number++;
    this.log(`pass ${this.number} (${name}): ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`);
  }
}

interface ScriptSource {
  text: string;
  /** The name locations use: the file path as given, or `<input>` for -e. */
  file: string;
}

function readScript(options: RunOptions): ScriptSource {
  if (options.scriptText !== undefined) {
    checkSourceText(options.scriptText, 'given with -e');
    return { text: options.scriptText, file: '<input>' };
  }
  const file = options.scriptFile!;
  return { text: readSourceFile(file, 'utf8'), file };
}

let engineRan = false;

/** Whether this process ran a script on an engine (a trace of process probes), to its end. */
export function ranAnEngine(): boolean {
  return engineRan;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const passes = new PassLog(options.verbose);
  const script = passes.pass('read script', () => readScript(options));
  const program = passes.pass('parse, check, lower', () =>
    compileScript({
      text: script.text,
      file: script.file,
      scriptArgs: options.scriptArgs,
      defines: options.defines,
      includeDirs: options.includeDirs,
      guru: options.guru,
      unoptimized: options.unoptimized,
      hasTarget: options.pid !== undefined || options.command !== undefined,
      warningsAsErrors: options.warningsAsErrors,
      noWarnings: options.noWarnings,
      stopAfter: options.stopAfter,
    }),
  );
  if (!program) return 0;
  // A script with process probes will place some: engines start their slow kernel set-up now,
  // while the script is planned (kernel-helper/uprobe-warmup.ts).
  const hasProcessProbes = program.probes.some((p) => p.points.some((pt) => pt.components[0]?.name === 'process'));
  const warmUp = hasProcessProbes ? (require('../engine/choose') as typeof import('../engine/choose')).warmUpEngines(options.engine) : undefined;
  try {
    return await planAndRun(options, passes, script, program);
  } finally {
    warmUp?.release();
  }
}


/** --metrics: the endpoint is up before any probe fires; `program` is the plan's (its StatsUse lists the histograms). */
async function startMetrics(options: RunOptions, passes: PassLog, program: ProgramIR): Promise<import('../metrics/live-metrics').LiveMetrics | undefined> {
  if (options.metrics === undefined) return undefined;
  const { parseListenAddress } = require('../metrics/metrics-server') as typeof import('../metrics/metrics-server');
  const { LiveMetrics } = require('../metrics/live-metrics') as typeof import('../metrics/live-metrics');
  const live = await LiveMetrics.start(parseListenAddress(options.metrics), program, options.handlerName);
  passes.log(`metrics: serving the globals at http://${live.address.host.includes(':') ? `[${live.address.host}]` : live.address.host}:${live.address.port}/metrics`);
  return live;
}

async function planAndRun(options: RunOptions, passes: PassLog, script: ScriptSource, program: ProgramIR): Promise<number> {
  const { buildPlan } = require('../plan/plan') as typeof import('../plan/plan');
  const plan: PlanIR = passes.pass('plan', () => {
    // Process probe points are resolved lazily: a script of begin/end/timer probes opens no binary.
    let resolver: ReturnType<typeof import('../plan/probe-resolver').createProbeResolver> | undefined;
    try {
      return buildPlan(program, {
        targetPid: options.pid,
        log: (message) => passes.log(message),
        resolveProcessProbe: (probe, point, context) => {
          if (!resolver) {
            const { createProbeResolver } = require('../plan/probe-resolver') as typeof import('../plan/probe-resolver');
            const { terminalProgress } = require('./progress') as typeof import('./progress');
            resolver = createProbeResolver({ targetPid: options.pid, command: options.command, progress: terminalProgress(), log: (message) => passes.log(message) });
          }
          return resolver.resolve(probe, point, context);
        },
        resolveProgram: (arg, point) => {
          const { BinaryCatalog } = require('../plan/binaries') as typeof import('../plan/binaries');
          return new BinaryCatalog({ targetPid: options.pid, command: options.command }).executableFor({ process: arg, kind: 'function', pattern: { name: '*' } }, point.text);
        },
      });
    } finally {
      resolver?.close();
    }
  });
  const spec: SessionSpec = { json: options.json, outputFile: options.outputFile, targetPid: options.pid, noWarnings: options.noWarnings };
  const metrics = await startMetrics(options, passes, plan.program);
  try {
    return await run(options, passes, script, plan, spec, metrics);
  } finally {
    await metrics?.close();
  }
}

async function run(options: RunOptions, passes: PassLog, script: ScriptSource, plan: PlanIR, spec: SessionSpec, metrics: import('../metrics/live-metrics').LiveMetrics | undefined): Promise<number> {

  if (plan.sites.length > 0 || (plan.lifecycle?.length ?? 0) > 0) {
    const { chooseEngine } = require('../engine/choose') as typeof import('../engine/choose');
    const request = {
      plan,
      session: spec,
      pid: options.pid,
      command: options.command,
      pin: options.pin,
      guru: options.guru,
      handlerName: options.handlerName,
      detach: options.detach,
      script: { file: script.file, text: script.text },
      verbose: options.verbose,
      log: (message: string) => passes.log(message),
      publishGlobals: metrics && ((read: () => Promise<import('../runtime/global-snapshot').GlobalSnapshot[]>) => metrics.publish(read)),
    };
    const engine = chooseEngine(options.engine, request);
    const status = await passes.passAsync(`run on the ${engine.name} engine`, () => engine.run(request));
    engineRan = true;
    return status;
  }

  const { driveOnMainThread } = require('../runtime/main-thread-driver') as typeof import('../runtime/main-thread-driver');
  const { untraceableTarget } = require('../engine/target-refusal') as typeof import('../engine/target-refusal');
  const untraceable = options.pid === undefined ? undefined : untraceableTarget(options.pid);
  if (untraceable) throw new UtapError(untraceable, EXIT_ENVIRONMENT);
  const { openSession } = require('../runtime/open-session') as typeof import('../runtime/open-session');
  const session = passes.pass('compile handlers', () => {
    try {
      return openSession(plan, spec);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && spec.outputFile !== undefined) throw environmentError(`cannot write the output file '${spec.outputFile}' (${code}); check the path and permissions.`, error);
      throw error;
    }
  });
  passes.log('engine: none needed (no probes inside processes); running on the main thread');
  if (metrics) {
    const { snapshotGlobals } = require('../runtime/global-snapshot') as typeof import('../runtime/global-snapshot');
    metrics.publish(async () => snapshotGlobals(plan.program.globals, session.globals));
  }
  const status = await passes.passAsync('run', () =>
    driveOnMainThread(session, {
      watchPid: options.pid,
      command: options.command,
      onChildStarted: (pid) => session.setTarget(pid),
    }),
  );
  session.close();
  return status;
}
