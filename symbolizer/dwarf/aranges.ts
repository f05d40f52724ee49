// .debug_aranges: which compile unit covers which addresses, so an address can find its unit
// (and that unit's line table) without reading any DIE.
import { ByteReader } from '../byte-reader';

export interface UnitAddressRange {
  begin: bigint;
  end: bigint;
  /** Offset of the unit in .debug_info. */
  unit: number;
}

export function readAddressRanges(section: Uint8Array): UnitAddressRange[] {
  const out: UnitAddressRange[] = [];
  const r = new ByteReader(section, '.debug_aranges');
  while (r.remaining >= 4) {
    const start = r.offset;
    let length = r.u32();
    let offsetSize = 4;
    if (length === 0xffffffff) {
      length = r.u64Number();
      offsetSize = 8;
    }
    const end = r.offset + length;
    const version = r.u16();
    if (version !== 2) r.fail(`aranges version ${version} is not supported`, start);
    const unit = offsetSize === 4 ? r.u32() : r.u64Number();
    const addressSize = r.u8();
    const segmentSize = r.u8();
    if (segmentSize !== 0) r.fail('segmented addresses are not supported', start);
    // Tuples start at a multiple of twice the address size from the start of the set.
    const tupleSize = 2 * addressSize;
    const headerEnd = r.offset - start;
    r.seek(start + Math.ceil(headerEnd / tupleSize) * tupleSize);
    while (r.offset + tupleSize <= end) {
      const begin = r.uSized(addressSize);
      const size = r.uSized(addressSize);
      if (begin === 0n && size === 0n) break;
      if (size > 0n) out.push({ begin, end: begin + size, unit });
    }
    r.seek(end);
  }
  return out;
}
