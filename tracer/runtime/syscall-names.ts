// syscall_name(n) and syscall_num(name), as SystemTap's syscall_table tapset answers them for a
// 64-bit process: the name of x86-64 system call n ("" when the number names none), and the
// number of a name (-1 when there is no such call; 0 is read's number).
import type { Long } from './long';
import { SYSCALL_NAMES_X86_64 } from './syscall-table';

let numbers: Map<string, number> | undefined;

export function syscallName(n: Long): string {
  return typeof n === 'number' ? SYSCALL_NAMES_X86_64.get(n) ?? '' : '';
}

export function syscallNum(name: string): Long {
  numbers ??= new Map([...SYSCALL_NAMES_X86_64].map(([n, s]) => [s, n]));
  return numbers.get(name) ?? -1;
}
