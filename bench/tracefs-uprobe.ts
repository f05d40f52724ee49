// A uprobe trace event defined through tracefs, as `perf probe -x` does, with no BPF: the kernel
// records each hit into the trace ring buffer and counts it in uprobe_profile. The event name
// carries our pid so concurrent users of tracefs (other tests, other benchmarks) are not touched.
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const TRACEFS = '/sys/kernel/tracing';

/** Undefined when tracefs uprobe events can be used (mounting tracefs if needed); else why not. */
export function tracefsMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'tracefs uprobe events need root';
  if (!fs.existsSync(path.join(TRACEFS, 'uprobe_events'))) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'ignore' });
    } catch {
      return `tracefs is not mounted at ${TRACEFS} and mounting it failed`;
    }
    if (!fs.existsSync(path.join(TRACEFS, 'uprobe_events'))) return 'this kernel has no uprobe_events in tracefs (CONFIG_UPROBE_EVENTS off)';
  }
  return undefined;
}

export class TracefsUprobe {
  private static created = 0;
  private readonly group = 'utap_bench';
  /** uprobe_profile names events without their group, so the event name itself is unique. */
  private readonly event = `hit_${process.pid}_${TracefsUprobe.created++}`;

  constructor(private readonly binary: string, private readonly fileOffset: number) {}

  /** The uprobe_events line that defines the probe (the report shows it as the command). */
  get definition(): string {
    return `p:${this.group}/${this.event} ${this.binary}:0x${this.fileOffset.toString(16)}`;
  }

  create(): void {
    fs.appendFileSync(path.join(TRACEFS, 'uprobe_events'), `${this.definition}\n`);
    fs.writeFileSync(path.join(TRACEFS, 'events', this.group, this.event, 'enable'), '1');
  }

  /** Hits counted by the kernel since create(). */
  hits(): number {
    const profile = fs.readFileSync(path.join(TRACEFS, 'uprobe_profile'), 'utf8');
    // "  /path/to/binary   EVENT   HITS   [MISSES]"
    const fields = profile.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === this.binary && f[1] === this.event);
    if (!fields) throw new Error(`uprobe_profile has no line for ${this.event}`);
    return Number(fields[2]);
  }

  remove(): void {
    try {
      fs.writeFileSync(path.join(TRACEFS, 'events', this.group, this.event, 'enable'), '0');
    } catch {
      // already gone
    }
    try {
      fs.appendFileSync(path.join(TRACEFS, 'uprobe_events'), `-:${this.group}/${this.event}\n`);
    } catch {
      // already gone
    }
  }
}
