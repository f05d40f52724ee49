// Unit headers of .debug_info (DWARF 2–5, every DW_UT_* kind) and .debug_types (DWARF 4 type
// units). Reading a header costs a few bytes, so listing all units is cheap; their DIEs are not
// touched until someone asks.
import { ByteReader } from '../byte-reader';
import { DW_UT, dwName } from './constants';
import type { Encoding } from './form';

export type UnitSection = '.debug_info' | '.debug_types';

export interface UnitHeader extends Encoding {
  section: UnitSection;
  /** Offset of the unit's first byte (its unit_length field) in the section. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  /** DW_UT_* (DWARF 5); earlier versions get DW_UT_compile, or DW_UT_type in .debug_types. */
  unitType: number;
  abbrevOffset: number;
  /** Offset of the first DIE (the unit's root). */
  firstEntryOffset: number;
  /** Skeleton and split units: the DWO id. */
  dwoId?: bigint;
  /** Type units: the type signature, and the section offset of the DIE that defines the type. */
  typeSignature?: bigint;
  typeOffset?: number;
}

/** Parses the unit header at `offset`. */
export function parseUnitHeader(section: Uint8Array, offset: number, name: UnitSection): UnitHeader {
  const r = new ByteReader(section, name);
  r.seek(offset);
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = r.u64Number();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    r.fail(`reserved unit length 0x${length.toString(16)}`, offset);
  }
  const end = r.offset + length;
  if (end > section.length) r.fail(`unit of ${length} bytes runs past the end of the section (${section.length} bytes)`, offset);
  const version = r.u16();
  if (version < 2 || version > 5) r.fail(`DWARF version ${version} is not supported (2 to 5 are)`, offset + offsetSize);
  const read = (): number => (offsetSize === 4 ? r.u32() : r.u64Number());
  let unitType: number = name === '.debug_types' ? DW_UT.DW_UT_type : DW_UT.DW_UT_compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = r.u8();
    addressSize = r.u8();
    abbrevOffset = read();
  } else {
    abbrevOffset = read();
    addressSize = r.u8();
  }
  if (addressSize !== 8 && addressSize !== 4) r.fail(`address size ${addressSize} is not supported`, offset);
  const header: UnitHeader = {
    section: name, offset, end, version, unitType, addressSize, offsetSize, abbrevOffset, firstEntryOffset: 0,
  };
  switch (unitType) {
    case DW_UT.DW_UT_compile:
    case DW_UT.DW_UT_partial:
      break;
    case DW_UT.DW_UT_skeleton:
    case DW_UT.DW_UT_split_compile:
      header.dwoId = r.u64();
      break;
    case DW_UT.DW_UT_type:
    case DW_UT.DW_UT_split_type:
      header.typeSignature = r.u64();
      header.typeOffset = offset + read();
      break;
    default:
      r.fail(`unknown unit type ${dwName(DW_UT, unitType)}`, offset);
  }
  header.firstEntryOffset = r.offset;
  if (header.firstEntryOffset > end) r.fail('unit header is longer than the unit', offset);
  return header;
}

/** Every unit header of a section, in order. */
export function* unitHeaders(section: Uint8Array, name: UnitSection): Generator<UnitHeader> {
  let offset = 0;
  while (offset < section.length) {
    const header = parseUnitHeader(section, offset, name);
    yield header;
    offset = header.end;
  }
}
