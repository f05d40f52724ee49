// Non-contiguous address ranges of a DIE (DW_AT_ranges): .debug_ranges (DWARF 2–4) and
// .debug_rnglists (DWARF 5).
import { ByteReader } from '../byte-reader';
import { DW_RLE, dwName } from './constants';
import { maxAddress, type AddressRange, type ListContext } from './list-context';

/** The range list at `offset` of .debug_ranges. Empty ranges are dropped. */
export function readRangesV4(section: Uint8Array, offset: number, ctx: ListContext): AddressRange[] {
  const r = new ByteReader(section, '.debug_ranges');
  r.seek(offset);
  const all = maxAddress(ctx.addressSize);
  let base = ctx.baseAddress;
  const out: AddressRange[] = [];
  for (;;) {
    const begin = r.uSized(ctx.addressSize);
    const end = r.uSized(ctx.addressSize);
    if (begin === 0n && end === 0n) break;
    if (begin === all) {
      base = end;
      continue;
    }
    if (end > begin) out.push({ begin: base + begin, end: base + end });
  }
  return out;
}

/** The range list at `offset` of .debug_rnglists. Empty ranges are dropped. */
export function readRngListsV5(section: Uint8Array, offset: number, ctx: ListContext): AddressRange[] {
  const r = new ByteReader(section, '.debug_rnglists');
  r.seek(offset);
  let base = ctx.baseAddress;
  const out: AddressRange[] = [];
  const push = (begin: bigint, end: bigint): void => {
    if (end > begin) out.push({ begin, end });
  };
  for (;;) {
    const at = r.offset;
    const kind = r.u8();
    switch (kind) {
      case DW_RLE.DW_RLE_end_of_list: return out;
      case DW_RLE.DW_RLE_base_addressx: base = ctx.address(r.uleb()); break;
      case DW_RLE.DW_RLE_startx_endx: { const b = ctx.address(r.uleb()); push(b, ctx.address(r.uleb())); break; }
      case DW_RLE.DW_RLE_startx_length: { const b = ctx.address(r.uleb()); push(b, b + r.ulebBig()); break; }
      case DW_RLE.DW_RLE_offset_pair: { const b = r.ulebBig(); push(base + b, base + r.ulebBig()); break; }
      case DW_RLE.DW_RLE_base_address: base = r.uSized(ctx.addressSize); break;
      case DW_RLE.DW_RLE_start_end: { const b = r.uSized(ctx.addressSize); push(b, r.uSized(ctx.addressSize)); break; }
      case DW_RLE.DW_RLE_start_length: { const b = r.uSized(ctx.addressSize); push(b, b + r.ulebBig()); break; }
      default: r.fail(`unknown range list entry ${dwName(DW_RLE, kind)}`, at);
    }
  }
}

/** True when `pc` falls in one of the ranges. */
export function rangesContain(ranges: readonly AddressRange[], pc: bigint): boolean {
  for (const range of ranges) if (pc >= range.begin && pc < range.end) return true;
  return false;
}
