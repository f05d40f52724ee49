// One unit of .debug_info / .debug_types: its header, its abbreviations (parsed on first use),
// its root DIE and the bases its root declares (str_offsets, addr, rnglists, loclists, the base
// address), and the resolution of values that need those bases.
import { ByteReader } from '../byte-reader';
import { DecodeError } from '../decode-error';
import type { AbbreviationTable } from './abbrev';
import { addressAt } from './addr';
import { DW_AT } from './constants';
import type { DwarfContext } from './context';
import { Entry, readEntry, skipEntryTree } from './entry';
import type { FormValue } from './form';
import { listOffsetFromIndex, type AddressRange, type ListContext } from './list-context';
import { readLocListsV5, readLocV4, type LocationListEntry } from './loclists';
import { readRangesV4, readRngListsV5 } from './ranges';
import { strOffsetAt } from './str';
import type { UnitHeader } from './unit-header';

/** What a unit's root DIE declares for the rest of the unit. */
export interface UnitBases {
  name?: string;
  compDir?: string;
  producer?: string;
  language?: number;
  /** DW_AT_stmt_list: offset of the unit's line program in .debug_line. */
  stmtList?: number;
  /** DW_AT_low_pc of the root: the base of offset-pair range/location entries. */
  baseAddress: bigint;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
}

export class Unit implements ListContext {
  private abbrevTable?: AbbreviationTable;
  private rootEntry?: Entry;
  private unitBases?: UnitBases;
  /** Reader over the unit's section, shared by every read of this unit (reads are synchronous). */
  readonly reader: ByteReader;

  constructor(readonly ctx: DwarfContext, readonly header: UnitHeader) {
    this.reader = ctx.sectionReader(header.section);
  }

  get offset(): number {
    return this.header.offset;
  }
  get addressSize(): number {
    return this.header.addressSize;
  }
  get offsetSize(): 4 | 8 {
    return this.header.offsetSize;
  }
  get version(): number {
    return this.header.version;
  }

  get abbreviations(): AbbreviationTable {
    return (this.abbrevTable ??= this.ctx.abbreviationTable(this.header.abbrevOffset));
  }

  /**
   * Runs `fn` with the unit's abbreviations, and forgets them afterwards unless they were already
   * held: a one-pass scan over thousands of units then keeps no tables alive (which is what makes
   * such a scan slow in a garbage-collected heap).
   */
  withAbbreviations<T>(fn: (table: AbbreviationTable) => T): T {
    if (this.abbrevTable) return fn(this.abbrevTable);
    this.abbrevTable = this.ctx.abbreviationTable(this.header.abbrevOffset, false);
    try {
      return fn(this.abbrevTable);
    } finally {
      this.abbrevTable = undefined;
    }
  }

  /** True when `offset` lies inside this unit's DIEs. */
  contains(offset: number): boolean {
    return offset >= this.header.firstEntryOffset && offset < this.header.end;
  }

  root(): Entry {
    if (!this.rootEntry) {
      const e = readEntry(this, this.reader, this.header.firstEntryOffset);
      if (!e) throw new DecodeError(this.header.section, this.header.firstEntryOffset, 'unit has no root entry');
      this.rootEntry = e;
    }
    return this.rootEntry;
  }

  /** The DIE at a section offset inside this unit. */
  entryAt(offset: number): Entry {
    if (!this.contains(offset)) throw new DecodeError(this.header.section, offset, `offset is outside the unit at 0x${this.offset.toString(16)}`);
    const e = readEntry(this, this.reader, offset);
    if (!e) throw new DecodeError(this.header.section, offset, 'reference to a null entry');
    return e;
  }

  /** The direct children of `parent`, in order, stepping over grandchildren via DW_AT_sibling when present. */
  *children(parent: Entry): Generator<Entry> {
    if (!parent.hasChildren) return;
    let offset = parent.end;
    while (offset < this.header.end) {
      const child = readEntry(this, this.reader, offset);
      if (!child) return;
      yield child;
      offset = this.nextSibling(child);
    }
  }

  /** Offset of the entry that follows `entry` at the same depth (or the null entry closing the list). */
  nextSibling(entry: Entry): number {
    if (!entry.hasChildren) return entry.end;
    const sibling = entry.ref(DW_AT.DW_AT_sibling);
    if (sibling !== undefined && sibling > entry.offset && sibling <= this.header.end) return sibling;
    return skipEntryTree(this, this.reader, entry.offset);
  }

  /**
   * The chain of entries from the root down to (and including) the DIE at `offset`, found by
   * descending through the subtrees that contain it. Empty if no DIE starts there.
   */
  pathTo(offset: number): Entry[] {
    const path: Entry[] = [];
    let current = this.root();
    if (current.offset === offset) return [current];
    for (;;) {
      path.push(current);
      let next: Entry | undefined;
      for (const child of this.children(current)) {
        if (child.offset === offset) return [...path, child];
        if (child.offset > offset) break;
        if (child.hasChildren && this.nextSibling(child) > offset) {
          next = child;
          break;
        }
      }
      if (!next) return [];
      current = next;
    }
  }

  get bases(): UnitBases {
    if (this.unitBases) return this.unitBases;
    const root = this.root();
    const v5 = this.header.version >= 5;
    const offsetAttr = (name: number, fallback: number): number => {
      const v = root.value(name);
      if (v?.kind === 'secOffset') return v.offset;
      if (v?.kind === 'constant') return Number(v.value);
      return fallback;
    };
    // Bases must be known before the root's own strx/addrx values can be resolved, so they are
    // read from the raw attributes first.
    const bases: UnitBases = {
      baseAddress: 0n,
      strOffsetsBase: offsetAttr(DW_AT.DW_AT_str_offsets_base, v5 ? 2 * this.header.offsetSize : 0),
      addrBase: offsetAttr(DW_AT.DW_AT_addr_base, offsetAttr(DW_AT.DW_AT_GNU_addr_base, 0)),
      rnglistsBase: offsetAttr(DW_AT.DW_AT_rnglists_base, 0),
      loclistsBase: offsetAttr(DW_AT.DW_AT_loclists_base, 0),
    };
    this.unitBases = bases;
    const low = root.value(DW_AT.DW_AT_low_pc);
    bases.baseAddress = (low && this.address(low)) ?? 0n;
    bases.name = root.name;
    bases.compDir = root.string(DW_AT.DW_AT_comp_dir);
    bases.producer = root.string(DW_AT.DW_AT_producer);
    bases.language = root.number(DW_AT.DW_AT_language);
    const stmt = root.value(DW_AT.DW_AT_stmt_list);
    if (stmt?.kind === 'secOffset') bases.stmtList = stmt.offset;
    else if (stmt?.kind === 'constant') bases.stmtList = Number(stmt.value);
    return bases;
  }

  get baseAddress(): bigint {
    return this.bases.baseAddress;
  }

  /** A string-class value, or undefined when `value` is not one. */
  string(value: FormValue): string | undefined {
    switch (value.kind) {
      case 'string': return value.value;
      case 'strp': return this.ctx.str.at(value.offset);
      case 'lineStrp': return this.ctx.lineStr.at(value.offset);
      case 'strx': {
        const offset = strOffsetAt(this.ctx.sections.bytes('.debug_str_offsets'), this.bases.strOffsetsBase, value.index, this.header.offsetSize);
        return this.ctx.str.at(offset);
      }
      default: return undefined;
    }
  }

  /** Entry `index` of the unit's .debug_addr contribution. */
  address(index: number): bigint;
  /** An address-class value, resolved; undefined when `value` is not one. */
  address(value: FormValue): bigint | undefined;
  address(what: number | FormValue): bigint | undefined {
    if (typeof what === 'number') return addressAt(this.ctx.sections.bytes('.debug_addr'), this.bases.addrBase, what, this.header.addressSize);
    if (what.kind === 'address') return what.value;
    if (what.kind === 'addrx') return this.address(what.index);
    return undefined;
  }

  /**
   * The pc ranges of a DIE: DW_AT_low_pc/DW_AT_high_pc (high as an address, or as a length when a
   * constant) or DW_AT_ranges. Empty when it has neither (a declaration, an abstract instance).
   */
  ranges(entry: Entry): AddressRange[] {
    const rangesValue = entry.value(DW_AT.DW_AT_ranges);
    if (rangesValue) return this.rangeList(rangesValue);
    const low = entry.address(DW_AT.DW_AT_low_pc);
    if (low === undefined) return [];
    const high = entry.value(DW_AT.DW_AT_high_pc);
    if (!high) return [{ begin: low, end: low + 1n }];
    const end = high.kind === 'constant' ? low + high.value : this.address(high);
    if (end === undefined || end <= low) return [];
    return [{ begin: low, end }];
  }

  /** The range list a DW_AT_ranges value designates. */
  rangeList(value: FormValue): AddressRange[] {
    if (this.header.version >= 5) {
      const section = this.ctx.sections.bytes('.debug_rnglists');
      let offset: number;
      if (value.kind === 'rnglistx') offset = listOffsetFromIndex(section, '.debug_rnglists', this.bases.rnglistsBase, value.index, this.header.offsetSize);
      else if (value.kind === 'secOffset' || value.kind === 'constant') offset = Number(value.kind === 'secOffset' ? value.offset : value.value);
      else throw new DecodeError('.debug_info', this.offset, `DW_AT_ranges has a ${value.kind} value`);
      return readRngListsV5(section, offset, this);
    }
    const offset = value.kind === 'secOffset' ? value.offset : value.kind === 'constant' ? Number(value.value) : -1;
    if (offset < 0) throw new DecodeError('.debug_info', this.offset, `DW_AT_ranges has a ${value.kind} value`);
    return readRangesV4(this.ctx.sections.bytes('.debug_ranges'), offset, this);
  }

  /**
   * The entries of a location list value (DW_AT_location / DW_AT_frame_base as loclistx or
   * sec_offset). Undefined when the value is not a list reference.
   */
  locationList(value: FormValue): LocationListEntry[] | undefined {
    if (this.header.version >= 5) {
      const section = this.ctx.sections.bytes('.debug_loclists');
      if (value.kind === 'loclistx') {
        return readLocListsV5(section, listOffsetFromIndex(section, '.debug_loclists', this.bases.loclistsBase, value.index, this.header.offsetSize), this);
      }
      if (value.kind === 'secOffset') return readLocListsV5(section, value.offset, this);
      return undefined;
    }
    // DWARF 2/3 used data4/data8 for location list offsets.
    if (value.kind === 'secOffset' || (value.kind === 'constant' && (value.size === 4 || value.size === 8))) {
      const offset = value.kind === 'secOffset' ? value.offset : Number(value.value);
      return readLocV4(this.ctx.sections.bytes('.debug_loc'), offset, this);
    }
    return undefined;
  }

  /** The entry a reference value points to (in this unit, another, or a type unit). */
  referenced(value: FormValue): Entry | undefined {
    if (value.kind === 'ref') return this.header.section === '.debug_types' && this.contains(value.offset) ? this.entryAt(value.offset) : this.ctx.entryAt(value.offset, this.header.section);
    if (value.kind === 'refSig8') return this.ctx.typeUnitEntry(value.signature);
    return undefined;
  }

  /** The entry an attribute of `entry` refers to (DW_AT_type, DW_AT_abstract_origin, ...). */
  follow(entry: Entry, name: number): Entry | undefined {
    const v = entry.value(name);
    return v && this.referenced(v);
  }
}
