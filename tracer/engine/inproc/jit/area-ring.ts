// Consumer of the shared area's record ring (utap-inproc-layout.h): the same record framing as
// a BPF ring buffer and the same calls as kernel-helper/ring-buffer.ts's RingBufferReader
// (consume, watch, unwatch, close), so the uprobe engine's record dispatch takes its records
// as they are. Differences: records never wrap (a discarded filler runs to the end instead), the
// consumer zeroes what it has read (a zero header is a record not yet written), and nothing
// wakes utap: `watch` polls on a timer, so the target makes no system call to send a record.
import { RING_DATA, RING_PRODUCER, type AreaMapLayout } from './area-layout';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;
/** How often `watch` looks for records. */
export const RING_POLL_MS = 10;

export class AreaRingReader {
  private readonly positions: BigUint64Array;
  private readonly words: Uint32Array;
  private readonly data: number;
  private readonly capacity: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly area: Buffer, layout: AreaMapLayout) {
    this.capacity = layout.capacity;
    const ring = area.byteOffset + layout.dataOff;
    // consumer_pos at 0, producer_pos at 64 (one aligned 8-byte access each, never torn)
    this.positions = new BigUint64Array(area.buffer, ring, (RING_PRODUCER >>> 3) + 1);
    this.words = new Uint32Array(area.buffer, area.byteOffset, area.length >>> 2);
    this.data = layout.dataOff + RING_DATA;
  }

  /** Hands each complete record to `onRecord` (a view valid during the call), in order; returns how many. */
  consume(onRecord: (record: Buffer) => void): number {
    if (this.closed) return 0;
    const P = RING_PRODUCER >>> 3;
    let consumer = Number(Atomics.load(this.positions, 0));
    let producer = Number(Atomics.load(this.positions, P));
    let count = 0;
    for (;;) {
      if (consumer >= producer) {
        producer = Number(Atomics.load(this.positions, P));
        if (consumer >= producer) break;
      }
      const at = this.data + (consumer & (this.capacity - 1));
      const header = Atomics.load(this.words, at >>> 2);
      if (header === 0 || (header & BUSY) !== 0) break;
      const length = header & ~(BUSY | DISCARD);
      if ((header & DISCARD) === 0) {
        onRecord(this.area.subarray(at + HDR, at + HDR + length));
        count++;
      }
      const advance = (length + HDR + 7) & ~7;
      this.area.fill(0, at, at + advance);
      consumer += advance;
      Atomics.store(this.positions, 0, BigInt(consumer));
    }
    return count;
  }

  /** Calls `onReadable` every RING_POLL_MS while watched. */
  watch(onReadable: () => void): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(onReadable, RING_POLL_MS);
  }

  unwatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.unwatch();
    this.closed = true;
  }
}
