// The concrete places a function or statement pattern names in one binary: from the DWARF
// function index (out-of-line and inlined instances, declaration file and line), and for code
// the DWARF does not describe — a stripped binary, assembly functions — from the symbol table.
// Each place has its address, its kind of site and its canonical probe point text.
import type { SiteKind } from '../ir/ir';
import { STB, STT } from '../../symbolizer/elf-constants';
import type { Dwarf } from '../../symbolizer/dwarf/dwarf';
import type { FunctionInstance, FunctionRecord, InlinedInstance } from '../../symbolizer/dwarf/function-index';
import { decodeExpression } from '../../symbolizer/dwarf/op';
import { variableLocationAt } from '../../symbolizer/dwarf/scopes';
import type { ElfBinary } from '../../symbolizer/elf-binary';
import { compileGlob } from '../../symbolizer/glob';
import { demangledQualifiedName, demangledSignature, isMangled } from '../../symbolizer/demangle';
import type { CodeSymbol } from '../../symbolizer/symbol-table';
import type { FunctionIndex } from '../../symbolizer/dwarf/function-index';
import { compileFunctionPattern, lastComponent, withoutTemplateArgs, type FunctionMatcher, type FunctionNames } from './function-names';
import type { IfuncResolution } from './ifunc-location';
import type { SdtMarker } from '../../symbolizer/sdt-notes';
import type { FunctionPattern, ProcessProbeSpec } from './probe-spec';
import { matchMarkers } from './sdt-match';
import type { PltEntry } from '../../symbolizer/plt';
import { matchPltEntries } from './plt-match';
import { labelsOf } from '../../symbolizer/dwarf/labels';

export interface ProbeLocation {
  binary: ElfBinary;
  kind: SiteKind;
  /** Function name, for probefunc(). */
  function: string;
  /** Link-time address of the probed instruction. */
  vaddr: bigint;
  /** Entry pc of the function instance (where .return entry captures are taken). */
  entryPc: bigint;
  /** The DWARF instance (subprogram or inlined subroutine DIE); undefined without DWARF. */
  functionDie?: number;
  /** Source position shown in the canonical text: declaration (functions) or line (statements). */
  file?: string;
  line?: number;
  inlined: boolean;
  /** `process("/abs/path").function("name@file.c:12").return` */
  canonical: string;
  /** An IFUNC symbol: what it resolved to (ifunc-location.ts). */
  ifunc?: IfuncResolution;
  /** For `.mark(...)`: the SDT marker placed here (see sdt-match.ts). */
  marker?: SdtMarker;
  /** For `.plt(...)`: the PLT stub probed here (see plt-match.ts). */
  plt?: PltEntry;
  /** For `.label(...)`: the label's name (pnlabel()). */
  label?: string;
}

/** Matches a file glob against a path as written in DWARF: the whole path or any trailing part after a '/'. */
export function fileMatcher(pattern: string): (path: string) => boolean {
  const glob = compileGlob(pattern);
  return (path: string) => {
    if (glob.matches(path)) return true;
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) if (glob.matches(path.slice(i + 1))) return true;
    return false;
  };
}

function quote(s: string): string {
  return JSON.stringify(s);
}

export function canonicalText(binaryPath: string, what: 'function' | 'statement', name: string, file: string | undefined, line: number | undefined, variant?: 'call' | 'return' | { label: string }): string {
  const where = file ? `@${file}${line ? `:${line}` : ''}` : '';
  const suffix = variant === undefined ? '' : typeof variant === 'string' ? `.${variant}` : `.label(${quote(variant.label)})`;
  return `process(${quote(binaryPath)}).${what}(${quote(name + where)})${suffix}`;
}

const usesEntryValue = (expression: Uint8Array): boolean => {
  try {
    return decodeExpression(expression).some((o) => o.operation.kind === 'entryValue');
  } catch {
    return true;
  }
};

/**
 * Where a plain `.function` probe goes: after the prologue (SystemTap's rule, so that -O0
 * parameters are in their stack slots), unless some parameter readable at the entry would be
 * lost there — optimized out, or only describable by its entry value — then at the entry.
 */
export function functionProbePc(dwarf: Dwarf, instance: FunctionInstance): bigint {
  const after = dwarf.afterPrologue(instance);
  if (after === instance.entryPc) return after;
  try {
    for (const v of dwarf.variables(instance.die, after)) {
      if (v.kind !== 'parameter') continue;
      const there = variableLocationAt(v, after);
      const atEntry = variableLocationAt(v, instance.entryPc);
      if (there.kind === 'optimizedOut' && (atEntry.kind !== 'optimizedOut' || v.location.kind === 'list')) return instance.entryPc;
      if (there.kind === 'expression' && usesEntryValue(there.expression)) return instance.entryPc;
    }
  } catch {
    return instance.entryPc;
  }
  return after;
}

/**
 * A location whose `vaddr` is worked out on first read: a plain .function's address needs the
 * unit's line table and the parameters' locations, which a listing of thousands never asks for.
 */
function withProbePc(location: Omit<ProbeLocation, 'vaddr'>, dwarf: Dwarf, instance: FunctionInstance, variant: ProcessProbeSpec['variant']): ProbeLocation {
  if (variant) return { ...location, vaddr: instance.entryPc };
  let pc: bigint | undefined;
  return Object.defineProperty(location, 'vaddr', { enumerable: true, get: () => (pc ??= functionProbePc(dwarf, instance)) }) as ProbeLocation;
}

function lineInRange(line: number | undefined, pattern: FunctionPattern): boolean {
  return !pattern.lines || (line !== undefined && line >= pattern.lines.first && line <= pattern.lines.last);
}

/** Records under their name without template arguments (`twice` → `twice<long int>`, `twice<double>`), for literal patterns. */
const byBaseName = new WeakMap<FunctionIndex, Map<string, FunctionRecord[]>>();

function templateInstances(index: FunctionIndex, name: string): FunctionRecord[] {
  let map = byBaseName.get(index);
  if (!map) {
    map = new Map();
    for (const f of index.functions) {
      const base = withoutTemplateArgs(f.name);
      if (base === f.name) continue;
      const list = map.get(base);
      if (list) list.push(f);
      else map.set(base, [f]);
    }
    byBaseName.set(index, map);
  }
  return map.get(name) ?? [];
}

/**
 * The names of a DWARF function (function-names.ts): its DW_AT_name, and its mangled name — the
 * DW_AT_linkage_name, else (internal linkage: anonymous namespaces, lambdas) the symbol at its
 * entry — with the qualified name that demangles to.
 */
export function recordNames(binary: ElfBinary, record: FunctionRecord): FunctionNames {
  let mangled: string | null | undefined;
  let qualified: string | undefined;
  const mangledName = (): string | undefined => {
    if (mangled === undefined) {
      mangled = record.linkageName ?? null;
      const entry = record.instances[0]?.entryPc ?? record.inlined[0]?.entryPc;
      if (mangled === null && entry !== undefined) {
        const at = binary.symbols().at(entry);
        if (at && at.offset === 0n && isMangled(at.symbol.name)) mangled = at.symbol.name;
      }
    }
    return mangled ?? undefined;
  };
  return {
    name: record.name,
    mangled: mangledName,
    qualified: () => (qualified ??= demangledOr(mangledName(), record.name)),
  };
}

function demangledOr(mangled: string | undefined, fallback: string): string {
  return (mangled !== undefined && demangledQualifiedName(mangled)) || fallback;
}

/** The names of a symbol without DWARF: a mangled one is known by what it demangles to. */
function symbolNames(s: CodeSymbol): FunctionNames {
  if (!isMangled(s.name)) return { name: s.name, qualified: () => s.name, mangled: () => undefined };
  const qualified = demangledOr(s.name, s.name);
  return { name: lastComponent(qualified), qualified: () => qualified, mangled: () => s.name };
}

function dwarfRecords(binary: ElfBinary, dwarf: Dwarf, matcher: FunctionMatcher, pattern: FunctionPattern): FunctionRecord[] {
  const index = dwarf.functionIndex();
  const candidates = matcher.literalName !== undefined
    ? [...index.byName(matcher.literalName), ...templateInstances(index, matcher.literalName)]
    : index.functions.filter((f) => matcher.matches(recordNames(binary, f)));
  const inFile = pattern.file ? fileMatcher(pattern.file) : undefined;
  return candidates.filter((f) => (!inFile || (f.declFile !== undefined && inFile(f.declFile))) && lineInRange(f.declLine, pattern));
}

/** Function probes: `.function(PATTERN)` with its variant. */
export function matchFunctions(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const matcher = compileFunctionPattern(spec.pattern.name);
  const dwarf = binary.dwarf();
  const out: ProbeLocation[] = [];
  const kind: SiteKind = spec.variant === 'return' ? 'return' : 'entry';
  const covered = new Set<bigint>();
  if (dwarf) {
    for (const record of dwarfRecords(binary, dwarf, matcher, spec.pattern)) {
      // C++ functions go by their qualified name (geo::Counter::add) in pp(), ppfunc() and -l.
      const name = recordNames(binary, record).qualified();
      const canonical = canonicalText(binary.path, 'function', name, record.declFile, record.declLine, spec.variant);
      if (spec.exported && !record.external) continue;
      if (spec.inline) {
        // .inline: only the places the function was inlined into
        for (const inlined of record.inlined as InlinedInstance[]) {
          out.push({ binary, kind: 'entry', function: name, vaddr: inlined.entryPc, entryPc: inlined.entryPc, functionDie: inlined.die, file: record.declFile, line: record.declLine, inlined: true, canonical });
        }
        continue;
      }
      for (const instance of record.instances) {
        covered.add(instance.entryPc);
        out.push(withProbePc({ binary, kind, function: name, entryPc: instance.entryPc, functionDie: instance.die, file: record.declFile, line: record.declLine, inlined: false, canonical }, dwarf, instance, spec.variant));
      }
      // SystemTap: a plain .function also fires where the function was inlined; .call and .return do not.
      if (!spec.variant) {
        for (const inlined of record.inlined as InlinedInstance[]) {
          out.push({ binary, kind: 'entry', function: name, vaddr: inlined.entryPc, entryPc: inlined.entryPc, functionDie: inlined.die, file: record.declFile, line: record.declLine, inlined: true, canonical });
        }
      }
    }
  }
  // Code the DWARF does not describe: every function of a stripped binary, assembly routines.
  if (!spec.pattern.file && !spec.pattern.lines && !spec.inline) {
    const index = dwarf?.functionIndex();
    const symbols = binary.symbols();
    // A literal C name is looked up; mangled symbols are matched by their demangled names.
    const candidates = matcher.literalName !== undefined
      ? [...symbols.byName(matcher.literalName), ...symbols.symbols.filter((s) => isMangled(s.name) && matcher.matches(symbolNames(s)))]
      : symbols.symbols.filter((s) => matcher.matches(symbolNames(s)));
    const seen = new Set<bigint>();
    for (const s of candidates) {
      // An IFUNC's address is its resolver's, which the DWARF names otherwise (strlen_ifunc):
      // the IFUNC is matched under its own name too, and later moved to its implementation.
      if (s.source === 'plt' || (covered.has(s.address) && s.type !== STT.STT_GNU_IFUNC) || seen.has(s.address)) continue;
      if (spec.exported && s.binding === STB.STB_LOCAL) continue;
      seen.add(s.address);
      const described = index?.functionAt(s.address);
      if (described && dwarf) {
        // Another name (an alias such as libc's malloc for __libc_malloc) for a function the
        // DWARF describes: probe that function, under the name the user wrote.
        const { record, instance } = described;
        if (instance.entryPc !== s.address) continue; // a label inside a function, not a function
        const name = symbolNames(s).qualified();
        out.push(withProbePc({
          binary, kind, function: name, entryPc: instance.entryPc, functionDie: instance.die, file: record.declFile, line: record.declLine, inlined: false,
          canonical: canonicalText(binary.path, 'function', name, record.declFile, record.declLine, spec.variant),
        }, dwarf, instance, spec.variant));
        continue;
      }
      const name = symbolNames(s).qualified();
      // Without DWARF no declaration line tells overloads apart: a C++ function is listed by its
      // signature (geo::Counter::add(long)), which is also a pattern naming just that one.
      const listed = (isMangled(s.name) && demangledSignature(s.name)) || name;
      out.push({ binary, kind, function: name, vaddr: s.address, entryPc: s.address, inlined: false, canonical: canonicalText(binary.path, 'function', listed, undefined, undefined, spec.variant) });
    }
  }
  return out;
}

/** The name of the function (out-of-line or inlined) whose DIE is `die`. */
function recordsByDie(dwarf: Dwarf): Map<number, FunctionRecord> {
  const map = new Map<number, FunctionRecord>();
  for (const f of dwarf.functionIndex().functions) {
    for (const i of f.instances) map.set(i.die, f);
    for (const i of f.inlined) map.set(i.die, f);
  }
  return map;
}

/**
 * The lines a statement pattern names: a line or range as written, the line N after each
 * matching function's declaration (`+N`), or every line with code in the matching functions (`:*`).
 */
function statementLines(binary: ElfBinary, dwarf: Dwarf, matcher: FunctionMatcher, pattern: FunctionPattern, inFile: (path: string) => boolean): number[] {
  if (pattern.lines) {
    const out: number[] = [];
    for (let line = pattern.lines.first; line <= pattern.lines.last; line++) out.push(line);
    return out;
  }
  const records = dwarfRecords(binary, dwarf, matcher, { name: pattern.name, file: pattern.file });
  const lines = new Set<number>();
  for (const record of records) {
    if (pattern.relativeLine !== undefined) {
      if (record.declLine !== undefined) lines.add(record.declLine + pattern.relativeLine);
      continue;
    }
    const table = dwarf.lineTable(record.unit);
    for (const instance of record.instances) {
      for (const range of instance.ranges) {
        for (const row of table?.rowsBetween(range.begin, range.end) ?? []) if (row.line > 0 && inFile(row.path)) lines.add(row.line);
      }
    }
  }
  return [...lines].sort((a, b) => a - b);
}

/** Statement probes: `.statement("FUNC@file.c:LINE")`, one site per breakpoint address of the line in a matching function. */
export function matchStatements(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const dwarf = binary.dwarf();
  if (!dwarf || !spec.pattern.file || (!spec.pattern.lines && !spec.pattern.allLines && spec.pattern.relativeLine === undefined)) return [];
  const matcher = compileFunctionPattern(spec.pattern.name);
  const inFile = fileMatcher(spec.pattern.file);
  const index = dwarf.functionIndex();
  const byDie = recordsByDie(dwarf);
  const out: ProbeLocation[] = [];
  const seen = new Set<bigint>();
  for (const wanted of statementLines(binary, dwarf, matcher, spec.pattern, inFile)) {
    let line = wanted;
    // .nearest: a line without code stands for the next one that has some
    if (spec.nearest) while (line < wanted + 100 && dwarf.linesFor(inFile, line).length === 0) line++;
    for (const row of dwarf.linesFor(inFile, line)) {
      if (seen.has(row.address)) continue;
      const outer = index.functionAt(row.address);
      if (!outer) continue;
      const chain = dwarf.inlineChainAt(outer.instance.die, row.address);
      const innermost = chain.length ? chain[chain.length - 1] : outer.instance.die;
      const record = byDie.get(innermost) ?? outer.record;
      // The pattern may name the inlined function or the one it was inlined into.
      if (!matcher.matches(recordNames(binary, record)) && !matcher.matches(recordNames(binary, outer.record))) continue;
      seen.add(row.address);
      const inlined = record.inlined.find((i) => i.die === innermost);
      const entryPc = inlined ? inlined.entryPc : outer.instance.entryPc;
      out.push({
        binary, kind: 'statement', function: record.name, vaddr: row.address, entryPc, functionDie: innermost,
        file: row.path, line: row.line, inlined: !!inlined,
        canonical: canonicalText(binary.path, 'statement', record.name, row.path, row.line),
      });
    }
  }
  return out;
}

/**
 * Label probes: `.function("FUNC").label("NAME")`, at the address of each matching DW_TAG_label
 * in the out-of-line and inlined instances of the matching functions. A line in the function pattern
 * (`FUNC@file.c:5`) selects labels declared on that line.
 */
export function matchLabels(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const dwarf = binary.dwarf();
  if (!dwarf) return [];
  const matcher = compileFunctionPattern(spec.pattern.name);
  const labelGlob = compileGlob(spec.label ?? '*');
  const out: ProbeLocation[] = [];
  for (const record of dwarfRecords(binary, dwarf, matcher, { name: spec.pattern.name, file: spec.pattern.file })) {
    // The labels of each copy of the function: out of line, and where it was inlined.
    const copies = [...record.instances.map((i) => ({ ...i, inlined: false })), ...(record.inlined as InlinedInstance[]).map((i) => ({ ...i, inlined: true }))];
    for (const instance of copies) {
      for (const label of labelsOf(dwarf.ctx, instance.die)) {
        if (!labelGlob.matches(label.name) || !lineInRange(label.declLine, spec.pattern)) continue;
        out.push({
          binary, kind: 'statement', function: record.name, vaddr: label.pc, entryPc: instance.entryPc, functionDie: instance.die,
          file: record.declFile, line: label.declLine, inlined: instance.inlined, label: label.name,
          canonical: canonicalText(binary.path, 'function', record.name, record.declFile, label.declLine, { label: label.name }),
        });
      }
    }
  }
  return out.sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
}

export function matchProbe(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  if (spec.kind === 'label') return matchLabels(binary, spec);
  if (spec.kind === 'mark') return matchMarkers(binary, spec);
  if (spec.kind === 'plt') return matchPltEntries(binary, spec);
  return spec.kind === 'statement' ? matchStatements(binary, spec) : matchFunctions(binary, spec);
}
