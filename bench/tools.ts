// The tools the benchmark compares, each with the targets it can trace, how it is run (under
// run-measured) and how to read back the number of events it saw — every run must have seen
// exactly as many as the target made, or it does not count.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProbeSite } from './elf-probe-site';
import { spawn, type ChildProcess } from 'node:child_process';
import { engineDriver, ptraceFloor, scrapeLoop, utapCommand } from './paths';
import { plainPath } from './plain-path';
import { shellLine } from './shell-words';
import type { Target } from './targets';
import { rootMissing, toolMissing } from './tool-availability';
import { TracefsUprobe, tracefsMissing } from './tracefs-uprobe';
import { syscallNum } from '../tracer/runtime/syscall-names';

/** Which engine of utap a tool is compared with (its ratio column). */
export type Family = 'baseline' | 'kernel' | 'ptrace';

/** How expensive a hit is, which sets how many events a run makes (bench/run.ts). */
export type CostClass = 'untraced' | 'kernel' | 'ptrace' | 'slow';

export interface RunOutput {
  stdout: string;
  stderr: string;
  /** The events the target itself says it made. */
  targetEvents: number;
}

export interface RunPlan {
  /** The command, run under run-measured. */
  argv: string[];
  /** Pin the command (and all it starts) to this CPU. */
  cpu?: number;
  /** The command as the report prints it (with any script file's text inlined). */
  display: string;
  before?(): void;
  /** The events the tool saw; throws with the reason when it cannot tell. */
  eventsSeen(output: RunOutput): number;
  /** Always runs, also after a failure. */
  after?(): void;
}

export interface Tool {
  name: string;
  family: Family;
  costClass: CostClass;
  /** Tracer and target run on one CPU. */
  pinned: boolean;
  /**
   * The utap rows this tool's figures are divided by, in preference order: the whole command
   * when it is measured, else the same engine driven from IR (absent for utap's count rows).
   */
  compareTo?: string[];
  /** utap rows: an exit status 2 (the environment, e.g. an engine not built yet) is a skip. */
  isUtap?: boolean;
  /** Undefined when the tool can run here; else why not (installing it first when root). */
  missing(log: (line: string) => void): string | undefined;
  /** Undefined when the tool can trace `target`; else why not. */
  notApplicable(target: Target): string | undefined;
  plan(target: Target, site: ProbeSite, events: number, scratch: string): RunPlan;
}

const PIN_CPU = 0;

const UPROBE_REFERENCE = ['utap uprobe', 'utap uprobe [IR]'];

function ptraceReference(pin: boolean): string[] {
  return pin ? ['utap ptrace --pin', 'utap ptrace --pin [IR]'] : ['utap ptrace', 'utap ptrace [IR]'];
}

function targetCommand(target: Target, events: number): string[] {
  return [target.executable, String(events)];
}

function matchNumber(text: string, pattern: RegExp, what: string): number {
  const m = pattern.exec(text);
  if (!m) throw new Error(`${what} not found in the tool's output (${text.trim().split('\n').slice(-2).join(' | ').slice(0, 300) || 'no output'})`);
  return Number(m[1]);
}

function countLines(text: string, line: RegExp): number {
  let n = 0;
  for (const l of text.split('\n')) if (line.test(l)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// untraced

const untraced: Tool = {
  name: 'untraced', family: 'baseline', costClass: 'untraced', pinned: false,
  missing: () => undefined,
  notApplicable: () => undefined,
  plan: (target, _site, events) => {
    const argv = targetCommand(target, events);
    return { argv, display: shellLine(argv), eventsSeen: (o) => o.targetEvents };
  },
};

// ---------------------------------------------------------------------------------------------
// utap: the real command, as a user runs it. While an engine or the front end is not built, utap
// exits with status 2 and a sentence saying so: the row is skipped with that sentence. The "[IR]"
// rows run the same scripts as IR through the real planner and engines (bench/engine-driver.ts),
// which measures the engines before the front end lands and, after, what the command adds.

interface UtapVariant {
  pin?: boolean;
  printf?: boolean;
  /** Through bench/engine-driver.js instead of bin/utap.js. */
  ir?: boolean;
  /** --metrics on a loopback port, scraped every 100 ms through the run (bench/scrape-loop.ts). */
  scraped?: boolean;
  compareTo?: string[];
}

function utapProbePoint(target: Target): string {
  return target.library
    ? `process("${target.library}").function("${target.probeFunction}")`
    : `process.function("${target.probeFunction}")`;
}

function utapArguments(target: Target, events: number, engine: UtapEngine, variant: UtapVariant, outFile: string): string[] {
  const common = ['--engine', engine, ...(variant.pin ? ['--pin'] : []), ...(variant.printf ? ['-o', outFile] : []), ...(variant.scraped ? ['--metrics', `127.0.0.1:${SCRAPE_PORT}`] : [])];
  const command = ['-c', shellLine(targetCommand(target, events))];
  if (variant.ir) {
    const where = ['--function', target.probeFunction, ...(target.library ? ['--library', target.library] : [])];
    return [...common, ...(variant.printf ? ['--printf'] : []), ...where, ...command];
  }
  const pp = utapProbePoint(target);
  const script = variant.printf
    ? `probe ${pp} { printf("hit\\n") }`
    : `global n\nprobe ${pp} { n++ }\nprobe end { printf("utap-bench hits=%d\\n", n) }`;
  return [...common, ...command, '-e', script];
}

/** The port of the scraped rows (one run at a time), away from the default 9464 a user may run. */
const SCRAPE_PORT = 39464;

/** inproc: handlers run in the target without a trap, so its rows sit with (and take the events of) the kernel-side ones. */
type UtapEngine = 'uprobe' | 'ptrace' | 'inproc';

function utapTool(name: string, engine: UtapEngine, variant: UtapVariant): Tool {
  return {
    name, family: engine === 'ptrace' ? 'ptrace' : 'kernel', costClass: engine === 'ptrace' ? 'ptrace' : 'kernel', isUtap: true, compareTo: variant.compareTo, pinned: variant.pin ?? false,
    missing: () => (engine === 'uprobe' ? rootMissing('the utap uprobe engine') : undefined),
    notApplicable: () => undefined,
    plan: (target, _site, events, scratch) => {
      const outFile = path.join(scratch, 'utap.out');
      const args = utapArguments(target, events, engine, variant, outFile);
      let scraper: ChildProcess | undefined;
      return {
        argv: variant.ir ? [process.execPath, engineDriver, ...args] : [utapCommand, ...args],
        display: shellLine([variant.ir ? 'node dist/bench/engine-driver.js' : 'utap', ...args]).replace(outFile, 'FILE') + (variant.scraped ? '   # scraped every 100 ms by node dist/bench/scrape-loop.js' : ''),
        before: () => {
          fs.rmSync(outFile, { force: true });
          if (variant.scraped) scraper = spawn(process.execPath, [scrapeLoop, `http://127.0.0.1:${SCRAPE_PORT}/metrics`, '100'], { stdio: 'ignore' });
        },
        eventsSeen: (o) => variant.printf
          ? countLines(fs.readFileSync(outFile, 'utf8'), /^hit$/)
          : matchNumber(o.stdout, /^utap-bench hits=(\d+)$/m, 'the end probe\'s "utap-bench hits=N"'),
        after: () => {
          fs.rmSync(outFile, { force: true });
          scraper?.kill('SIGKILL');
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// utap on the other probe families: an SDT marker (`.mark`) and a system call (`.syscall`, the
// call picked out by $syscall in the handler, as a SystemTap user writes it).


function utapFamilyTool(name: string, engine: 'uprobe' | 'ptrace', family: 'mark' | 'syscall'): Tool {
  return {
    name, family: engine === 'uprobe' ? 'kernel' : 'ptrace', costClass: engine === 'uprobe' ? 'kernel' : 'ptrace', isUtap: true, pinned: false,
    missing: () => (engine === 'uprobe' ? rootMissing('the utap uprobe engine') : undefined),
    notApplicable: (target) => (family === 'mark' ? (target.marker ? undefined : 'has no SDT marker per event') : target.syscall ? undefined : 'makes no system call per event'),
    plan: (target, _site, events) => {
      const point = family === 'mark' ? `process.provider("${target.marker!.provider}").mark("${target.marker!.name}")` : 'process.syscall';
      const body = family === 'mark' ? 'n++' : `if ($syscall == ${syscallNum(target.syscall!)}) n++`;
      const args = ['--engine', engine, '-c', shellLine(targetCommand(target, events)), '-e', `global n\nprobe ${point} { ${body} }\nprobe end { printf("utap-bench hits=%d\\n", n) }`];
      return {
        argv: [utapCommand, ...args],
        display: shellLine(['utap', ...args]),
        eventsSeen: (o) => matchNumber(o.stdout, /^utap-bench hits=(\d+)$/m, 'the end probe\'s "utap-bench hits=N"'),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// bpftrace

const bpftrace: Tool = {
  name: 'bpftrace', family: 'kernel', costClass: 'kernel', pinned: false, compareTo: UPROBE_REFERENCE,
  missing: (log) => rootMissing('bpftrace') ?? toolMissing('bpftrace', 'bpftrace', log),
  notApplicable: () => undefined,
  plan: (target, site, events, scratch) => {
    const args = ['-e', `uprobe:${plainPath(site.binary, scratch)}:${site.symbol} { @hits = count(); }`, '-c', shellLine([plainPath(target.executable, scratch), String(events)])];
    return {
      argv: ['bpftrace', ...args],
      display: shellLine(['bpftrace', ...args]),
      eventsSeen: (o) => matchNumber(o.stdout, /^@hits: (\d+)$/m, 'bpftrace\'s "@hits: N"'),
    };
  },
};

/** bpftrace on a marker (`usdt:`) or a system call's tracepoint, beside utap's .mark and .syscall rows. */
function bpftraceFamily(name: string, family: 'mark' | 'syscall'): Tool {
  return {
    name, family: 'kernel', costClass: 'kernel', pinned: false, compareTo: [family === 'mark' ? 'utap uprobe mark' : 'utap uprobe syscall'],
    missing: (log) => rootMissing('bpftrace') ?? toolMissing('bpftrace', 'bpftrace', log),
    notApplicable: (target) => (family === 'mark' ? (target.marker ? undefined : 'has no SDT marker per event') : target.syscall ? undefined : 'makes no system call per event'),
    plan: (target, _site, events, scratch) => {
      const executable = plainPath(target.executable, scratch);
      const probe = family === 'mark' ? `usdt:${executable}:${target.marker!.provider}:${target.marker!.name}` : `tracepoint:syscalls:sys_enter_${target.syscall} /pid == cpid/`;
      const args = ['-e', `${probe} { @hits = count(); }`, '-c', shellLine([executable, String(events)])];
      return {
        argv: ['bpftrace', ...args],
        display: shellLine(['bpftrace', ...args]),
        eventsSeen: (o) => matchNumber(o.stdout, /^@hits: (\d+)$/m, 'bpftrace\'s "@hits: N"'),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// tracefs uprobe events: what `perf probe -x BINARY FUNC` sets up, with no BPF and no tracer
// process at all (the harness defines the event, the kernel writes each hit to the trace buffer).

const tracefs: Tool = {
  name: 'perf uprobe (tracefs)', family: 'kernel', costClass: 'kernel', pinned: false, compareTo: UPROBE_REFERENCE,
  missing: () => tracefsMissing(),
  notApplicable: () => undefined,
  plan: (target, site, events, scratch) => {
    const probe = new TracefsUprobe(plainPath(site.binary, scratch), site.fileOffset);
    const argv = targetCommand(target, events);
    return {
      argv,
      display: `echo '${probe.definition}' >> /sys/kernel/tracing/uprobe_events; echo 1 > .../enable; ${shellLine(argv)}`,
      before: () => probe.create(),
      eventsSeen: () => probe.hits(),
      after: () => probe.remove(),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// gdb: a breakpoint whose commands are `silent; continue`, or a dprintf. The breakpoint is at the
// function's first instruction (`*FUNC`), where every other tool probes too.

function gdbTool(name: string, kind: 'break' | 'dprintf', pin: boolean): Tool {
  return {
    name, family: 'ptrace', costClass: 'slow', pinned: pin, compareTo: ptraceReference(pin),
    missing: (log) => toolMissing('gdb', 'gdb', log),
    notApplicable: () => undefined,
    plan: (target, site, events, scratch) => {
      const lines = ['set pagination off', 'set confirm off', 'set breakpoint pending on'];
      if (kind === 'break') lines.push(`break *${site.symbol}`, 'commands', 'silent', 'continue', 'end');
      else lines.push(`dprintf *${site.symbol},"hit\\n"`);
      lines.push('run', 'info breakpoints');
      const file = path.join(scratch, `${kind}.gdb`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      const argv = ['gdb', '-batch', '-nx', '-x', file, '--args', ...targetCommand(target, events)];
      return {
        argv, cpu: pin ? PIN_CPU : undefined,
        display: `${pin ? `taskset -c ${PIN_CPU} ` : ''}${shellLine(argv).replace(file, `${kind}.gdb`)}   # ${kind}.gdb: ${lines.join('; ')}`,
        eventsSeen: (o) => {
          const hits = matchNumber(o.stdout, /already hit (\d+) times?/, 'gdb\'s "breakpoint already hit N times"');
          if (kind === 'dprintf') {
            const printed = countLines(o.stdout, /^hit$/);
            if (printed !== hits) throw new Error(`gdb counted ${hits} dprintf hits but printed ${printed} lines`);
          }
          return hits;
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// strace: -c (counts in the tracer, no formatting) and the everyday -e trace=SYSCALL -o FILE.
// The file is on tmpfs rather than /dev/null so the lines can be counted; writing it costs the
// same few hundred ns a write to /dev/null does, next to the tens of µs of each ptrace stop.

function straceTool(name: string, mode: 'summary' | 'trace', pin: boolean): Tool {
  return {
    name, family: 'ptrace', costClass: 'ptrace', pinned: pin, compareTo: ptraceReference(pin),
    missing: (log) => toolMissing('strace', 'strace', log),
    notApplicable: (target) => (target.syscall ? undefined : 'makes no system call per event'),
    plan: (target, _site, events, scratch) => {
      const syscall = target.syscall!;
      const outFile = path.join(scratch, 'strace.out');
      const args = mode === 'summary' ? ['-c', '-e', `trace=${syscall}`] : ['-e', `trace=${syscall}`, '-o', outFile];
      const argv = ['strace', ...args, ...targetCommand(target, events)];
      return {
        argv, cpu: pin ? PIN_CPU : undefined,
        display: `${pin ? `taskset -c ${PIN_CPU} ` : ''}${shellLine(argv).replace(outFile, '/dev/shm/strace.out')}`,
        before: () => fs.rmSync(outFile, { force: true }),
        eventsSeen: (o) => mode === 'summary'
          // "100.00    0.034686           3     10000           getppid"
          ? matchNumber(o.stderr, new RegExp(`^\\s*[\\d.]+\\s+[\\d.]+\\s+\\d+\\s+(\\d+)\\s+(?:\\d+\\s+)?${syscall}$`, 'm'), `strace -c's line for ${syscall}`)
          : countLines(fs.readFileSync(outFile, 'utf8'), new RegExp(`^${syscall}\\(`)),
        after: () => fs.rmSync(outFile, { force: true }),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ltrace: -e FUNC -o FILE, one line per call of the library function through the PLT.

function ltraceTool(name: string, pin: boolean): Tool {
  return {
    name, family: 'ptrace', costClass: 'slow', pinned: pin, compareTo: ptraceReference(pin),
    missing: (log) => toolMissing('ltrace', 'ltrace', log),
    notApplicable: (target) => (target.pltFunction ? undefined : 'makes no library call through the PLT per event'),
    plan: (target, _site, events, scratch) => {
      const fn = target.pltFunction!;
      const outFile = path.join(scratch, 'ltrace.out');
      const argv = ['ltrace', '-e', fn, '-o', outFile, ...targetCommand(target, events)];
      return {
        argv, cpu: pin ? PIN_CPU : undefined,
        display: `${pin ? `taskset -c ${PIN_CPU} ` : ''}${shellLine(argv).replace(outFile, '/dev/shm/ltrace.out')}`,
        before: () => fs.rmSync(outFile, { force: true }),
        // "plt-call->bench_lib_add(0, 0) = 0"
        eventsSeen: () => countLines(fs.readFileSync(outFile, 'utf8'), new RegExp(`(^|>)${fn}\\(`)),
        after: () => fs.rmSync(outFile, { force: true }),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The C floor (runtime-c/bench/ptrace-floor.c).

function floorTool(name: string, mode: 'classic' | 'ool', pin: boolean): Tool {
  return {
    name, family: 'ptrace', costClass: 'ptrace', pinned: pin, compareTo: ptraceReference(pin),
    missing: () => (fs.existsSync(ptraceFloor) ? undefined : `${ptraceFloor} is not built (make -C runtime-c)`),
    notApplicable: (target) => (mode === 'classic' && target.multiThreaded
      ? 'classic restore/step/re-insert would lose the other threads\' hits while the breakpoint is out'
      : undefined),
    plan: (target, site, events) => {
      const args = ['--mode', mode, ...(pin ? ['--pin', String(PIN_CPU)] : []), site.binary, `0x${site.fileOffset.toString(16)}`, String(site.firstInsnLength), '--', ...targetCommand(target, events)];
      return {
        argv: [ptraceFloor, ...args],
        display: shellLine(['ptrace-floor', ...args]),
        eventsSeen: (o) => matchNumber(o.stderr, /^ptrace-floor hits=(\d+)$/m, '"ptrace-floor hits=N"'),
      };
    },
  };
}

/** Every tool, in report order. */
export const TOOLS: Tool[] = [
  untraced,
  utapTool('utap uprobe', 'uprobe', {}),
  utapTool('utap uprobe printf', 'uprobe', { printf: true, compareTo: ['utap uprobe'] }),
  utapTool('utap ptrace', 'ptrace', {}),
  utapTool('utap inproc', 'inproc', { compareTo: ['utap uprobe'] }),
  utapTool('utap inproc printf', 'inproc', { printf: true, compareTo: ['utap uprobe printf'] }),
  utapTool('utap ptrace --pin', 'ptrace', { pin: true }),
  utapTool('utap uprobe --metrics scraped', 'uprobe', { scraped: true, compareTo: ['utap uprobe'] }),
  utapTool('utap ptrace --metrics scraped', 'ptrace', { scraped: true, compareTo: ['utap ptrace'] }),
  utapTool('utap uprobe [IR]', 'uprobe', { ir: true }),
  utapTool('utap uprobe printf [IR]', 'uprobe', { ir: true, printf: true, compareTo: ['utap uprobe [IR]'] }),
  utapTool('utap ptrace [IR]', 'ptrace', { ir: true }),
  utapTool('utap ptrace --pin [IR]', 'ptrace', { ir: true, pin: true }),
  bpftrace,
  utapFamilyTool('utap uprobe mark', 'uprobe', 'mark'),
  utapFamilyTool('utap ptrace mark', 'ptrace', 'mark'),
  bpftraceFamily('bpftrace usdt', 'mark'),
  utapFamilyTool('utap uprobe syscall', 'uprobe', 'syscall'),
  utapFamilyTool('utap ptrace syscall', 'ptrace', 'syscall'),
  bpftraceFamily('bpftrace syscall', 'syscall'),
  tracefs,
  gdbTool('gdb break', 'break', false),
  gdbTool('gdb break (pinned)', 'break', true),
  gdbTool('gdb dprintf', 'dprintf', false),
  straceTool('strace -c', 'summary', false),
  straceTool('strace -e trace', 'trace', false),
  straceTool('strace -e trace (pinned)', 'trace', true),
  ltraceTool('ltrace', false),
  ltraceTool('ltrace (pinned)', true),
  floorTool('floor classic', 'classic', false),
  floorTool('floor classic (pinned)', 'classic', true),
  floorTool('floor ool', 'ool', false),
  floorTool('floor ool (pinned)', 'ool', true),
];
