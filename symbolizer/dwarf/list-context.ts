// What reading a range or location list needs from its unit: the address size, the base address
// that offset-pair entries are relative to, and the unit's .debug_addr table for *x entries.
import { ByteReader } from '../byte-reader';

export interface ListContext {
  addressSize: number;
  offsetSize: 4 | 8;
  /** The unit's base address (its DW_AT_low_pc), which base-address entries replace. */
  baseAddress: bigint;
  /** The address at index `index` of the unit's .debug_addr contribution. */
  address(index: number): bigint;
}

/** An address range [begin, end). */
export interface AddressRange {
  begin: bigint;
  end: bigint;
}

/**
 * DW_FORM_rnglistx / DW_FORM_loclistx: the list's section offset, found in the offsets table that
 * starts at the unit's rnglists_base / loclists_base (offsets there are relative to that base).
 */
export function listOffsetFromIndex(section: Uint8Array, sectionName: string, base: number, index: number, offsetSize: 4 | 8): number {
  const r = new ByteReader(section, sectionName);
  r.seek(base + index * offsetSize);
  const relative = offsetSize === 4 ? r.u32() : r.u64Number();
  return base + relative;
}

/** All-ones address of `size` bytes: the marker of a base-address selection entry in DWARF 2–4 lists. */
export function maxAddress(size: number): bigint {
  return (1n << BigInt(size * 8)) - 1n;
}
