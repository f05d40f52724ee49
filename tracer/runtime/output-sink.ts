// Where script output goes: a file descriptor written with fs.writeSync, never through a stream
// or the event loop, so a session runs the same on the main thread and inside a worker thread
// whose loop blocks in waitpid.
//
// Output is buffered (like SystemTap's print buffers) and written when the buffer passes 64 KiB,
// when flush() is called, and at the latest `maxDelayMs` after the first unflushed byte — checked
// on each write, so an engine whose thread is about to block should call flush() first (cheap
// when nothing is pending).
import * as fs from 'node:fs';

export interface OutputSink {
  /** Appends a byte string (one char per byte). */
  write(bytes: string): void;
  /** Writes out everything buffered. */
  flush(): void;
  /** True when bytes are waiting for flush(). */
  readonly pending: boolean;
  /** Flushes, and closes the descriptor if the sink opened it. */
  close(): void;
}

const FLUSH_BYTES = 64 * 1024;

/** Sleeps without an event loop (for a full pipe: EAGAIN on a non-blocking descriptor). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class FdSink implements OutputSink {
  private chunks: string[] = [];
  private size = 0;
  private firstPendingAt = 0;
  private broken = false;

  constructor(private readonly fd: number, private readonly ownsFd = false, private readonly maxDelayMs = 100) {}

  /** A sink on a file created (truncated) for -o. */
  static toFile(path: string): FdSink {
    return new FdSink(fs.openSync(path, 'w'), true);
  }

  get pending(): boolean {
    return this.size > 0;
  }

  write(bytes: string): void {
    if (bytes.length === 0) return;
    if (this.size === 0) this.firstPendingAt = Date.now();
    this.chunks.push(bytes);
    this.size += bytes.length;
    if (this.size >= FLUSH_BYTES || Date.now() - this.firstPendingAt >= this.maxDelayMs) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const data = Buffer.from(this.chunks.length === 1 ? this.chunks[0] : this.chunks.join(''), 'latin1');
    this.chunks = [];
    this.size = 0;
    if (this.broken) return;
    let offset = 0;
    while (offset < data.length) {
      try {
        offset += fs.writeSync(this.fd, data, offset, data.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          pause(1);
          continue;
        }
        if (code === 'EPIPE') {
          // The reader went away (`utap ... | head`): drop output from now on, as a pipeline expects.
          this.broken = true;
          return;
        }
        throw error;
      }
    }
  }

  close(): void {
    this.flush();
    if (this.ownsFd) fs.closeSync(this.fd);
  }
}

/** Collects output in memory (tests, `sprint`-like uses). */
export class MemorySink implements OutputSink {
  text = '';
  get pending(): boolean {
    return false;
  }
  write(bytes: string): void {
    this.text += bytes;
  }
  flush(): void {}
  close(): void {}
}
