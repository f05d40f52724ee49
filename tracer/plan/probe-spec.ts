// A process probe point as plain data: which program (and library), which functions or source
// line, which kind of site. Parsed from the components the front end gives
// (`process("psql").library("libpq.so.5").function("PQexec@fe-exec.c").return`).
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { ProbePointComponent } from '../ir/ir';

export interface FunctionPattern {
  /** Glob on the function name. */
  name: string;
  /** Glob on the source file (matched against the whole path or a trailing part of it). */
  file?: string;
  /** Declaration line (functions) or statement line, inclusive range. */
  lines?: { first: number; last: number };
  /** `FUNC@file.c:*`: every line of the function. */
  allLines?: boolean;
  /** `FUNC@file.c+N`: the line N after the function's declaration line. */
  relativeLine?: number;
}

export interface ProcessProbeSpec {
  /** process("...") as written: a path or basename; undefined for `process.function` (the target); a number for process(PID). */
  process?: string | number;
  library?: string;
  kind: 'function' | 'statement' | 'mark' | 'plt' | 'label' | 'syscall';
  /** For `label`: the glob on the label name of `.function(...).label("NAME")`. */
  label?: string;
  /** For `mark`: the glob on the marker name (SystemTap's `-` matches the note's `__`); for `plt`: on the imported function's name. */
  pattern: FunctionPattern;
  /** `.provider("P")` before `.mark(...)`: a glob on the marker's provider. */
  provider?: string;
  /** `.call` / `.return`, or neither (plain `.function`: after the prologue); `.syscall.return`: 'return'. */
  variant?: 'call' | 'return';
  /** `.function(...).inline`: only where the function was inlined. */
  inline?: boolean;
  /** `.function(...).exported`: only functions visible outside their unit (DW_AT_external, global symbols). */
  exported?: boolean;
  /** `.statement(...).nearest`: a line without code means the next line that has some. */
  nearest?: boolean;
}

function bad(text: string, why: string): never {
  throw new UtapError(`probe point '${text}': ${why}`, EXIT_SCRIPT_ERROR);
}

/** Splits `GLOB[@FILE[:LINE[-LINE]|:*|+N]]`. */
export function parseFunctionPattern(text: string, pointText: string): FunctionPattern {
  const at = text.indexOf('@');
  if (at < 0) return { name: text };
  const name = text.slice(0, at) || '*';
  const rest = text.slice(at + 1);
  const all = /^(.+):\*$/.exec(rest);
  if (all) return { name, file: all[1], allLines: true };
  const relative = /^(.+)\+(\d+)$/.exec(rest);
  if (relative) return { name, file: relative[1], relativeLine: Number(relative[2]) };
  const m = /^(.*?)(?::(\d+)(?:-(\d+))?)?$/.exec(rest)!;
  const file = m[1];
  if (!file) bad(pointText, `'${text}' names no source file after '@'; write NAME@file.c or NAME@file.c:LINE.`);
  if (m[2] === undefined) {
    if (/:[^/]*$/.test(rest) && rest.includes(':')) bad(pointText, `'${text}' has a line that is not a number; write NAME@file.c:LINE.`);
    return { name, file };
  }
  const first = Number(m[2]);
  const last = m[3] === undefined ? first : Number(m[3]);
  if (last < first) bad(pointText, `the line range ${first}-${last} is empty.`);
  return { name, file, lines: { first, last } };
}

/** The process probe spec of a point whose first component is `process`. */
export function parseProcessProbe(components: ProbePointComponent[], pointText: string): ProcessProbeSpec {
  let i = 0;
  const process = components[i++];
  if (!process || process.name !== 'process') bad(pointText, 'is not a process probe point.');
  const processArg = process.arg === undefined ? undefined : typeof process.arg === 'bigint' ? Number(process.arg) : process.arg;
  let library: string | undefined;
  if (components[i]?.name === 'library') {
    const arg = components[i++].arg;
    if (typeof arg !== 'string' || !arg) bad(pointText, 'library needs a name in quotes, as in library("libc.so.6").');
    library = arg;
  }
  if (components[i]?.name === 'provider' || components[i]?.name === 'mark') return parseMarkProbe(components, i, processArg, library, pointText);
  if (components[i]?.name === 'plt') return parsePltProbe(components, i, processArg, library, pointText);
  if (components[i]?.name === 'syscall') {
    if (library !== undefined) bad(pointText, 'system calls belong to a process, not to a library: write process("PATH").syscall.');
    return parseSyscallProbe(components, i, processArg, pointText);
  }
  const what = components[i++];
  if (!what || (what.name !== 'function' && what.name !== 'statement')) {
    bad(pointText, `utap knows process(...).function("NAME"), .statement("FUNC@file.c:LINE"), .mark("NAME"), .provider("P").mark("NAME"), .plt("NAME") and .library("LIB").function(...)${what ? `, not .${what.name}` : ''}.`);
  }
  if (typeof what.arg !== 'string' || !what.arg) bad(pointText, `.${what.name} needs a pattern in quotes, as in ${what.name}("${what.name === 'function' ? 'main' : 'main@main.c:12'}").`);
  const pattern = parseFunctionPattern(what.arg, pointText);
  let variant: ProcessProbeSpec['variant'];
  const flags: Pick<ProcessProbeSpec, 'inline' | 'exported' | 'nearest'> = {};
  // SystemTap's qualifiers: .function(...).inline / .exported, .statement(...).nearest
  while (components[i] && components[i].arg === undefined && ((what.name === 'function' && (components[i].name === 'inline' || components[i].name === 'exported')) || (what.name === 'statement' && components[i].name === 'nearest'))) {
    flags[components[i++].name as 'inline' | 'exported' | 'nearest'] = true;
  }
  const suffix = components[i++];
  if (suffix?.name === 'label' && what.name === 'function') {
    if (typeof suffix.arg !== 'string' || !suffix.arg) bad(pointText, '.label needs a label name in quotes, as in label("retry").');
    if (components[i]) bad(pointText, `unexpected .${components[i].name} after .label(...).`);
    return { process: processArg, library, kind: 'label', pattern, label: suffix.arg };
  }
  if (suffix) {
    if (what.name !== 'function' || (suffix.name !== 'call' && suffix.name !== 'return') || suffix.arg !== undefined) {
      bad(pointText, `.${suffix.name} cannot follow .${what.name}(...); a function probe may end in .call or .return.`);
    }
    variant = suffix.name;
  }
  if (components[i]) bad(pointText, `unexpected .${components[i].name} at the end.`);
  if (flags.inline && variant) bad(pointText, `.inline probes have no .${variant}: inlined code has no call or return of its own.`);
  if (what.name === 'statement' && !pattern.lines && !pattern.allLines && pattern.relativeLine === undefined) bad(pointText, `a statement probe needs a source line: statement("FUNC@file.c:LINE"), a range (:10-20), every line (:*) or a line relative to the function (+N).`);
  return { process: processArg, library, kind: what.name, pattern, variant, ...flags };
}

/** `[.provider("P")].mark("NAME")` from component `i` on. */
function parseMarkProbe(components: ProbePointComponent[], i: number, process: string | number | undefined, library: string | undefined, pointText: string): ProcessProbeSpec {
  let provider: string | undefined;
  if (components[i].name === 'provider') {
    const arg = components[i++].arg;
    if (typeof arg !== 'string' || !arg) bad(pointText, 'provider needs a name in quotes, as in provider("python").');
    provider = arg;
  }
  const mark = components[i++];
  if (!mark || mark.name !== 'mark') bad(pointText, 'a provider(...) is followed by .mark("NAME").');
  if (typeof mark.arg !== 'string' || !mark.arg) bad(pointText, '.mark needs a marker name in quotes, as in mark("query__start").');
  if (components[i]) bad(pointText, `unexpected .${components[i].name} after .mark(...).`);
  return { process, library, kind: 'mark', pattern: { name: mark.arg }, ...(provider !== undefined && { provider }) };
}

/** `.syscall` or `.syscall.return` from component `i` on. */
function parseSyscallProbe(components: ProbePointComponent[], i: number, process: string | number | undefined, pointText: string): ProcessProbeSpec {
  if (components[i++].arg !== undefined) bad(pointText, '.syscall takes no argument; it fires at every system call (test $syscall or syscall_name($syscall) in the handler).');
  const suffix = components[i++];
  if (suffix && (suffix.name !== 'return' || suffix.arg !== undefined)) bad(pointText, `.${suffix.name} cannot follow .syscall; only .return may.`);
  if (components[i]) bad(pointText, `unexpected .${components[i].name} at the end.`);
  return { process, kind: 'syscall', pattern: { name: '*' }, ...(suffix && { variant: 'return' as const }) };
}

/** `.plt("NAME")` or `.plt` (every entry), optionally `.return`, from component `i` on. */
function parsePltProbe(components: ProbePointComponent[], i: number, process: string | number | undefined, library: string | undefined, pointText: string): ProcessProbeSpec {
  const plt = components[i++];
  if (plt.arg !== undefined && (typeof plt.arg !== 'string' || !plt.arg)) bad(pointText, '.plt takes a function name in quotes, as in plt("puts"), or nothing for every PLT entry.');
  const suffix = components[i++];
  if (suffix && (suffix.name !== 'return' || suffix.arg !== undefined)) bad(pointText, `.${suffix.name} cannot follow .plt(...); a PLT probe may end in .return.`);
  if (components[i]) bad(pointText, `unexpected .${components[i].name} at the end.`);
  return { process, library, kind: 'plt', pattern: { name: typeof plt.arg === 'string' ? plt.arg : '*' }, ...(suffix && { variant: 'return' as const }) };
}
