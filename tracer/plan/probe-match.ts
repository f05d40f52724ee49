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
import { compileGlob, type Glob } from '../../symbolizer/glob';
import type { IfuncResolution } from './ifunc-location';
import type { SdtMarker } from '../../symbolizer/sdt-notes';
import type { FunctionPattern, ProcessProbeSpec } from './probe-spec';
import { matchMarkers } from './sdt-match';
import type { PltEntry } from '../../symbolizer/plt';
import { matchPltEntries } from './plt-match';
import { labelsOf } from '../../symbolizer/dwarf/labels';
import { demangledQualifiedName } from '../../symbolizer/demangle';

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

const qualifiedNames = new WeakMap<FunctionRecord, string>();

/** `ns::Klass::method` (from the linkage name) for C++ functions; the plain name otherwise. */
export function qualifiedName(f: FunctionRecord): string {
  let q = qualifiedNames.get(f);
  if (q === undefined) {
    q = (f.linkageName && demangledQualifiedName(f.linkageName)) || f.name;
    qualifiedNames.set(f, q);
  }
  return q;
}

function dwarfRecords(dwarf: Dwarf, glob: Glob, pattern: FunctionPattern): FunctionRecord[] {
  const index = dwarf.functionIndex();
  // `ns::Klass::method`, `*::method`: C++ names matched with their scopes
  const candidates = pattern.name.includes('::')
    ? index.functions.filter((f) => glob.matches(qualifiedName(f)))
    : glob.literal ? index.byName(glob.pattern) : index.functions.filter((f) => glob.matches(f.name));
  const inFile = pattern.file ? fileMatcher(pattern.file) : undefined;
  return candidates.filter((f) => (!inFile || (f.declFile !== undefined && inFile(f.declFile))) && lineInRange(f.declLine, pattern));
}

/** Function probes: `.function(PATTERN)` with its variant. */
export function matchFunctions(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const glob = compileGlob(spec.pattern.name);
  const dwarf = binary.dwarf();
  const out: ProbeLocation[] = [];
  const kind: SiteKind = spec.variant === 'return' ? 'return' : 'entry';
  const covered = new Set<bigint>();
  if (dwarf) {
    for (const record of dwarfRecords(dwarf, glob, spec.pattern)) {
      if (spec.exported && !record.external) continue;
      const canonical = canonicalText(binary.path, 'function', record.name, record.declFile, record.declLine, spec.variant);
      if (spec.inline) {
        // .inline: only the places the function was inlined into
        for (const inlined of record.inlined as InlinedInstance[]) {
          out.push({ binary, kind: 'entry', function: record.name, vaddr: inlined.entryPc, entryPc: inlined.entryPc, functionDie: inlined.die, file: record.declFile, line: record.declLine, inlined: true, canonical });
        }
        continue;
      }
      for (const instance of record.instances) {
        covered.add(instance.entryPc);
        out.push(withProbePc({ binary, kind, function: record.name, entryPc: instance.entryPc, functionDie: instance.die, file: record.declFile, line: record.declLine, inlined: false, canonical }, dwarf, instance, spec.variant));
      }
      // SystemTap: a plain .function also fires where the function was inlined; .call and .return do not.
      if (!spec.variant) {
        for (const inlined of record.inlined as InlinedInstance[]) {
          out.push({ binary, kind: 'entry', function: record.name, vaddr: inlined.entryPc, entryPc: inlined.entryPc, functionDie: inlined.die, file: record.declFile, line: record.declLine, inlined: true, canonical });
        }
      }
    }
  }
  // Code the DWARF does not describe: every function of a stripped binary, assembly routines.
  if (!spec.pattern.file && !spec.pattern.lines && !spec.inline) {
    const index = dwarf?.functionIndex();
    const symbols = binary.symbols();
    const qualified = spec.pattern.name.includes('::');
    const candidates = qualified
      ? symbols.symbols.filter((s) => glob.matches(demangledQualifiedName(s.name) ?? s.name))
      : glob.literal ? symbols.byName(glob.pattern) : symbols.symbols.filter((s) => glob.matches(s.name));
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
        out.push(withProbePc({
          binary, kind, function: s.name, entryPc: instance.entryPc, functionDie: instance.die, file: record.declFile, line: record.declLine, inlined: false,
          canonical: canonicalText(binary.path, 'function', s.name, record.declFile, record.declLine, spec.variant),
        }, dwarf, instance, spec.variant));
        continue;
      }
      // a C++ symbol without DWARF: listed and named by its demangled qualified name
      const shown = demangledQualifiedName(s.name) ?? s.name;
      out.push({ binary, kind, function: shown, vaddr: s.address, entryPc: s.address, inlined: false, canonical: canonicalText(binary.path, 'function', shown, undefined, undefined, spec.variant) });
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
function statementLines(dwarf: Dwarf, glob: Glob, pattern: FunctionPattern, inFile: (path: string) => boolean): number[] {
  if (pattern.lines) {
    const out: number[] = [];
    for (let line = pattern.lines.first; line <= pattern.lines.last; line++) out.push(line);
    return out;
  }
  const records = dwarfRecords(dwarf, glob, { name: pattern.name, file: pattern.file });
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
  const glob = compileGlob(spec.pattern.name);
  const inFile = fileMatcher(spec.pattern.file);
  const index = dwarf.functionIndex();
  const byDie = recordsByDie(dwarf);
  const out: ProbeLocation[] = [];
  const seen = new Set<bigint>();
  for (const wanted of statementLines(dwarf, glob, spec.pattern, inFile)) {
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
      const names = [record.name, outer.record.name];
      if (!names.some((n) => glob.matches(n))) continue;
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
  const glob = compileGlob(spec.pattern.name);
  const labelGlob = compileGlob(spec.label ?? '*');
  const out: ProbeLocation[] = [];
  for (const record of dwarfRecords(dwarf, glob, { name: spec.pattern.name, file: spec.pattern.file })) {
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
