// The string sections: .debug_str and .debug_line_str (NUL-terminated strings at an offset) and
// .debug_str_offsets (DW_FORM_strx*: an index into a per-unit table of .debug_str offsets).
import { DecodeError } from '../decode-error';

const utf8 = new TextDecoder('utf-8');

/** A string table section; strings are decoded once and kept (names repeat a lot). */
export class StringTable {
  private readonly decoded = new Map<number, string>();

  constructor(readonly bytes: Uint8Array, readonly section: string) {}

  at(offset: number): string {
    let s = this.decoded.get(offset);
    if (s === undefined) {
      s = decodeCString(this.bytes, offset, this.section);
      this.decoded.set(offset, s);
    }
    return s;
  }
}

/** NUL-terminated string at `offset`; ASCII decoded without TextDecoder's per-call cost. */
export function decodeCString(bytes: Uint8Array, offset: number, section: string): string {
  if (offset < 0 || offset >= bytes.length) {
    throw new DecodeError(section, offset, `string offset 0x${offset.toString(16)} outside the ${bytes.length}-byte section`);
  }
  let end = offset;
  let ascii = true;
  while (end < bytes.length && bytes[end] !== 0) {
    if (bytes[end] >= 0x80) ascii = false;
    end++;
  }
  if (end === bytes.length) throw new DecodeError(section, offset, 'unterminated string');
  if (ascii && end - offset < 4096) return String.fromCharCode.apply(null, bytes.subarray(offset, end) as unknown as number[]);
  return utf8.decode(bytes.subarray(offset, end));
}

/**
 * The .debug_str offset for string index `index` of a unit whose contribution to
 * .debug_str_offsets starts at `base` (DW_AT_str_offsets_base: just past the contribution header).
 */
export function strOffsetAt(strOffsets: Uint8Array, base: number, index: number, offsetSize: 4 | 8): number {
  const at = base + index * offsetSize;
  if (at < 0 || at + offsetSize > strOffsets.length) {
    throw new DecodeError('.debug_str_offsets', at, `string index ${index} (base 0x${base.toString(16)}) outside the ${strOffsets.length}-byte section`);
  }
  const view = new DataView(strOffsets.buffer, strOffsets.byteOffset + at, offsetSize);
  if (offsetSize === 4) return view.getUint32(0, true);
  const v = view.getBigUint64(0, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('.debug_str_offsets', at, 'offset too large');
  return Number(v);
}
