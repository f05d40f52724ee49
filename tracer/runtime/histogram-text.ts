// SystemTap's ASCII histogram (runtime/stat-common.c, _stp_stat_print_histogram), row for row:
//
//   value |-------------------------------------------------- count
//       0 |                                                    0
//       1 |@@@@                                                4
//       2 |@@@@@@@@@@                                         10
//         ~
//      64 |@                                                   1
//     128 |                                                    0
//
// - rows span the non-empty buckets plus up to two empty ones on each side (a log histogram
//   does not reach below 0 unless it holds negative values; a linear one shows its
//   underflow/overflow rows `<low` / `>high` only when they are non-empty);
// - a row is skipped when it and its two neighbours on each side within that span are all
//   empty (-D HIST_ELISION=N: N neighbours; negative: never skip), and a run of skipped rows is
//   drawn as one `~` line;
// - bars are `@`, one per count, scaled down (rounding the scale up) so the longest is at most
//   50 wide; the value column is at least as wide as "value", the count right-aligned after
//   the 50-wide bar area; a blank line ends the histogram.
import { HIST_LOG_BUCKET0, logBucketValue } from '../ir/histogram';
import type { HistLayout } from './statistics';

const HIST_WIDTH = 50;
/** Empty neighbours on each side that let an empty row be skipped; -D HIST_ELISION=N sets it, a negative N skips none. */
export const HIST_ELISION = 2;

function digits(value: bigint): number {
  return value.toString().length; // includes the '-' sign, as needed_space() does
}

function bucketLabel(layout: HistLayout, bucket: number): { prefix: string; value: bigint } {
  if (layout.kind === 'log') return { prefix: '', value: logBucketValue(bucket) };
  const low = BigInt(layout.low), step = BigInt(layout.step);
  if (bucket === 0) return { prefix: '<', value: low };
  if (bucket === layout.buckets - 1) return { prefix: '>', value: low + BigInt(bucket - 2) * step };
  return { prefix: '', value: low + BigInt(bucket - 1) * step };
}

/** The text SystemTap prints for `print(@hist_...(x))` of a non-empty statistic. */
export function histogramText(layout: HistLayout, counts: readonly number[], elision = HIST_ELISION): string {
  const buckets = layout.buckets;
  let low = -1, high = 0, maxCount = 0;
  for (let i = 0; i < buckets; i++) {
    if (counts[i] > 0) {
      if (low === -1) low = i;
      high = i;
    }
    if (counts[i] > maxCount) maxCount = counts[i];
  }
  if (low === -1) low = 0; // never reached for a non-empty statistic; keeps the loop sane
  // Two empty rows of margin on each side.
  for (let i = 0; i < 2; i++) {
    if (layout.kind === 'log') {
      if (low !== HIST_LOG_BUCKET0 && low > 0) low--;
    } else if (low > 0) low--;
    if (high < buckets - 1) high++;
  }
  let under = 0, over = 0;
  if (layout.kind === 'linear') {
    if (low === 0 && counts[0] === 0) low++;
    if (high === buckets - 1 && counts[high] === 0) high--;
    if (low === 0) under = 1;
    if (high === buckets - 1) over = 1;
  }
  const scale = maxCount <= HIST_WIDTH ? 1 : Math.ceil(maxCount / HIST_WIDTH);
  const countSpace = maxCount === 0 ? 1 : String(maxCount).length;
  let valueSpace: number;
  if (layout.kind === 'linear') {
    valueSpace = Math.max(digits(BigInt(layout.low)) + under, digits(BigInt(layout.low) + BigInt(layout.step) * BigInt(high)) + over);
  } else {
    valueSpace = Math.max(digits(logBucketValue(high)), digits(logBucketValue(low)));
  }
  valueSpace = Math.max(valueSpace, 5);

  let text = `${'value'.padStart(valueSpace)} |${'-'.repeat(HIST_WIDTH)} count\n`;
  let eliding = false;
  const reach = Math.min(elision, buckets);
  for (let i = low; i <= high; i++) {
    const from = Math.max(low, i - reach), to = Math.min(high, i + reach);
    let allEmpty = elision >= 0;
    for (let k = from; k <= to && allEmpty; k++) if (counts[k] !== 0) allEmpty = false;
    if (allEmpty) {
      eliding = true;
      continue;
    }
    if (eliding) {
      text += `${' '.repeat(valueSpace)} ~\n`;
      eliding = false;
    }
    const { prefix, value } = bucketLabel(layout, i);
    const label = String(value);
    text += prefix.padStart(valueSpace - label.length) + label + ' |';
    const bar = Math.floor(counts[i] / scale);
    text += '@'.repeat(bar) + String(counts[i]).padStart(HIST_WIDTH - bar + 1 + countSpace) + '\n';
  }
  return text + '\n';
}
