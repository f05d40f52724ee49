// The `utap` command: parses the command line (commander), dispatches to a command module, and
// turns every failure into a message and an exit status. Command modules are loaded on demand so
// `utap -e 'probe begin { exit() }'` pays only for what it uses.
import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import { showCacheNotes } from '../../symbolizer/cache-files';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { EngineChoice, ListOptions, RunOptions } from './options';
import { visibleText } from '../source-excerpt';

// Read from the repository's root at run time: dist/ is one folder deeper than this source, so no
// import names the same file from both.
const VERSION: string = require('../../../package.json').version;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePid(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new UtapError(`'${value}' is not a process id; give -p a positive number such as $(pidof psql).`);
  return Number(value);
}

function parseDefines(raw: string[]): RunOptions['defines'] {
  return raw.map((d) => {
    // -D NAME alone defines NAME as 1, as a C compiler (and so SystemTap) does
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(d);
    if (!m) throw new UtapError(`-D '${d}' is not NAME=VALUE; write for example -D MAXMAPENTRIES=10000.`, EXIT_SCRIPT_ERROR);
    return { name: m[1], value: m[2] ?? '1' };
  });
}

/** The command line's one option table (commander); launch-warm-up.ts's guess is checked against it. */
export function buildProgram(): Command {
  const program = new Command('utap');
  program
    .description('Trace a Linux user process with a SystemTap-language script, through ptrace or uprobes and eBPF.')
    .usage('[options] SCRIPT_FILE [ARG...]\n       utap [options] -e SCRIPT [ARG...]\n       utap -l|-L PROBE_POINT\n       utap handlers [list | show NAME | rm NAME | serve [--listen ADDR]]')
    .version(VERSION, '-V, --version', 'print the version')
    .argument('[script-or-args...]', 'script file (unless -e is given), then $1.. script arguments')
    .option('-p, --pid <pid>', 'trace the running process PID, all its threads and the children it forks; detach cleanly at the end', parsePid)
    .option('-x, --target-pid <pid>', 'SystemTap\'s spelling of -p PID: trace process PID (target() is PID)', parsePid)
    .option('-c, --cmd <command>', 'start COMMAND (shell words) under tracing, with the children it forks; end when it exits')
    .option('-e, --script <text>', 'script text given on the command line')
    .addOption(new Option('--engine <engine>', 'which engine places the probes (inproc: handlers run inside the target behind jump patches, no root needed)').choices(['auto', 'ptrace', 'uprobe', 'inproc']).default('auto'))
    .option('-l, --list <probe-point>', 'list the probe points PROBE_POINT matches, one per line')
    .option('-L, --list-vars <probe-point>', 'like -l, with the $variables available at each point and their C types')
    .option('-o, --output <file>', 'write the script output to FILE')
    .option('--json', 'print JSON lines instead of text')
    .option('-D, --define <NAME=VALUE>', 'set a limit: MAXSTRINGLEN (2-1048576), MAXMAPENTRIES and MAXACTION (1-1000000000), MAXNESTING (1-1000); repeatable', collect, [])
    .option('-v, --verbose', 'on stderr: time of each pass, each engine decision, each cache ignored and why')
    .option('--pin', 'ptrace engine: run tracer and target on one CPU')
    .option('-g, --guru', 'guru mode: handlers may write target variables, memory and registers')
    .option('-W, --warnings-as-errors', 'what SystemTap warns about (an unused global, an unreachable overload) is an error')
    .option('-w, --no-warnings', 'print no warnings (warn() included), as SystemTap\'s -w')
    .option('-u, --unoptimized', 'accept a script whose probes all do nothing (SystemTap\'s -u: unoptimized; by default, as SystemTap, that is an error)')
    .option('-I, --include <dir>', 'add a tapset directory (searched before the bundled tapset/); repeatable', collect, [])
    .option('--name <name>', 'uprobe engine: register the kernel handlers under NAME (pinned in /sys/fs/bpf/utap/NAME)')
    .option('--detach', 'uprobe engine: with --name, leave the handlers collecting after utap exits')
    .option('-d <file>', "SystemTap's option to add a module's symbols for backtraces: accepted; utap symbolizes every file the process maps", collect, [])
    .option('--ldd', "SystemTap's option to add the shared libraries' symbols: accepted; utap always does")
    .option('--metrics <addr>', 'serve the running script\'s globals to Prometheus at http://ADDR/metrics ([HOST:]PORT; loopback unless HOST is given)')
    .addOption(new Option('--stop-after <pass>', 'only read the script: stop after parsing it, or after checking it too (SystemTap\'s -p1/-p2); exit 0 when it is valid').choices(['parse', 'check']))
    .addHelpText(
      'after',
      `
Exit status: 0 success; 1 the script is wrong (parse, semantic or runtime error), or the uprobe
engine lost output or hits (a full ring buffer, a busy handler; a warning gives the count);
2 the environment refuses (no such process, permission, missing debug info, engine unsupported).
With -c, when the script did not fail: the command's own exit status (128 + N for signal N).
A script file may be up to 1 MiB; expressions and statements may nest 200 levels deep.

Examples:
  utap -p $(pidof psql) psql-latency.stp
  utap -c 'psql -f load.sql' psql-latency.stp
  utap -e 'probe process.function("SendQuery") { n++ } probe end { println(n) }' -p 4242
  utap -x 4242 -e 'probe process.syscall { n[syscall_name($syscall)]++ }'   # system calls (-x as in SystemTap)
  utap -L 'process("/usr/lib/postgresql/15/bin/psql").function("SendQuery")'
  utap -L 'process("/usr/lib/postgresql/15/bin/postgres").mark("query__*")'   # SDT markers
  utap -l 'process("/usr/bin/ls").plt("str*")'   # PLT entries (calls into libraries)`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('handlers')
    .description('registered kernel handlers (uprobe engine): list, show NAME, rm NAME, serve (Prometheus metrics of all of them)')
    .argument('[action]', 'list | show | rm | serve', 'list')
    .argument('[name]', 'handler name for show and rm')
    .option('--json', 'print JSON lines instead of text')
    .option('--listen <addr>', `serve: where to listen, [HOST:]PORT (default 127.0.0.1:9464; loopback unless HOST is given)`)
    .action(async (action: string, name: string | undefined, opts: { json?: boolean; listen?: string }, command: Command) => {
      const { handlersCommand } = require('./handlers-command') as typeof import('./handlers-command');
      // `--json` after the subcommand is the root's option too: commander gives it to the root.
      const json = Boolean(opts.json || command.parent?.opts().json);
      process.exitCode = await handlersCommand(action, name, { json, listen: opts.listen });
    });

  program.action(async (positional: string[], opts: Record<string, unknown>) => {
    if (opts.targetPid !== undefined) {
      if (opts.pid !== undefined && opts.pid !== opts.targetPid) throw new UtapError(`-p ${opts.pid} and -x ${opts.targetPid} name two processes; -x is SystemTap's spelling of -p, give one of them.`);
      opts.pid = opts.targetPid;
    }
    if (opts.verbose) showCacheNotes((sentence) => process.stderr.write(`utap: ${sentence}\n`));
    const includeDirs = opts.include as string[];
    const listPoint = (opts.listVars ?? opts.list) as string | undefined;
    if (listPoint !== undefined) {
      const listOptions: ListOptions = {
        probePoint: listPoint,
        withVariables: opts.listVars !== undefined,
        pid: opts.pid as number | undefined,
        command: opts.cmd as string | undefined,
        verbose: Boolean(opts.verbose),
        includeDirs,
      };
      const { listCommand } = require('./list-command') as typeof import('./list-command');
      process.exitCode = await listCommand(listOptions);
      return;
    }
    const scriptText = opts.script as string | undefined;
    if (scriptText === undefined && positional.length === 0) {
      throw new UtapError('No script given; name a script file or pass the script with -e (see utap --help).', EXIT_SCRIPT_ERROR);
    }
    for (const file of opts.d as string[]) {
      if (!fs.existsSync(file)) throw new UtapError(`-d ${file}: no such file; -d names a program or library whose symbols backtraces use.`, EXIT_ENVIRONMENT);
    }
    if (opts.pid !== undefined && opts.cmd !== undefined) throw new UtapError('-p and -c cannot be used together; attach to a running process or start one, not both.');
    if (opts.detach && !opts.name) throw new UtapError('--detach needs --name NAME so the handlers can be found again with utap handlers.');
    const runOptions: RunOptions = {
      scriptFile: scriptText === undefined ? positional[0] : undefined,
      scriptText,
      scriptArgs: scriptText === undefined ? positional.slice(1) : positional,
      pid: opts.pid as number | undefined,
      command: opts.cmd as string | undefined,
      engine: opts.engine as EngineChoice,
      outputFile: opts.output as string | undefined,
      json: Boolean(opts.json),
      defines: parseDefines(opts.define as string[]),
      verbose: Boolean(opts.verbose),
      pin: Boolean(opts.pin),
      guru: Boolean(opts.guru),
      unoptimized: Boolean(opts.unoptimized),
      warningsAsErrors: Boolean(opts.warningsAsErrors),
      noWarnings: opts.warnings === false,
      includeDirs,
      handlerName: opts.name as string | undefined,
      detach: Boolean(opts.detach),
      metrics: opts.metrics as string | undefined,
      stopAfter: opts.stopAfter as RunOptions['stopAfter'],
    };
    const { runCommand, ranAnEngine } = require('./run-command') as typeof import('./run-command');
    process.exitCode = await runCommand(runOptions);
    tracedAProcess = process.exitCode === 0 && ranAnEngine();
  });
  return program;
}

let tracedAProcess = false;

/**
 * Whether this run traced a process through an engine to a clean end: it compiled what a trace
 * needs, so launch.ts keeps its code cache.
 */
export function ranTrace(): boolean {
  return tracedAProcess;
}

/** Prints a user error as one message; anything else is a utap bug, reported without a stack unless UTAP_DEBUG is set. */
export function reportFailure(error: unknown): number {
  if (error instanceof UtapError) {
    // visibleText leaves tabs, newlines and what is already escaped as they are, so the caret of
    // an excerpt (escaped where it was built) stays in place
    const message = visibleText(error.message);
    process.stderr.write(error.preformatted ? message.replace(/\n?$/, '\n') : `utap: ${message}\n`);
    return error.status;
  }
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return EXIT_SCRIPT_ERROR; // commander already printed its message
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`utap: internal error: ${visibleText(message)}\n`);
  if (process.env.UTAP_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('utap: this is a bug in utap; rerun with UTAP_DEBUG=1 for details and report it.\n');
  return 70;
}

/** `utap --help | head`: a reader that went away ends the output quietly, as a pipeline expects. */
function endQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/**
 * Node makes process.stdout and stderr on first use, which costs 3-4 ms; a trace that prints
 * nothing before its probes are armed should not pay it up front. So the handler is attached
 * when Node makes each stream, by wrapping the lazy getter Node defines.
 */
function quietOnClosedPipes(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const get = descriptor?.get;
    if (!descriptor?.configurable || !get) {
      endQuietlyOnEpipe(process[name]);
      continue;
    }
    let stream: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        if (!stream) {
          stream = get.call(process) as NodeJS.WriteStream;
          endQuietlyOnEpipe(stream);
        }
        return stream;
      },
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipes();
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
  } catch (error) {
    process.exitCode = reportFailure(error);
  }
}
