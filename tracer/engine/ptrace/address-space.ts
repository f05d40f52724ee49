// The target's mappings from /proc/PID/maps, as far as the ptrace engine needs them: which
// file is mapped where (for load bias), and where there is room for a code area.
import * as fs from 'node:fs';

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  inode: number;
  path: string;
}

export function readMappings(pid: number): Mapping[] {
  const text = fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), inode: Number(m[5]), path: m[6] });
  }
  return out;
}

const PAGE = 4096;
const MAX_DISTANCE = 1 << 30; // keep code within 1 GiB so rel32 operands of the module still reach it

/**
 * A free, page-aligned range of `size` bytes within 1 GiB of [moduleStart, moduleEnd), below
 * the module first (where nothing else grows), else above it.
 */
export function findNearbyGap(mappings: Mapping[], moduleStart: number, moduleEnd: number, size: number): number | undefined {
  const sorted = [...mappings].sort((a, b) => a.start - b.start);
  const free = (start: number): boolean => start > 0x10000 && sorted.every((m) => start + size <= m.start || start >= m.end);
  for (let candidate = Math.floor((moduleStart - size) / PAGE) * PAGE; candidate > moduleStart - MAX_DISTANCE; candidate -= PAGE * 16) {
    if (free(candidate)) return candidate;
  }
  for (let candidate = Math.ceil(moduleEnd / PAGE) * PAGE + PAGE * 16; candidate < moduleEnd + MAX_DISTANCE; candidate += PAGE * 16) {
    if (free(candidate)) return candidate;
  }
  return undefined;
}
