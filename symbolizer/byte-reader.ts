// A little-endian cursor over a byte view. Sub-views share the underlying buffer (no copies);
// every out-of-bounds or malformed read throws a DecodeError naming the section and offset.
import { DecodeError } from './decode-error';

const textDecoder = new TextDecoder('utf-8');

export class ByteReader {
  private readonly view: DataView;
  /** Current position, relative to the start of `bytes`. */
  offset = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** Name used in errors, e.g. '.debug_info'. */
    readonly section: string,
    /** Offset of bytes[0] within the section, so errors report section offsets. */
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  atEnd(): boolean {
    return this.offset >= this.bytes.length;
  }

  fail(detail: string, at = this.offset): never {
    throw new DecodeError(this.section, this.base + at, detail);
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.bytes.length) this.fail(`need ${n} bytes, ${this.bytes.length - at} left`);
    this.offset = at + n;
    return at;
  }

  seek(offset: number): this {
    if (offset < 0 || offset > this.bytes.length) this.fail(`seek to ${offset} outside ${this.bytes.length} bytes`, offset);
    this.offset = offset;
    return this;
  }

  skip(n: number): this {
    this.need(n);
    return this;
  }

  u8(): number {
    return this.bytes[this.need(1)];
  }
  i8(): number {
    return this.view.getInt8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.need(8), true);
  }
  /** A u64 known to fit a JS number (offsets, sizes); fails rather than lose precision. */
  u64Number(): number {
    const at = this.offset;
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`value 0x${v.toString(16)} too large`, at);
    return Number(v);
  }
  /** Unsigned value of `size` bytes (1, 2, 4 or 8). */
  uSized(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: return this.fail(`unsupported value size ${size}`);
    }
  }
  /** Unsigned LEB128 as a number; fails past 2^53. */
  uleb(): number {
    let result = 0;
    let scale = 1;
    const start = this.offset;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 ** 56) this.fail('ULEB128 too long', start);
    }
    if (result > Number.MAX_SAFE_INTEGER) this.fail('ULEB128 too large', start);
    return result;
  }
  /** Unsigned LEB128, full 64-bit. */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    const start = this.offset;
    for (;;) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
      if (shift > 70n) this.fail('ULEB128 too long', start);
    }
    return BigInt.asUintN(64, result);
  }
  /** Signed LEB128 as a number; fails outside the safe range. */
  sleb(): number {
    const start = this.offset;
    const v = this.slebBig();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail('SLEB128 out of range', start);
    return Number(v);
  }
  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    const start = this.offset;
    do {
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) this.fail('SLEB128 too long', start);
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }
  /** NUL-terminated UTF-8 string; the cursor moves past the NUL. */
  cstring(): string {
    const start = this.offset;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) this.fail('unterminated string', start);
    this.offset = end + 1;
    return textDecoder.decode(this.bytes.subarray(start, end));
  }
  /** `n` bytes as a view (no copy); the cursor moves past them. */
  bytesView(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  /** A reader over the next `n` bytes (no copy); the cursor moves past them. */
  sub(n: number): ByteReader {
    const at = this.offset;
    return new ByteReader(this.bytesView(n), this.section, this.base + at);
  }
  /** A reader over bytes [start, end) of this view, independent of the cursor. */
  slice(start: number, end = this.bytes.length): ByteReader {
    if (start < 0 || end > this.bytes.length || start > end) this.fail(`range [${start}, ${end}) outside ${this.bytes.length} bytes`, start);
    return new ByteReader(this.bytes.subarray(start, end), this.section, this.base + start);
  }
}

/** NUL-terminated string at `offset` in a string table, without a cursor. */
export function stringAt(table: Uint8Array, offset: number, section: string): string {
  if (offset < 0 || offset >= table.length) throw new DecodeError(section, offset, `string offset ${offset} outside ${table.length} bytes`);
  let end = table.indexOf(0, offset);
  if (end < 0) end = table.length;
  return textDecoder.decode(table.subarray(offset, end));
}
