// SystemTap's histogram buckets (runtime/stat-common.c, stat.h), defined once for everything that
// fills or reads a histogram: the userspace runtime's statistics, the eBPF statistics layout, the
// planner's size check, the text, JSON and Prometheus printers. Log2 buckets cover the whole
// signed 64-bit range; a linear histogram has an underflow and an overflow bucket around its
// regular ones. Pure; imports only the IR types.
import type { HistSpec } from './ir';

/** SystemTap's log histogram: 128 buckets, bucket 64 holds 0 (HIST_LOG_BUCKETS/HIST_LOG_BUCKET0). */
export const HIST_LOG_BUCKETS = 128;
export const HIST_LOG_BUCKET0 = 64;
/** Most buckets a linear histogram may have, underflow and overflow included (STP_MAX_BUCKETS). */
export const STP_MAX_BUCKETS = 128;

/** Buckets of a linear histogram: (high - low) / step + 1 regular ones, an underflow and an overflow (step > 0). */
export function linearBucketCount(spec: Extract<HistSpec, { kind: 'linear' }>): bigint {
  return (spec.high - spec.low) / spec.step + 3n;
}

/** Buckets of a histogram, as laid out in memory (a checked plan: linear ones have at most STP_MAX_BUCKETS). */
export function histBucketCount(spec: HistSpec): number {
  return spec.kind === 'log' ? HIST_LOG_BUCKETS : Number(linearBucketCount(spec));
}

/** Number of bits needed for |v| (v != 0), with |INT64_MIN| = 2^63 needing 64. */
function bitLength(magnitude: number | bigint): number {
  if (typeof magnitude === 'number') {
    if (magnitude < 0x100000000) return 32 - Math.clz32(magnitude);
    return 64 - Math.clz32(Math.floor(magnitude / 0x100000000));
  }
  return magnitude.toString(2).length;
}

/** _stp_val_to_bucket: 64 for 0, 64 + bits(v) for positives, 64 - bits(|v|) for negatives. */
export function logBucket(value: number | bigint): number {
  if (value === 0 || value === 0n) return HIST_LOG_BUCKET0;
  if (value > 0) return HIST_LOG_BUCKET0 + bitLength(value);
  return HIST_LOG_BUCKET0 - bitLength(-value); // bigint -INT64_MIN is 2^63: fine
}

/** _stp_bucket_to_val: the smallest magnitude a log bucket holds, with its sign. */
export function logBucketValue(bucket: number): bigint {
  if (bucket === HIST_LOG_BUCKET0) return 0n;
  if (bucket < HIST_LOG_BUCKET0) return -(1n << BigInt(63 - bucket));
  return 1n << BigInt(bucket - HIST_LOG_BUCKET0 - 1);
}
