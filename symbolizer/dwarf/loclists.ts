// Location lists (a DW_AT_location that changes with the pc): .debug_loc (DWARF 2–4) and
// .debug_loclists (DWARF 5). Each entry says where the value lives over one address range.
import { ByteReader } from '../byte-reader';
import { DW_LLE, dwName } from './constants';
import { maxAddress, type ListContext } from './list-context';

export interface LocationListEntry {
  /** [begin, end) of pcs where `expression` describes the value. */
  begin: bigint;
  end: bigint;
  expression: Uint8Array;
  /** Where the expression starts, as `section+offset`, for error messages. */
  section: string;
  offset: number;
}

/** The location list at `offset` of .debug_loc. Empty ranges are dropped. */
export function readLocV4(section: Uint8Array, offset: number, ctx: ListContext): LocationListEntry[] {
  const r = new ByteReader(section, '.debug_loc');
  r.seek(offset);
  const all = maxAddress(ctx.addressSize);
  let base = ctx.baseAddress;
  const out: LocationListEntry[] = [];
  for (;;) {
    const begin = r.uSized(ctx.addressSize);
    const end = r.uSized(ctx.addressSize);
    if (begin === 0n && end === 0n) break;
    if (begin === all) {
      base = end;
      continue;
    }
    const length = r.u16();
    const exprOffset = r.offset;
    const expression = r.bytesView(length);
    if (end > begin) out.push({ begin: base + begin, end: base + end, expression, section: '.debug_loc', offset: exprOffset });
  }
  return out;
}

/** The location list at `offset` of .debug_loclists. Empty ranges are dropped. */
export function readLocListsV5(section: Uint8Array, offset: number, ctx: ListContext): LocationListEntry[] {
  const r = new ByteReader(section, '.debug_loclists');
  r.seek(offset);
  let base = ctx.baseAddress;
  const out: LocationListEntry[] = [];
  const entry = (begin: bigint, end: bigint): void => {
    const length = r.uleb();
    const exprOffset = r.offset;
    const expression = r.bytesView(length);
    if (end > begin) out.push({ begin, end, expression, section: '.debug_loclists', offset: exprOffset });
  };
  for (;;) {
    const at = r.offset;
    const kind = r.u8();
    switch (kind) {
      case DW_LLE.DW_LLE_end_of_list: return out;
      case DW_LLE.DW_LLE_base_addressx: base = ctx.address(r.uleb()); break;
      case DW_LLE.DW_LLE_startx_endx: { const b = ctx.address(r.uleb()); entry(b, ctx.address(r.uleb())); break; }
      case DW_LLE.DW_LLE_startx_length: { const b = ctx.address(r.uleb()); entry(b, b + r.ulebBig()); break; }
      case DW_LLE.DW_LLE_offset_pair: { const b = r.ulebBig(); const e = r.ulebBig(); entry(base + b, base + e); break; }
      case DW_LLE.DW_LLE_default_location: entry(0n, maxAddress(ctx.addressSize)); break;
      case DW_LLE.DW_LLE_base_address: base = r.uSized(ctx.addressSize); break;
      case DW_LLE.DW_LLE_start_end: { const b = r.uSized(ctx.addressSize); entry(b, r.uSized(ctx.addressSize)); break; }
      case DW_LLE.DW_LLE_start_length: { const b = r.uSized(ctx.addressSize); entry(b, b + r.ulebBig()); break; }
      // GCC's -gvariable-location-views=incompat5: a view pair that precedes the entry it qualifies.
      case DW_LLE.DW_LLE_GNU_view_pair: r.uleb(); r.uleb(); break;
      default: r.fail(`unknown location list entry ${dwName(DW_LLE, kind)}`, at);
    }
  }
}

/**
 * The expression in effect at `pc`, or undefined when no entry covers it (the value is
 * optimized out there). A default-location entry applies where no bounded entry does.
 */
export function locationAt(entries: readonly LocationListEntry[], pc: bigint, addressSize = 8): LocationListEntry | undefined {
  const all = maxAddress(addressSize);
  let fallback: LocationListEntry | undefined;
  for (const e of entries) {
    if (e.begin === 0n && e.end === all) fallback ??= e;
    else if (pc >= e.begin && pc < e.end) return e;
  }
  return fallback;
}
