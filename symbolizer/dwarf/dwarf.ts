// The DWARF of one ELF file, as the rest of utap uses it: the function index, line queries,
// the variables visible at a pc, frame bases, types and their SystemTap spellings. Everything is
// read on first use; the function index can be handed in from a cache.
import type { ElfFile } from '../elf-file';
import { readAddressRanges, type UnitAddressRange } from './aranges';
import { DW_AT, DW_TAG } from './constants';
import { DwarfContext } from './context';
import type { Entry } from './entry';
import { buildFunctionIndex, FunctionIndex, type FunctionInstance, type InlinedInstance } from './function-index';
import type { LineRow, LineTable } from './line';
import { afterPrologue } from './prologue';
import { rangesContain } from './ranges';
import { frameBaseOf, inlineChainAt, variablesOf, type LocationDescription, type Variable } from './scopes';
import { DwarfSections } from './sections';
import { typeName } from './type-name';
import { TypeTable, typeRefOf, type TypeRef } from './types';
import type { Unit } from './unit';

export class Dwarf {
  readonly ctx: DwarfContext;
  readonly types: TypeTable;
  private index?: FunctionIndex;
  private unitRanges?: UnitAddressRange[];

  constructor(readonly sections: DwarfSections) {
    this.ctx = new DwarfContext(sections);
    this.types = new TypeTable(this.ctx);
  }

  /** The DWARF of `elf` (which may be a separate debug file), or undefined when it has no .debug_info. */
  static fromElf(elf: ElfFile): Dwarf | undefined {
    const sections = DwarfSections.fromElf(elf);
    if (!sections.has('.debug_info')) return undefined;
    return new Dwarf(sections);
  }

  /** The function index: built by a full scan on first use unless one was given with useFunctionIndex. */
  functionIndex(progress?: (offset: number) => void): FunctionIndex {
    return (this.index ??= buildFunctionIndex(this.ctx, progress));
  }

  /** Installs an index rebuilt from a cache (FunctionIndex.fromJSON) for the same build-id. */
  useFunctionIndex(index: FunctionIndex): void {
    this.index = index;
  }

  unit(offset: number): Unit {
    const unit = this.ctx.unitAt(offset);
    if (!unit) throw new Error(`no unit at .debug_info+0x${offset.toString(16)}`);
    return unit;
  }

  /** The line table of the unit at `unitOffset`. */
  lineTable(unitOffset: number): LineTable | undefined {
    return this.ctx.lineTable(this.unit(unitOffset));
  }

  /** The compile unit whose code holds `pc`: from .debug_aranges, else from the units' own ranges. */
  unitForPc(pc: bigint): Unit | undefined {
    if (!this.unitRanges) {
      const aranges = this.sections.get('.debug_aranges');
      this.unitRanges = aranges && aranges.length ? readAddressRanges(aranges) : this.rangesFromUnits();
      this.unitRanges.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0));
    }
    const list = this.unitRanges;
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].begin <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let i = found; i >= 0 && i >= found - 16; i--) {
      if (pc >= list[i].begin && pc < list[i].end) return this.ctx.unitAt(list[i].unit);
    }
    return undefined;
  }

  private rangesFromUnits(): UnitAddressRange[] {
    const out: UnitAddressRange[] = [];
    for (const unit of this.ctx.units()) {
      if (unit.header.unitType !== 1 && unit.header.unitType !== 3) continue;
      for (const r of unit.withAbbreviations(() => unit.ranges(unit.root()))) out.push({ begin: r.begin, end: r.end, unit: unit.offset });
    }
    return out;
  }

  /** The source position of the instruction at `pc`. */
  lineAt(pc: bigint): LineRow | undefined {
    const unit = this.unitForPc(pc);
    return unit && this.ctx.lineTable(unit)?.rowAt(pc);
  }

  /**
   * Breakpoint addresses for source line `line` of the files `fileMatches` accepts, over every
   * unit (a header's file table is checked before its program is run). See LineTable.rowsForLine.
   */
  linesFor(fileMatches: (path: string) => boolean, line: number): LineRow[] {
    const out: LineRow[] = [];
    for (const unit of this.ctx.units()) {
      if (unit.header.unitType !== 1 && unit.header.unitType !== 3) continue;
      const header = unit.withAbbreviations(() => this.ctx.lineHeader(unit, false));
      if (!header || !header.files.some((f) => f && fileMatches(f.path))) continue;
      const table = this.ctx.lineTable(unit);
      if (table) out.push(...table.rowsForLine(fileMatches, line));
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /** SystemTap's address for a plain `.function` probe on this instance (see prologue.ts). */
  afterPrologue(instance: FunctionInstance): bigint {
    const lines = this.lineTable(instance.unit);
    return afterPrologue(lines, instance.entryPc, instance.highPc);
  }

  /** Parameters and locals of a function instance (out-of-line or inlined) visible at `pc` (all of them without pc). */
  variables(functionDie: number, pc?: bigint): Variable[] {
    return variablesOf(this.ctx, functionDie, pc);
  }

  /** The frame base location of the frame a function instance runs in. */
  frameBase(functionDie: number): LocationDescription | undefined {
    return frameBaseOf(this.ctx, functionDie);
  }

  /**
   * The function instances holding `pc` inside the out-of-line function `outerDie`, outermost
   * first; the last is the innermost inlined call (the one a statement at pc belongs to).
   */
  inlineChainAt(outerDie: number, pc: bigint): number[] {
    return inlineChainAt(this.ctx, outerDie, pc);
  }

  /** The return type of the function at DIE `functionDie` (through its origin), undefined for void. */
  returnType(functionDie: number): TypeRef | undefined {
    let e: Entry | undefined = this.ctx.entryAt(functionDie);
    for (let guard = 0; e && guard < 8; guard++) {
      const t = typeRefOf(e);
      if (t !== undefined) return t;
      e = e.unit.follow(e, DW_AT.DW_AT_abstract_origin) ?? e.unit.follow(e, DW_AT.DW_AT_specification);
    }
    return undefined;
  }

  /** SystemTap's spelling of a type (`char const*`). */
  typeName(ref: TypeRef | undefined): string {
    return typeName(this.types, ref);
  }

  /** Whether `pc` lies in the code of the function instance at `die`. */
  instanceContains(instance: FunctionInstance | InlinedInstance, pc: bigint): boolean {
    return rangesContain(instance.ranges, pc);
  }

  /** The DIE is a subprogram (out-of-line) rather than an inlined instance. */
  isSubprogram(die: number): boolean {
    return this.ctx.entryAt(die).tag === DW_TAG.DW_TAG_subprogram;
  }
}
