// The uprobe warm-up (kernel-helper/uprobe-warmup.ts) started from the raw command line, before
// the CLI bundle is loaded: the earlier the kernel's grace period starts, the sooner the probes
// are armed. This only guesses — commander has not parsed the line yet — so it guesses
// narrowly: a trace of a process (-p or -c), not on the ptrace engine, whose script names a probe
// that is not begin, end, error, timer or never. A miss costs nothing (run-command warms up once
// the compiled script shows process probes); a false hit costs a throwaway uprobe, whose removal
// the end of the run then waits for (tens of ms).
import * as fs from 'node:fs';

/**
 * Options of the run command that take a value: long names, and short letters. main.ts's table
 * (commander) is the truth; loading it here would cost what this guess saves, so these are
 * written out, and test/cli/launch-warm-up.unit.test.ts checks they agree with it, as it checks
 * every option named below.
 */
export const LONG_WITH_VALUE: ReadonlySet<string> = new Set(['--pid', '--target-pid', '--cmd', '--script', '--engine', '--list', '--list-vars', '--output', '--define', '--include', '--name', '--metrics', '--stop-after']);
export const SHORT_WITH_VALUE: ReadonlySet<string> = new Set(['p', 'x', 'c', 'd', 'e', 'l', 'L', 'o', 'D', 'I']);

/** The options the guess looks for, by what they mean to it. */
export const OPTIONS_READ = {
  script: ['-e', '--script'],
  noTrace: ['-l', '--list', '-L', '--list-vars', '-h', '--help', '-V', '--version'],
  engine: ['--engine'],
  target: ['-p', '--pid', '-x', '--target-pid', '-c', '--cmd'],
} as const;

interface RoughLine {
  options: Map<string, string>;
  positional: string[];
}

/** Options (last value wins; `-p123`, `--pid=123` and `--pid 123` alike) and positional words. */
function roughParse(argv: string[]): RoughLine {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq > 0) options.set(word.slice(0, eq), word.slice(eq + 1));
      else options.set(word, LONG_WITH_VALUE.has(word) ? argv[++i] ?? '' : '');
    } else if (word.startsWith('-') && word.length > 1) {
      const flag = `-${word[1]}`;
      if (SHORT_WITH_VALUE.has(word[1])) options.set(flag, word.length > 2 ? word.slice(2) : argv[++i] ?? '');
      else options.set(flag, '');
    } else {
      positional.push(word);
    }
  }
  return { options, positional };
}

function scriptText(line: RoughLine): string | undefined {
  const [short, long] = OPTIONS_READ.script;
  const inline = line.options.get(short) ?? line.options.get(long);
  if (inline !== undefined) return inline;
  const file = line.positional[0];
  if (file === undefined) return undefined;
  try {
    // only a regular file: reading a FIFO or /dev/stdin here would take the script from run-command
    if (!fs.statSync(file).isFile()) return undefined;
    // Only when a file may be read: the launcher loads nothing the guess can do without.
    return (require('../lang/read-source') as typeof import('../lang/read-source')).readSourceFile(file, 'utf8');
  } catch {
    return undefined; // run-command reports it
  }
}

/** Whether the raw command line looks like a trace that places uprobes. */
export function mayPlaceUprobes(argv: string[]): boolean {
  if (argv[0] === 'handlers') return false;
  const line = roughParse(argv);
  const has = (names: readonly string[]) => names.some((n) => line.options.has(n));
  if (has(OPTIONS_READ.noTrace)) return false;
  if (line.options.get(OPTIONS_READ.engine[0]) === 'ptrace') return false;
  if (!has(OPTIONS_READ.target)) return false;
  const text = scriptText(line);
  return text !== undefined && (/\bprocess\b/.test(text) || /\bprobe\s+(?!(?:begin|end|error|timer|never)\b)[A-Za-z_]/.test(text));
}

/** Starts the uprobe warm-up when the command line looks like it will need it. */
export function warmUpEarly(argv: string[]): void {
  if (!mayPlaceUprobes(argv)) return;
  try {
    // Only on a hit: koffi and the uprobe PMU are for traces that place uprobes.
    (require('../../kernel-helper/uprobe-warmup') as typeof import('../../kernel-helper/uprobe-warmup')).warmUpUprobeRegistration();
  } catch {
    // no koffi or no uprobe PMU: the engine says so properly later
  }
}
