// The kernel's uprobe PMU (perf_event_open with the PMU type from
// /sys/bus/event_source/devices/uprobe/type, config1 = path, config2 = file offset) and the
// perf_event_attr of one uprobe. Kept apart from uprobe.ts so that tracer/cli/launch-warm-up.ts
// can place the throwaway uprobe of uprobe-warmup.ts before the rest of utap is loaded.
import * as fs from 'node:fs';
import { addressOf } from './libc';
import * as U from './uapi';

export const PMU_DIR = '/sys/bus/event_source/devices/uprobe';

export interface UprobePmu {
  type: number;
  /** Bit of attr.config that makes it a uretprobe (format/retprobe: "config:0"). */
  retprobeBit: number;
}

let pmu: UprobePmu | undefined;
/** The uprobe PMU, or undefined when the kernel has none. */
export function uprobePmu(): UprobePmu | undefined {
  if (pmu) return pmu;
  try {
    const type = Number(fs.readFileSync(`${PMU_DIR}/type`, 'latin1').trim());
    const format = fs.readFileSync(`${PMU_DIR}/format/retprobe`, 'latin1').trim();
    const m = /^config:(\d+)$/.exec(format);
    pmu = { type, retprobeBit: m ? Number(m[1]) : 0 };
    return pmu;
  } catch {
    return undefined;
  }
}

/**
 * A uprobe perf_event_attr for `path`+`offset` (with `refCtrOffset`, the file offset of an SDT
 * semaphore, when the probed marker has one). attr.config1 points into the returned `path`
 * buffer, which must stay referenced until perf_event_open has returned.
 */
export function uprobeAttr(pmu: UprobePmu, file: string, offset: bigint, retprobe: boolean, refCtrOffset = 0n): { attr: Buffer; path: Buffer } {
  const path = Buffer.from(`${file}\0`, 'utf8');
  const attr = Buffer.alloc(U.PERF_EVENT_ATTR_SIZE);
  const o = U.PERF_ATTR_OFFSET;
  attr.writeUInt32LE(pmu.type, o.type);
  attr.writeUInt32LE(U.PERF_EVENT_ATTR_SIZE, o.size);
  // config bits 32-63: the file offset of an SDT semaphore the kernel raises while the probe is
  // placed (PERF_UPROBE_REF_CTR_OFFSET_SHIFT in kernel/events/core.c), 0 for none.
  attr.writeBigUInt64LE((retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n) | (refCtrOffset << 32n), o.config);
  attr.writeBigUInt64LE(1n, o.sample_period);
  attr.writeUInt32LE(1, o.wakeup_events);
  attr.writeBigUInt64LE(addressOf(path), o.config1);
  attr.writeBigUInt64LE(offset, o.config2);
  return { attr, path };
}
