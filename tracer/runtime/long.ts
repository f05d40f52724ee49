// Script longs: 64-bit signed integers with two's-complement wrap-around, as SystemTap's int64_t.
//
// A long is held as a JS number while it is a safe integer (|v| < 2^53) and as a bigint only
// outside that range. Every function here returns that *normalized* form, so one value has one
// representation: `===`, Map keys and `<`/`>` work across the two without conversion, and the
// common case (counters, tids, pointers below 2^47, microsecond times) never touches bigint,
// which costs 10–50× more per operation.
//
// Arithmetic on numbers is exact whenever its result is a safe integer (IEEE-754 rounding only
// kicks in past 2^53, where Number.isSafeInteger is false); otherwise the operation is redone
// in bigint and wrapped with BigInt.asIntN(64, ...).

export type Long = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Wraps a bigint to 64 bits and normalizes it. */
export function fromBigInt(value: bigint): Long {
  if (value >= MIN_SAFE && value <= MAX_SAFE) return Number(value); // the common case: no wrap needed
  const wrapped = BigInt.asIntN(64, value);
  return wrapped >= MIN_SAFE && wrapped <= MAX_SAFE ? Number(wrapped) : wrapped;
}

/** Normalizes a value given by an engine (a bigint, or an integral number). */
export function toLong(value: number | bigint): Long {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    return fromBigInt(BigInt(Math.trunc(value)));
  }
  return fromBigInt(value);
}

/** The unsigned 64-bit view (for %u %x %o %p). */
export function toUnsigned(value: Long): bigint {
  return BigInt.asUintN(64, BigInt(value));
}

function big(a: Long): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

export function add(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBigInt(big(a) + big(b));
}

export function sub(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBigInt(big(a) - big(b));
}

export function mul(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return fromBigInt(big(a) * big(b));
}

/** Truncating division as in C. The caller has checked that b is not zero. */
export function div(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b; // exact for doubles
    const q = (a - r) / b; // an exact multiple: exact quotient
    return q === 0 ? 0 : q;
  }
  return fromBigInt(big(a) / big(b)); // INT64_MIN / -1 wraps to INT64_MIN, as on x86 with stap's _stp_div64
}

/** Remainder with the sign of the dividend, as in C. The caller has checked that b is not zero. */
export function mod(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return fromBigInt(big(a) % big(b));
}

/** Shift counts are taken modulo 64, as the x86 shift instructions do. */
function shiftCount(n: Long): number {
  return Number(BigInt.asUintN(6, big(n)));
}

export function shl(a: Long, n: Long): Long {
  const count = typeof n === 'number' && n >= 0 && n < 64 ? n : shiftCount(n);
  if (typeof a === 'number') {
    const r = a * 2 ** count;
    if (Number.isSafeInteger(r)) return r;
  }
  return fromBigInt(big(a) << BigInt(count));
}

/** Arithmetic (sign-propagating) right shift: `>>`. */
export function shr(a: Long, n: Long): Long {
  const count = typeof n === 'number' && n >= 0 && n < 64 ? n : shiftCount(n);
  if (typeof a === 'number') return Math.floor(a / 2 ** count) || 0; // exact: division by a power of two
  return fromBigInt(a >> BigInt(count));
}

/** Logical right shift: `>>>`. */
export function ushr(a: Long, n: Long): Long {
  const count = typeof n === 'number' && n >= 0 && n < 64 ? n : shiftCount(n);
  if (typeof a === 'number' && a >= 0) return Math.floor(a / 2 ** count);
  return fromBigInt(BigInt.asUintN(64, big(a)) >> BigInt(count));
}

export function and(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a & b;
  return fromBigInt(big(a) & big(b));
}

export function or(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a | b;
  return fromBigInt(big(a) | big(b));
}

export function xor(a: Long, b: Long): Long {
  if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a ^ b;
  return fromBigInt(big(a) ^ big(b));
}

export function neg(a: Long): Long {
  if (typeof a === 'number') return 0 - a; // safe range is symmetric; 0 - 0 is +0
  return fromBigInt(-a);
}

export function not(a: Long): Long {
  if (typeof a === 'number') return -a - 1; // -(2^53-1) - 1 is still safe
  return fromBigInt(~a);
}

/** Decodes `bytes` little-endian, zero- or sign-extended, as a script long. */
export function fromBytesLE(bytes: Uint8Array, size: 1 | 2 | 4 | 8, signed: boolean): Long {
  switch (size) {
    case 1: {
      const v = bytes[0];
      return signed && v > 0x7f ? v - 0x100 : v;
    }
    case 2: {
      const v = bytes[0] | (bytes[1] << 8);
      return signed && v > 0x7fff ? v - 0x10000 : v;
    }
    case 4: {
      const v = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
      return signed && v > 0x7fffffff ? v - 0x100000000 : v;
    }
    case 8: {
      const lo = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
      const hi = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
      // hi below 2^21 (and no sign) fits a safe integer directly: the pointer case.
      if (hi < 0x200000) return hi * 0x100000000 + lo;
      // A 64-bit read is a full script long whether or not `signed` is set.
      return fromBigInt((BigInt(hi) << 32n) | BigInt(lo));
    }
  }
}

/** Encodes the low `size` bytes of `value`, little-endian. */
export function toBytesLE(value: Long, size: 1 | 2 | 4 | 8): Uint8Array {
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(64, big(value));
  for (let i = 0; i < size; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}
