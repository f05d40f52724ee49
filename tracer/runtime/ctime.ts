// ctime(secs): the UTC date of a time in seconds since the epoch, in the fixed 24-character form
// SystemTap's ctime tapset gives ("Thu Jan  1 00:00:00 1970"). As there, times beyond a 32-bit
// time_t are an error rather than a date.
import type { Long } from './long';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The text, or the error message SystemTap raises for a time out of range. */
export function ctime(secs: Long): { text: string } | { error: string } {
  if (secs > 2147483647) return { error: 'Time too far in the future to be converted' };
  if (secs < -2147483648) return { error: 'Time too far in the past to be converted' };
  const d = new Date(Number(secs) * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
  return { text };
}
