// The index of every function with code: its name, declaration, out-of-line instances (entry
// pc, ranges) and inlined instances (entry pc, ranges, call site). Built by one pass over
// .debug_info that decodes only subprogram and inlined-subroutine DIEs and steps over everything
// else (via DW_AT_sibling, or by the fixed sizes of their forms); serialisable so a caller can
// cache it by build-id.
import type { ByteReader } from '../byte-reader';
import type { Abbreviation } from './abbrev';
import { DW_AT, DW_INL, DW_TAG } from './constants';
import type { DwarfContext } from './context';
import { fixedFormSize, readFormValue, skipFormValue, type FormValue } from './form';
import type { AddressRange } from './list-context';
import type { Unit } from './unit';

/** One out-of-line copy of a function's code. */
export interface FunctionInstance {
  /** Section offset of the DW_TAG_subprogram DIE holding the code. */
  die: number;
  /** Offset of its unit. */
  unit: number;
  /** Where execution enters: DW_AT_entry_pc, else the low pc. */
  entryPc: bigint;
  /** Lowest and one-past-highest pc over all its ranges. */
  lowPc: bigint;
  highPc: bigint;
  ranges: AddressRange[];
}

/** One place where a function was inlined into another. */
export interface InlinedInstance {
  /** Section offset of the DW_TAG_inlined_subroutine DIE. */
  die: number;
  unit: number;
  entryPc: bigint;
  lowPc: bigint;
  highPc: bigint;
  ranges: AddressRange[];
  callFile?: string;
  callLine?: number;
  callColumn?: number;
  /** The out-of-line subprogram DIE the call was inlined into (the frame it runs in). */
  caller: number;
}

export interface FunctionRecord {
  name: string;
  linkageName?: string;
  /** The DIE that names the function: the abstract instance or declaration its instances refer to, or the definition itself. */
  die: number;
  unit: number;
  declFile?: string;
  declLine?: number;
  declColumn?: number;
  /** DW_AT_external: visible outside its unit (not `static`). */
  external: boolean;
  /** Declared `inline` (DW_AT_inline is declared_inlined or declared_not_inlined). */
  declaredInline: boolean;
  instances: FunctionInstance[];
  inlined: InlinedInstance[];
}

/** What the scan keeps of one subprogram / inlined-subroutine DIE before origins are resolved. */
interface RawFunctionDie {
  offset: number;
  unit: Unit;
  tag: number;
  name?: string;
  linkageName?: string;
  declFile?: number;
  declLine?: number;
  declColumn?: number;
  external: boolean;
  declaration: boolean;
  inline?: number;
  origin?: number;
  specification?: number;
  ranges: AddressRange[];
  entryPc?: bigint;
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  caller: number;
}

const INDEX_FORMAT_VERSION = 1;

export class FunctionIndex {
  private byNameMap?: Map<string, FunctionRecord[]>;
  private byAddress?: Array<{ low: bigint; high: bigint; record: FunctionRecord; instance: FunctionInstance }>;

  constructor(readonly functions: FunctionRecord[]) {}

  /** Records with this DW_AT_name (several when `static` functions share a name across files). */
  byName(name: string): FunctionRecord[] {
    if (!this.byNameMap) {
      this.byNameMap = new Map();
      for (const f of this.functions) {
        const list = this.byNameMap.get(f.name);
        if (list) list.push(f);
        else this.byNameMap.set(f.name, [f]);
      }
    }
    return this.byNameMap.get(name) ?? [];
  }

  /** The out-of-line function whose ranges hold `pc` (inlined callees are not considered). */
  functionAt(pc: bigint): { record: FunctionRecord; instance: FunctionInstance } | undefined {
    if (!this.byAddress) {
      this.byAddress = [];
      for (const record of this.functions) {
        for (const instance of record.instances) {
          for (const r of instance.ranges) this.byAddress.push({ low: r.begin, high: r.end, record, instance });
        }
      }
      this.byAddress.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
    }
    const list = this.byAddress;
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].low <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let i = found; i >= 0 && i > found - 8; i--) if (pc >= list[i].low && pc < list[i].high) return list[i];
    return undefined;
  }

  /** A JSON-safe copy (addresses as hex strings) for caching; FunctionIndex.fromJSON reverses it. */
  toJSON(): SerializedFunctionIndex {
    const hex = (v: bigint): string => v.toString(16);
    const ranges = (rs: AddressRange[]): string[] => rs.map((r) => `${hex(r.begin)}-${hex(r.end)}`);
    return {
      format: INDEX_FORMAT_VERSION,
      functions: this.functions.map((f) => ({
        ...f,
        instances: f.instances.map((i) => ({ ...i, entryPc: hex(i.entryPc), lowPc: hex(i.lowPc), highPc: hex(i.highPc), ranges: ranges(i.ranges) })),
        inlined: f.inlined.map((i) => ({ ...i, entryPc: hex(i.entryPc), lowPc: hex(i.lowPc), highPc: hex(i.highPc), ranges: ranges(i.ranges) })),
      })),
    };
  }

  /** Rebuilds an index from toJSON()'s output; throws if the format is not this version's. */
  static fromJSON(data: SerializedFunctionIndex): FunctionIndex {
    if (!data || data.format !== INDEX_FORMAT_VERSION || !Array.isArray(data.functions)) throw new Error('function index cache has another format');
    const big = (s: string): bigint => BigInt(`0x${s}`);
    const ranges = (rs: string[]): AddressRange[] => rs.map((r) => {
      const [b, e] = r.split('-');
      return { begin: big(b), end: big(e) };
    });
    return new FunctionIndex(data.functions.map((f) => ({
      ...f,
      instances: f.instances.map((i) => ({ ...i, entryPc: big(i.entryPc), lowPc: big(i.lowPc), highPc: big(i.highPc), ranges: ranges(i.ranges) })),
      inlined: f.inlined.map((i) => ({ ...i, entryPc: big(i.entryPc), lowPc: big(i.lowPc), highPc: big(i.highPc), ranges: ranges(i.ranges) })),
    })));
  }
}

type Hexed<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends AddressRange[] ? string[] : T[K] };
export interface SerializedFunctionIndex {
  format: number;
  functions: Array<Omit<FunctionRecord, 'instances' | 'inlined'> & { instances: Hexed<FunctionInstance>[]; inlined: Hexed<InlinedInstance>[] }>;
}

/** Tags whose children may hold functions or inlined calls; every other subtree is stepped over. */
const DESCEND = new Set<number>([
  DW_TAG.DW_TAG_compile_unit, DW_TAG.DW_TAG_partial_unit, DW_TAG.DW_TAG_subprogram, DW_TAG.DW_TAG_lexical_block,
  DW_TAG.DW_TAG_inlined_subroutine, DW_TAG.DW_TAG_namespace, DW_TAG.DW_TAG_module, DW_TAG.DW_TAG_structure_type,
  DW_TAG.DW_TAG_class_type, DW_TAG.DW_TAG_union_type, DW_TAG.DW_TAG_skeleton_unit, DW_TAG.DW_TAG_try_block,
  DW_TAG.DW_TAG_catch_block,
]);

/** How to step over the attributes of one abbreviation. */
interface SkipPlan {
  /** Total size when every form is fixed-size, else -1. */
  fixed: number;
  /** Byte offset of DW_AT_sibling within the attributes when it is at a fixed position, else -1. */
  siblingAt: number;
  siblingForm: number;
}

function skipPlan(abbrev: Abbreviation, unit: Unit): SkipPlan {
  let fixed = 0;
  let siblingAt = -1;
  let siblingForm = 0;
  for (const spec of abbrev.attributes) {
    if (spec.name === DW_AT.DW_AT_sibling && fixed >= 0) {
      siblingAt = fixed;
      siblingForm = spec.form;
    }
    const size = fixedFormSize(spec.form, unit.header);
    if (size < 0 || fixed < 0) fixed = -1;
    else fixed += size;
  }
  return { fixed, siblingAt, siblingForm };
}

/** Scans every compile unit and builds the index; `progress` hears the .debug_info offset reached after each unit. */
export function buildFunctionIndex(ctx: DwarfContext, progress?: (offset: number) => void): FunctionIndex {
  const raws = new Map<number, RawFunctionDie>();
  for (const unit of ctx.units()) {
    progress?.(unit.offset);
    unit.withAbbreviations(() => {
      void unit.bases; // read the root's bases while its abbreviations are at hand
      scanUnit(unit, raws);
    });
  }
  return resolveRecords(ctx, raws);
}

function scanUnit(unit: Unit, out: Map<number, RawFunctionDie>): void {
  const h = unit.header;
  if (h.unitType !== 1 && h.unitType !== 3) return; // DW_UT_compile, DW_UT_partial: the units with code
  const r: ByteReader = unit.reader;
  const abbrevs = unit.abbreviations;
  const plans: (SkipPlan | undefined)[] = [];
  // Per open DIE with children: is it worth descending into, and the innermost enclosing subprogram.
  const descend: boolean[] = [];
  const callers: number[] = [];
  let caller = -1;
  r.seek(h.firstEntryOffset);
  while (r.offset < h.end) {
    const at = r.offset;
    const code = r.uleb();
    if (code === 0) {
      if (descend.length === 0) break;
      descend.pop();
      caller = callers.pop() ?? -1;
      continue;
    }
    const abbrev = abbrevs.get(code);
    if (!abbrev) r.fail(`abbreviation code ${code} is not in the unit's table`, at);
    const tag = abbrev.tag;
    if (tag === DW_TAG.DW_TAG_subprogram || tag === DW_TAG.DW_TAG_inlined_subroutine) {
      const raw = decodeFunctionDie(unit, r, at, abbrev, caller);
      out.set(at, raw);
      if (abbrev.hasChildren) {
        descend.push(true);
        callers.push(caller);
        // Inlined code runs in the frame of the out-of-line function that contains it.
        if (tag === DW_TAG.DW_TAG_subprogram && raw.ranges.length > 0) caller = at;
      }
      continue;
    }
    const parentWanted = descend.length === 0 || descend[descend.length - 1];
    const wanted = parentWanted && DESCEND.has(tag);
    let plan = plans[code];
    if (!plan) plan = plans[code] = skipPlan(abbrev, unit);
    if (abbrev.hasChildren && !wanted) {
      // Step over the whole subtree at once when DW_AT_sibling says where it ends.
      const start = r.offset;
      let sibling = -1;
      if (plan.siblingAt >= 0) {
        r.seek(start + plan.siblingAt);
        const v = readFormValue(r, plan.siblingForm, h, h.offset);
        if (v.kind === 'ref') sibling = v.offset;
      } else {
        for (const spec of abbrev.attributes) {
          if (spec.name === DW_AT.DW_AT_sibling) {
            const v = readFormValue(r, spec.form, h, h.offset);
            if (v.kind === 'ref') sibling = v.offset;
          } else skipFormValue(r, spec.form, h);
        }
      }
      if (sibling > at && sibling <= h.end) {
        r.seek(sibling);
        continue;
      }
      r.seek(start);
    }
    if (plan.fixed >= 0) r.skip(plan.fixed);
    else for (const spec of abbrev.attributes) skipFormValue(r, spec.form, h);
    if (abbrev.hasChildren) {
      descend.push(wanted);
      callers.push(caller);
    }
  }
}

/** The attributes of subprogram / inlined-subroutine DIEs the index keeps; the rest are stepped over. */
const WANTED_ATTRIBUTES = new Set<number>([
  DW_AT.DW_AT_name, DW_AT.DW_AT_linkage_name, DW_AT.DW_AT_MIPS_linkage_name, DW_AT.DW_AT_decl_file, DW_AT.DW_AT_decl_line,
  DW_AT.DW_AT_decl_column, DW_AT.DW_AT_external, DW_AT.DW_AT_declaration, DW_AT.DW_AT_inline, DW_AT.DW_AT_abstract_origin,
  DW_AT.DW_AT_specification, DW_AT.DW_AT_low_pc, DW_AT.DW_AT_high_pc, DW_AT.DW_AT_ranges, DW_AT.DW_AT_entry_pc,
  DW_AT.DW_AT_call_file, DW_AT.DW_AT_call_line, DW_AT.DW_AT_call_column,
]);

function decodeFunctionDie(unit: Unit, r: ByteReader, offset: number, abbrev: Abbreviation, caller: number): RawFunctionDie {
  const h = unit.header;
  const raw: RawFunctionDie = { offset, unit, tag: abbrev.tag, external: false, declaration: false, ranges: [], caller };
  let low: FormValue | undefined;
  let high: FormValue | undefined;
  let rangesValue: FormValue | undefined;
  let entry: FormValue | undefined;
  const num = (v: FormValue): number | undefined => (v.kind === 'constant' ? Number(v.value) : undefined);
  const ref = (v: FormValue): number | undefined => (v.kind === 'ref' ? v.offset : undefined);
  for (const spec of abbrev.attributes) {
    if (!WANTED_ATTRIBUTES.has(spec.name)) {
      skipFormValue(r, spec.form, h);
      continue;
    }
    const v = readFormValue(r, spec.form, h, h.offset, spec.implicitConst);
    switch (spec.name) {
      case DW_AT.DW_AT_name: raw.name = unit.string(v); break;
      case DW_AT.DW_AT_linkage_name:
      case DW_AT.DW_AT_MIPS_linkage_name: raw.linkageName = unit.string(v); break;
      case DW_AT.DW_AT_decl_file: raw.declFile = num(v); break;
      case DW_AT.DW_AT_decl_line: raw.declLine = num(v); break;
      case DW_AT.DW_AT_decl_column: raw.declColumn = num(v); break;
      case DW_AT.DW_AT_external: raw.external = v.kind === 'flag' && v.value; break;
      case DW_AT.DW_AT_declaration: raw.declaration = v.kind === 'flag' && v.value; break;
      case DW_AT.DW_AT_inline: raw.inline = num(v); break;
      case DW_AT.DW_AT_abstract_origin: raw.origin = ref(v); break;
      case DW_AT.DW_AT_specification: raw.specification = ref(v); break;
      case DW_AT.DW_AT_low_pc: low = v; break;
      case DW_AT.DW_AT_high_pc: high = v; break;
      case DW_AT.DW_AT_ranges: rangesValue = v; break;
      case DW_AT.DW_AT_entry_pc: entry = v; break;
      case DW_AT.DW_AT_call_file: raw.callFile = num(v); break;
      case DW_AT.DW_AT_call_line: raw.callLine = num(v); break;
      case DW_AT.DW_AT_call_column: raw.callColumn = num(v); break;
      default: break;
    }
  }
  const savedOffset = r.offset;
  const lowPc = low && unit.address(low);
  if (rangesValue) raw.ranges = unit.rangeList(rangesValue);
  else if (lowPc !== undefined && high) {
    const end = high.kind === 'constant' ? lowPc + high.value : unit.address(high);
    if (end !== undefined && end > lowPc) raw.ranges = [{ begin: lowPc, end }];
  }
  if (entry) {
    // DWARF 5: a constant entry_pc is an offset from the low pc (or the first range).
    if (entry.kind === 'constant') raw.entryPc = (lowPc ?? raw.ranges[0]?.begin ?? 0n) + entry.value;
    else raw.entryPc = unit.address(entry);
  }
  r.seek(savedOffset);
  return raw;
}

function resolveRecords(ctx: DwarfContext, raws: Map<number, RawFunctionDie>): FunctionIndex {
  const files = new FileTables(ctx);
  const records = new Map<number, FunctionRecord>();
  // The DIE that names a function: follow abstract_origin and specification to the end.
  const identityOf = (raw: RawFunctionDie): RawFunctionDie => {
    let cur = raw;
    for (let guard = 0; guard < 16; guard++) {
      const next = cur.origin ?? cur.specification;
      const target = next === undefined ? undefined : raws.get(next);
      if (!target) return cur;
      cur = target;
    }
    return cur;
  };
  // An attribute from the most concrete DIE that has it (libdw's "integrate" rule).
  const chain = (raw: RawFunctionDie): RawFunctionDie[] => {
    const out = [raw];
    let cur = raw;
    for (let guard = 0; guard < 16; guard++) {
      const next = cur.origin ?? cur.specification;
      const target = next === undefined ? undefined : raws.get(next);
      if (!target) break;
      out.push(target);
      cur = target;
    }
    return out;
  };
  const recordFor = (raw: RawFunctionDie): FunctionRecord | undefined => {
    const identity = identityOf(raw);
    let record = records.get(identity.offset);
    if (record) return record;
    const links = chain(raw);
    const name = links.find((l) => l.name !== undefined)?.name;
    if (name === undefined) return undefined;
    const declCarrier = links.find((l) => l.declFile !== undefined);
    const linkageName = links.find((l) => l.linkageName !== undefined)?.linkageName;
    const declFile = declCarrier && files.path(declCarrier.unit, declCarrier.declFile!);
    const declLine = links.find((l) => l.declLine !== undefined)?.declLine;
    const declColumn = links.find((l) => l.declColumn !== undefined)?.declColumn;
    // Optional fields are only set when present, so cached JSON stays small (no `delete`: it
    // would turn every record into a slow dictionary-mode object).
    record = {
      name,
      ...(linkageName !== undefined && { linkageName }),
      die: identity.offset,
      unit: identity.unit.offset,
      ...(declFile !== undefined && { declFile }),
      ...(declLine !== undefined && { declLine }),
      ...(declColumn !== undefined && { declColumn }),
      external: links.some((l) => l.external),
      declaredInline: links.some((l) => l.inline === DW_INL.DW_INL_declared_inlined || l.inline === DW_INL.DW_INL_declared_not_inlined),
      instances: [],
      inlined: [],
    };
    records.set(identity.offset, record);
    return record;
  };
  for (const raw of raws.values()) {
    if (raw.ranges.length === 0) continue; // declarations and abstract instances carry no code
    const record = recordFor(raw);
    if (!record) continue;
    let lowPc = raw.ranges[0].begin;
    let highPc = raw.ranges[0].end;
    for (const range of raw.ranges) {
      if (range.begin < lowPc) lowPc = range.begin;
      if (range.end > highPc) highPc = range.end;
    }
    // Without DW_AT_entry_pc, entry is DW_AT_low_pc — or, for DW_AT_ranges, the first range listed.
    const entryPc = raw.entryPc ?? raw.ranges[0].begin;
    if (raw.tag === DW_TAG.DW_TAG_subprogram) {
      record.instances.push({ die: raw.offset, unit: raw.unit.offset, entryPc, lowPc, highPc, ranges: raw.ranges });
    } else {
      const inlined: InlinedInstance = { die: raw.offset, unit: raw.unit.offset, entryPc, lowPc, highPc, ranges: raw.ranges, caller: raw.caller };
      if (raw.callFile !== undefined) {
        const path = files.path(raw.unit, raw.callFile);
        if (path !== undefined) inlined.callFile = path;
      }
      if (raw.callLine !== undefined) inlined.callLine = raw.callLine;
      if (raw.callColumn !== undefined) inlined.callColumn = raw.callColumn;
      record.inlined.push(inlined);
    }
  }
  const list = [...records.values()].filter((r) => r.instances.length > 0 || r.inlined.length > 0);
  for (const r of list) {
    r.instances.sort((a, b) => (a.entryPc < b.entryPc ? -1 : a.entryPc > b.entryPc ? 1 : 0));
    r.inlined.sort((a, b) => (a.entryPc < b.entryPc ? -1 : a.entryPc > b.entryPc ? 1 : 0));
  }
  return new FunctionIndex(list);
}

/** File tables of units' line programs (headers only), for DW_AT_decl_file / DW_AT_call_file. */
export class FileTables {
  private readonly cache = new Map<number, (string | undefined)[]>();

  constructor(private readonly ctx: DwarfContext) {}

  path(unit: Unit, file: number): string | undefined {
    let table = this.cache.get(unit.offset);
    if (!table) {
      table = this.ctx.lineHeader(unit, false)?.files.map((f) => f?.path) ?? [];
      this.cache.set(unit.offset, table);
    }
    return table[file];
  }
}
