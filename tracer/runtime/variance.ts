// @variance(x) and @variance(x, N), computed the way SystemTap's runtime does (stat-common.c,
// stat.c), so the integer results agree digit for digit: Welford's online algorithm on values
// scaled up by 2^N (N, the "bit shift", buys fractional precision; default 0), with its
// C integer arithmetic kept: the step `delta` is a 32-bit int, every division truncates toward
// zero, every product wraps at 64 bits; the result is M2 / (count - 1) scaled back down by
// 2^(2N). SystemTap reads a statistics global by combining its per-CPU parts with the exact mean
// (sum·2^N / count), which adds count·(running mean - exact mean)² before the division; an
// element of a statistics array it reads from the first part as it stands. utap keeps one part
// and reads each kind the way SystemTap does, so both give SystemTap's digits.
import { fromBigInt, type Long } from './long';

/** The running part of a statistic read with @variance (SystemTap's avg, _M2 and variance). */
export interface Welford {
  shift: number;
  /** Running mean, scaled by 2^shift. */
  avg: bigint;
  m2: bigint;
  /** m2 / (count - 1) after the latest add; -1 for one value. */
  variance: bigint;
  /** A statistics global (read combined with the exact mean) rather than an array element. */
  combined: boolean;
}

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);
/** C's truncating signed division (_stp_div64); 0 for a zero divisor, as the runtime returns. */
const cdiv = (a: bigint, b: bigint): bigint => (b === 0n ? 0n : i64(a / b));

export function welfordStart(value: Long, shift: number, combined: boolean): Welford {
  return { shift, avg: i64(BigInt(value) << BigInt(shift)), m2: 0n, variance: -1n, combined };
}

/** Adds `value` as the `count`-th value. */
export function welfordAdd(w: Welford, value: Long, count: number): void {
  const scaled = i64(BigInt(value) << BigInt(w.shift));
  const delta = BigInt.asIntN(32, scaled - w.avg);
  w.avg = i64(w.avg + cdiv(delta, BigInt(count)));
  w.m2 = i64(w.m2 + i64(delta * i64(scaled - w.avg)));
  w.variance = count < 2 ? -1n : cdiv(w.m2, BigInt(count - 1));
}

/** The value of @variance for a statistic of `count` values summing to `sum`; 0 below two values. */
export function varianceOf(w: Welford, count: number, sum: Long): Long {
  if (count < 2) return 0;
  let scaled = w.variance;
  if (w.combined) {
    const n = BigInt(count);
    const d = i64(w.avg - cdiv(i64(BigInt(sum) << BigInt(w.shift)), n));
    scaled = cdiv(i64(i64(i64(n * d) * d) + i64((n - 1n) * w.variance)), n - 1n);
  }
  return fromBigInt(scaled >> BigInt(2 * w.shift));
}
