// The state shared by every unit of one file's DWARF: its sections, string tables, abbreviation
// tables (parsed once per offset), the list of units (headers only) and type-unit signatures.
import { ByteReader } from '../byte-reader';
import { DecodeError } from '../decode-error';
import { parseAbbreviationTable, type AbbreviationTable } from './abbrev';
import { DW_UT } from './constants';
import type { Entry } from './entry';
import { runLineProgram, type LineTable } from './line';
import { parseLineProgramHeader, type LineProgramHeader } from './line-header';
import type { DwarfSections } from './sections';
import { StringTable } from './str';
import { Unit } from './unit';
import { unitHeaders, type UnitSection } from './unit-header';

export class DwarfContext {
  private readonly abbrevTables = new Map<number, AbbreviationTable>();
  private infoUnits?: Unit[];
  private typesUnits?: Unit[];
  private signatures?: Map<bigint, Unit>;
  private strTable?: StringTable;
  private lineStrTable?: StringTable;
  private readonly lineHeaders = new Map<number, LineProgramHeader>();
  private readonly lineTables = new Map<number, LineTable>();

  constructor(readonly sections: DwarfSections) {}

  get str(): StringTable {
    return (this.strTable ??= new StringTable(this.sections.bytes('.debug_str'), '.debug_str'));
  }

  get lineStr(): StringTable {
    return (this.lineStrTable ??= new StringTable(this.sections.bytes('.debug_line_str'), '.debug_line_str'));
  }

  sectionReader(section: UnitSection): ByteReader {
    return new ByteReader(this.sections.bytes(section), section);
  }

  /** The abbreviation table at `offset`, parsed once and kept unless `retain` is false. */
  abbreviationTable(offset: number, retain = true): AbbreviationTable {
    let table = this.abbrevTables.get(offset);
    if (!table) {
      table = parseAbbreviationTable(this.sections.bytes('.debug_abbrev'), offset);
      if (retain) this.abbrevTables.set(offset, table);
    }
    return table;
  }

  /** Every unit of .debug_info, in section order (headers read, nothing else). */
  units(): Unit[] {
    return (this.infoUnits ??= [...unitHeaders(this.sections.bytes('.debug_info'), '.debug_info')].map((h) => new Unit(this, h)));
  }

  /** DWARF 4 type units of .debug_types. */
  typeSectionUnits(): Unit[] {
    return (this.typesUnits ??= [...unitHeaders(this.sections.bytes('.debug_types'), '.debug_types')].map((h) => new Unit(this, h)));
  }

  /** The unit whose DIEs include section offset `offset`. */
  unitAt(offset: number, section: UnitSection = '.debug_info'): Unit | undefined {
    const units = section === '.debug_info' ? this.units() : this.typeSectionUnits();
    let lo = 0;
    let hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = units[mid];
      if (offset < u.header.offset) hi = mid - 1;
      else if (offset >= u.header.end) lo = mid + 1;
      else return u;
    }
    return undefined;
  }

  /** The DIE at a section offset, in whichever unit holds it. */
  entryAt(offset: number, section: UnitSection = '.debug_info'): Entry {
    const unit = this.unitAt(offset, section);
    if (!unit) throw new DecodeError(section, offset, 'reference outside every unit');
    return unit.entryAt(offset);
  }

  /** The type DIE of the type unit with this signature (DW_FORM_ref_sig8), if present. */
  typeUnitEntry(signature: bigint): Entry | undefined {
    if (!this.signatures) {
      this.signatures = new Map();
      for (const u of [...this.units(), ...this.typeSectionUnits()]) {
        if ((u.header.unitType === DW_UT.DW_UT_type || u.header.unitType === DW_UT.DW_UT_split_type) && u.header.typeSignature !== undefined) {
          this.signatures.set(u.header.typeSignature, u);
        }
      }
    }
    const unit = this.signatures.get(signature);
    return unit && unit.header.typeOffset !== undefined ? unit.entryAt(unit.header.typeOffset) : undefined;
  }

  /** The header of the unit's line program (DW_AT_stmt_list), parsed once; undefined without one. */
  lineHeader(unit: Unit, retain = true): LineProgramHeader | undefined {
    const offset = unit.bases.stmtList;
    if (offset === undefined || !this.sections.has('.debug_line')) return undefined;
    let header = this.lineHeaders.get(offset);
    if (!header) {
      header = parseLineProgramHeader(this.sections.bytes('.debug_line'), offset, (v) => unit.string(v), unit.bases.compDir ?? '', unit.addressSize);
      if (retain) this.lineHeaders.set(offset, header);
    }
    return header;
  }

  /** The unit's line table (the program run to its rows), built once; undefined without one. */
  lineTable(unit: Unit): LineTable | undefined {
    const header = this.lineHeader(unit);
    if (!header) return undefined;
    let table = this.lineTables.get(header.offset);
    if (!table) {
      table = runLineProgram(this.sections.bytes('.debug_line'), header);
      this.lineTables.set(header.offset, table);
    }
    return table;
  }
}
