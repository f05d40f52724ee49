// The kernel's tick rate (CONFIG_HZ), which SystemTap's timer.jiffies(N) counts in. Read once
// from the running kernel's configuration (/proc/config.gz, else /boot/config-RELEASE); when
// neither is readable, 250, the default of most distribution kernels on x86-64.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';

export const FALLBACK_HZ = 250n;
let cached: bigint | undefined;

/** CONFIG_HZ=N in a kernel configuration text, if present. */
export function hzFromConfig(text: string): bigint | undefined {
  const m = /^CONFIG_HZ=(\d+)$/m.exec(text);
  return m && BigInt(m[1]) > 0n ? BigInt(m[1]) : undefined;
}

function readConfig(): string | undefined {
  try {
    return zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('latin1');
  } catch {
    try {
      return fs.readFileSync(`/boot/config-${os.release()}`, 'latin1');
    } catch {
      return undefined;
    }
  }
}

export function kernelHz(): bigint {
  if (cached === undefined) {
    const text = readConfig();
    cached = (text && hzFromConfig(text)) || FALLBACK_HZ;
  }
  return cached;
}
