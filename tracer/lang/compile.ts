// The front end's entry point: script text → ProgramIR. Lexing, parsing, tapset lookup and
// checking, each in its own module; this file wires them and reads the -D limits.
import * as fs from 'node:fs';
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import { DEFAULT_LIMITS, type Limits, type ProgramIR, type Stmt } from '../ir/ir';
import { checkProgram } from './check';
import { Diagnostics } from './diagnostic';
import { tokenize } from './lexer';
import { parse } from './parser';
import { defaultMaxNesting } from './max-nesting';
import { preprocess } from './preprocess';
import { scriptWarnings } from './warnings';
import { bundledTapsetDir, TapsetLibrary } from './tapsets';

export interface CompileInput {
  text: string;
  /** How the script is named in messages (`-e` scripts: `<input>`). */
  file: string;
  scriptArgs: string[];
  defines: Array<{ name: string; value: string }>;
  includeDirs: string[];
  guru: boolean;
  /** -p or -c was given, so `process` points without a path have a process to mean (undefined: not known). */
  hasTarget?: boolean;
  /** -u: accept a script whose probes all do nothing (SystemTap drops such probes unless -u, and refuses a script left with none). */
  unoptimized?: boolean;
  /** -W: what SystemTap warns about (warnings.ts) is an error. */
  warningsAsErrors?: boolean;
  /** -w: no warnings, so -W has none to turn into errors. */
  noWarnings?: boolean;
  /** Stop after parsing, or after checking (nothing returned): `--stop-after`. */
  stopAfter?: 'parse' | 'check';
}

/**
 * The -D limits and the values each accepts. Above the maximum a limit stops being a limit and
 * becomes a way to break utap: MAXSTRINGLEN sizes every string buffer (a 1 GB one is more than
 * V8 allows a string), MAXNESTING bounds recursion on a JavaScript stack of about 1 MB (about
 * 9,000 small calls, far fewer large ones). Map sizes the kernel refuses are reported when the
 * uprobe engine creates the map (engine/uprobe/map-size.ts), with the largest it accepts.
 */
export const LIMIT_RANGES: Record<string, { key: keyof Omit<Limits, 'extra'>; min: number; max: number }> = {
  MAXSTRINGLEN: { key: 'maxStringLen', min: 2, max: 1 << 20 },
  MAXMAPENTRIES: { key: 'maxMapEntries', min: 1, max: 1_000_000_000 },
  MAXACTION: { key: 'maxAction', min: 1, max: 1_000_000_000 },
  MAXNESTING: { key: 'maxNesting', min: 1, max: 1000 },
};

/** Limits kept in Limits.extra for the runtime, checked the same way. */
const EXTRA_RANGES: Record<string, { min: number; max: number }> = {
  MAXACTION_INTERRUPTIBLE: { min: 1, max: 1_000_000_000 },
};

export function limitsFrom(defines: CompileInput['defines']): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, extra: {} };
  for (const { name, value } of defines) {
    const range = LIMIT_RANGES[name] ?? EXTRA_RANGES[name];
    if (range && (!/^[0-9]+$/.test(value) || Number(value) < range.min || Number(value) > range.max)) {
      throw new UtapError(`-D ${name}=${value}: the value must be a whole number from ${range.min} to ${range.max}.`, EXIT_SCRIPT_ERROR);
    }
    const key = LIMIT_RANGES[name]?.key;
    if (key) limits[key] = Number(value);
    else limits.extra[name] = value;
  }
  return limits;
}

export function compileScript(input: CompileInput & { stopAfter?: undefined }): ProgramIR;
export function compileScript(input: CompileInput): ProgramIR | undefined;
export function compileScript(input: CompileInput): ProgramIR | undefined {
  const limits = limitsFrom(input.defines);
  for (const dir of input.includeDirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UtapError(`-I ${dir}: no such tapset directory.`, EXIT_SCRIPT_ERROR);
  }
  const diag = new Diagnostics();
  diag.addSource(input.file, input.text);
  const context = { scriptArgs: input.scriptArgs, guru: input.guru };
  // SYSTEMTAP_TAPSET names one more tapset folder, as for SystemTap (searched after -I, before the bundled one)
  const fromEnv = process.env.SYSTEMTAP_TAPSET && fs.existsSync(process.env.SYSTEMTAP_TAPSET) ? [process.env.SYSTEMTAP_TAPSET] : [];
  const tapsets = new TapsetLibrary([...input.includeDirs, ...fromEnv, bundledTapsetDir()], diag, context);
  const { tokens } = preprocess(tokenize(input.text, input.file, diag), { ...context, libraryMacros: tapsets.macros() }, diag);
  const ast = parse(tokens, input.file, diag, input.guru);
  if (tokens.length === 1 && diag.count === 0) diag.report(tokens[0].loc, 'the script is empty: it has no probes, functions or globals.');
  diag.throwIfAny();
  if (input.stopAfter === 'parse') return undefined;
  if (input.warningsAsErrors && !input.noWarnings) {
    for (const w of scriptWarnings(ast)) diag.report(w.loc, `${w.message} (-W makes warnings errors)`);
    diag.throwIfAny();
  }
  const program = checkProgram({ script: ast, limits, guru: input.guru, tapsets, diag, hasTarget: input.hasTarget });
  // SystemTap derives MAXNESTING from the call graph unless -D sets it
  if (!input.defines.some((d) => d.name === 'MAXNESTING')) program.limits.maxNesting = defaultMaxNesting(program);
  // as SystemTap, probes that do nothing (once @defined and constant conditions are worked out)
  // are dropped; a script left with none is an error
  if (!input.unoptimized && program.probes.length > 0 && program.probes.every((p) => doesNothing(p.handler.body))) {
    diag.report(program.probes[0].loc, 'every probe of this script does nothing (its body is empty once @defined and constant conditions are worked out), so there is nothing to run.');
    diag.throwIfAny();
  }
  if (program.probes.length === 0) throw new UtapError(`${input.file}: the script has no probes, so it would do nothing; add one, e.g. probe begin { ... }.`, EXIT_SCRIPT_ERROR);
  return input.stopAfter === 'check' ? undefined : program;
}

/** A statement with no effect: a block of such statements. */
function doesNothing(s: Stmt): boolean {
  return s.kind === 'block' && s.body.every(doesNothing);
}
