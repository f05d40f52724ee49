// errno_str(n): the symbolic name of an errno value, as SystemTap's errno tapset gives it
// ("ENOENT" for 2 or -2, the sign of a failed call's return being usual), else the number.
import * as os from 'node:os';
import type { Long } from './long';

// Where Linux gives one number two names, the name its own table lists.
const PREFERRED = new Set(['EAGAIN', 'EDEADLK', 'EOPNOTSUPP']);
let names: Map<number, string> | undefined;

function table(): Map<number, string> {
  if (names) return names;
  names = new Map();
  for (const [name, value] of Object.entries(os.constants.errno)) {
    if (!names.has(value) || PREFERRED.has(name)) names.set(value, name);
  }
  return names;
}

export function errnoStr(value: Long): string {
  const n = Math.abs(Number(value));
  return table().get(n) ?? String(value);
}
