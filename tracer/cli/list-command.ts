// `utap -l / -L PROBE_POINT` — list the probe points a pattern matches, one canonical line each,
// sorted and without repeats: `process("/abs/path").function("name@file.c:LINE")`. -L appends the
// target variables there, `$name:ctype`, and `$return:ctype` for a .return probe of a function
// that returns a value.
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { ListOptions } from './options';
import { terminalProgress } from './progress';
import { BinaryCatalog, defaultSymbolCache } from '../plan/binaries';
import { describeIfunc } from '../plan/ifunc-location';
import type { ProbeLocation } from '../plan/probe-match';
import { parseProbePointText } from '../plan/probe-point-text';
import { locateProbe } from '../plan/probe-resolver';
import { markerArgumentsText } from '../plan/sdt-list';
import { syscallVariablesText } from '../plan/syscall-lower';
import { lifecycleEventOf, lifecycleProcessArg } from '../plan/lifecycle-probes';

const NON_PROCESS = new Set(['begin', 'end', 'error', 'never']);

/** `$name:type` of the variables in scope at a location (parameters first), plus `$return` for .return. */
export function variablesText(location: ProbeLocation): string {
  if (location.marker) return markerArgumentsText(location.marker);
  if (location.kind === 'syscall' || location.kind === 'syscallReturn') return syscallVariablesText(location.kind);
  const dwarf = location.functionDie !== undefined ? location.binary.dwarf() : undefined;
  if (!dwarf || location.functionDie === undefined) return '';
  const parts: string[] = [];
  const seen = new Set<string>();
  const variables = dwarf.variables(location.functionDie, location.vaddr);
  for (const v of [...variables.filter((x) => x.kind === 'parameter'), ...variables.filter((x) => x.kind === 'local')]) {
    if (!v.name || seen.has(v.name)) continue;
    seen.add(v.name);
    parts.push(`$${v.name}:${dwarf.typeName(v.type)}`);
  }
  if (location.kind === 'return') {
    const ret = dwarf.returnType(location.functionDie);
    if (ret !== undefined && dwarf.types.strip(ret).kind !== 'void') parts.push(`$return:${dwarf.typeName(ret)}`);
  }
  return parts.join(' ');
}

/** The lines `utap -l/-L` prints for one probe point. */
export function listLines(catalog: BinaryCatalog, probePoint: string, withVariables: boolean): string[] {
  const point = parseProbePointText(probePoint);
  const first = point.components[0]?.name;
  if (first === undefined) throw new UtapError('-l needs a probe point, such as process("/bin/ls").function("main").', EXIT_SCRIPT_ERROR);
  if (NON_PROCESS.has(first) || first === 'timer') return [point.text];
  if (first !== 'process') throw new UtapError(`'${point.text}' is not a probe point utap knows (begin, end, error, never, timer.*, process.*).`, EXIT_SCRIPT_ERROR);
  const event = lifecycleEventOf(point);
  if (event) {
    // process("PATH").begin: the program's canonical path; bare process.begin stays as written
    const arg = lifecycleProcessArg(point);
    if (arg === undefined) return [point.text];
    const exe = catalog.executableFor({ process: arg, kind: 'function', pattern: { name: '*' } }, point.text);
    return [`process(${JSON.stringify(exe)}).${event}`];
  }
  const lines = new Map<string, string>();
  for (const location of locateProbe(catalog, point)) {
    if (lines.has(location.canonical)) continue;
    const vars = withVariables ? variablesText(location) : '';
    const ifunc = location.ifunc ? `  # ${describeIfunc(location.ifunc)}` : '';
    lines.set(location.canonical, `${location.canonical}${vars ? ` ${vars}` : ''}${ifunc}`);
  }
  if (lines.size === 0 && !point.optional) {
    // exit 1 as SystemTap's -l does when nothing matches (a script naming the point fails the same way)
    throw new UtapError(`probe point '${point.text}' matches nothing; check the name (globs such as "Send*" work) and the program.`, EXIT_SCRIPT_ERROR);
  }
  return [...lines.keys()].sort().map((k) => lines.get(k)!);
}

export async function listCommand(options: ListOptions): Promise<number> {
  const catalog = new BinaryCatalog({
    cache: defaultSymbolCache(),
    progress: terminalProgress(),
    targetPid: options.pid,
    command: options.command,
  });
  const started = process.hrtime.bigint();
  try {
    const lines = listLines(catalog, options.probePoint, options.withVariables);
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
    if (options.verbose) process.stderr.write(`utap: listed ${lines.length} probe points in ${Number(process.hrtime.bigint() - started) / 1e6} ms\n`);
    return 0;
  } finally {
    catalog.close();
  }
}
