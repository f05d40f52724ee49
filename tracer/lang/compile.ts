// The front end's entry point: script text → ProgramIR. Lexing, parsing, tapset lookup and
// checking, each in its own module; this file wires them and reads the -D limits.
import * as fs from 'node:fs';
import { EXIT_SCRIPT_ERROR, UtapError } from '../cli/errors';
import { DEFAULT_LIMITS, type Limits, type ProgramIR } from '../ir/ir';
import { checkProgram } from './check';
import { Diagnostics } from './diagnostic';
import { tokenize } from './lexer';
import { parse } from './parser';
import { defaultMaxNesting } from './max-nesting';
import { preprocess } from './preprocess';
import { bundledTapsetDir, TapsetLibrary } from './tapsets';

export interface CompileInput {
  text: string;
  /** How the script is named in messages (`-e` scripts: `<input>`). */
  file: string;
  scriptArgs: string[];
  defines: Array<{ name: string; value: string }>;
  includeDirs: string[];
  guru: boolean;
  /** Stop after parsing, or after checking (nothing returned): `--stop-after`. */
  stopAfter?: 'parse' | 'check';
}

const LIMIT_NAMES: Record<string, keyof Omit<Limits, 'extra'>> = {
  MAXSTRINGLEN: 'maxStringLen',
  MAXMAPENTRIES: 'maxMapEntries',
  MAXACTION: 'maxAction',
  MAXNESTING: 'maxNesting',
};

export function limitsFrom(defines: CompileInput['defines']): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, extra: {} };
  for (const { name, value } of defines) {
    const key = LIMIT_NAMES[name];
    if (!key) {
      limits.extra[name] = value;
      continue;
    }
    if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 1e9) {
      throw new UtapError(`-D ${name}=${value}: the value must be a whole number from 1 to 1000000000.`, EXIT_SCRIPT_ERROR);
    }
    if (key === 'maxStringLen' && Number(value) < 2) throw new UtapError(`-D ${name}=${value}: a string buffer needs at least 2 bytes.`, EXIT_SCRIPT_ERROR);
    limits[key] = Number(value);
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
  const tapsets = new TapsetLibrary([...input.includeDirs, bundledTapsetDir()], diag, context);
  const { tokens } = preprocess(tokenize(input.text, input.file, diag), { ...context, libraryMacros: tapsets.macros() }, diag);
  const ast = parse(tokens, input.file, diag, input.guru);
  if (tokens.length === 1 && diag.count === 0) diag.report(tokens[0].loc, 'the script is empty: it has no probes, functions or globals.');
  diag.throwIfAny();
  if (input.stopAfter === 'parse') return undefined;
  const program = checkProgram({ script: ast, limits, guru: input.guru, tapsets, diag });
  // SystemTap derives MAXNESTING from the call graph unless -D sets it
  if (!input.defines.some((d) => d.name === 'MAXNESTING')) program.limits.maxNesting = defaultMaxNesting(program);
  if (program.probes.length === 0) throw new UtapError(`${input.file}: the script has no probes, so it would do nothing; add one, e.g. probe begin { ... }.`, EXIT_SCRIPT_ERROR);
  return input.stopAfter === 'check' ? undefined : program;
}
