// `utap [options] SCRIPT` — the run pipeline:
//
//   read the script (file or -e) → compileScript (lang: parse, check, lower → ProgramIR)
//   → buildPlan (begin/end/error/timers, process probes resolved to sites)
//   → no process probes: a Session driven on the main thread (timers, signals, -p/-c lifetime)
//     process probes:    an engine (chooseEngine), which runs the session where its loop is
//   → exit status: 0, 1 (script error, runtime error), 2 (environment)
//
// Under -v every pass prints its time on stderr. Modules are loaded only when their pass runs,
// so `utap -e 'probe begin { exit() }'` pays for nothing it does not use.
import * as fs from 'node:fs';
import type { PlanIR, ProgramIR } from '../ir/ir';
import type { SessionSpec } from '../runtime/open-session';
import { environmentError, EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from './errors';
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
  if (options.scriptText !== undefined) return { text: options.scriptText, file: '<input>' };
  const file = options.scriptFile!;
  try {
    return { text: fs.readFileSync(file, 'utf8'), file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new UtapError(`cannot read script file '${file}': ${why}.`, EXIT_SCRIPT_ERROR);
  }
}

/** The front end's entry point, as run-command calls it. */
interface FrontEnd {
  compileScript(input: {
    text: string;
    file: string;
    scriptArgs: string[];
    defines: RunOptions['defines'];
    includeDirs: string[];
    guru: boolean;
    stopAfter?: 'parse' | 'check';
  }): ProgramIR | undefined;
}

function loadFrontEnd(): FrontEnd {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('../lang/compile') as FrontEnd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes('lang/compile')) {
      throw new UtapError('the script language front end is not part of this build yet, so scripts cannot be compiled.', EXIT_ENVIRONMENT);
    }
    throw error;
  }
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
    loadFrontEnd().compileScript({
      text: script.text,
      file: script.file,
      scriptArgs: options.scriptArgs,
      defines: options.defines,
      includeDirs: options.includeDirs,
      guru: options.guru,
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

async function planAndRun(options: RunOptions, passes: PassLog, script: ScriptSource, program: ProgramIR): Promise<number> {
  const { buildPlan } = require('../plan/plan') as typeof import('../plan/plan');
  const plan: PlanIR = passes.pass('plan', () => {
    // Process probe points are resolved lazily: a script of begin/end/timer probes opens no binary.
    let resolver: ReturnType<typeof import('../plan/probe-resolver').createProbeResolver> | undefined;
    try {
      return buildPlan(program, {
        targetPid: options.pid,
        resolveProcessProbe: (probe, point, context) => {
          if (!resolver) {
            const { createProbeResolver } = require('../plan/probe-resolver') as typeof import('../plan/probe-resolver');
            const { terminalProgress } = require('./progress') as typeof import('./progress');
            resolver = createProbeResolver({ targetPid: options.pid, command: options.command, progress: terminalProgress() });
          }
          return resolver.resolve(probe, point, context);
        },
      });
    } finally {
      resolver?.close();
    }
  });
  const spec: SessionSpec = { json: options.json, outputFile: options.outputFile, targetPid: options.pid };

  if (plan.sites.length > 0) {
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
    };
    const engine = chooseEngine(options.engine, request);
    const status = await passes.passAsync(`run on the ${engine.name} engine`, () => engine.run(request));
    engineRan = true;
    return status;
  }

  const { driveOnMainThread, processAlive } = require('../runtime/main-thread-driver') as typeof import('../runtime/main-thread-driver');
  if (options.pid !== undefined && !processAlive(options.pid)) {
    throw new UtapError(`there is no process ${options.pid}; check the pid (e.g. pidof NAME).`, EXIT_ENVIRONMENT);
  }
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
