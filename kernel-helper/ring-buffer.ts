// Consumer side of a BPF_MAP_TYPE_RINGBUF: the consumer page mapped read-write, the producer
// page and the data area (mapped twice by the kernel, so a record never wraps) read-only.
// Records are read in place; `consume` hands each to a callback and advances consumer_pos.
// `watch` polls the map fd from the Node event loop (koffi's uv_poll), so nothing blocks.
import { koffi } from './ffi';
import { BpfError } from './bpf-syscall';
import { errno, MAP_SHARED, mapFailed, PROT_READ, PROT_WRITE, sys, viewOf } from './libc';
import type { BpfMap } from './map';
import * as U from './uapi';

/**
 * consumer_pos is published every this many bytes of records during a drain, and at its end: a
 * release per record cost a BigInt and a store each, which a drain of a million records felt.
 */
const RELEASE_BYTES = 64 * 1024;

export class RingBufferReader {
  private readonly pageSize = sys.getpagesize();
  private readonly consumerPtr: unknown;
  private readonly producerPtr: unknown;
  private readonly consumer: Buffer;
  private readonly producer: Buffer;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  /** The producer mapping as 32-bit words: record headers (8-byte aligned). */
  private readonly words: Uint32Array;
  private readonly dataSize: number;
  private readonly mask: number;
  private poller: { stop(): void; close(): void } | undefined;
  private closed = false;

  constructor(private readonly map: BpfMap) {
    if (map.spec.type !== U.BPF_MAP_TYPE_RINGBUF) throw new TypeError(`map ${map.spec.name} is not a ring buffer`);
    this.dataSize = map.spec.maxEntries;
    this.mask = this.dataSize - 1;
    this.consumerPtr = sys.mmap(null, this.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, map.fd, 0);
    if (mapFailed(this.consumerPtr)) throw new BpfError('mapping the ring buffer consumer page', errno());
    this.producerPtr = sys.mmap(null, this.pageSize + 2 * this.dataSize, PROT_READ, MAP_SHARED, map.fd, this.pageSize);
    if (mapFailed(this.producerPtr)) {
      const e = errno();
      sys.munmap(this.consumerPtr, this.pageSize);
      throw new BpfError('mapping the ring buffer data pages', e);
    }
    this.consumer = viewOf(this.consumerPtr, this.pageSize);
    this.producer = viewOf(this.producerPtr, this.pageSize + 2 * this.dataSize);
    // The positions are read and written whole (one aligned 8-byte access each): read byte by
    // byte, producer_pos could tear while the kernel advances it and point past written data.
    this.consumerPos = new BigUint64Array(this.consumer.buffer, this.consumer.byteOffset, 1);
    this.producerPos = new BigUint64Array(this.producer.buffer, this.producer.byteOffset, 1);
    this.words = new Uint32Array(this.producer.buffer, this.producer.byteOffset, this.producer.length >>> 2);
  }

  /**
   * Hands every complete record to `onRecord` (a view valid only during the call), in order;
   * returns how many. Stops early at a record still being written.
   */
  consume(onRecord: (record: Buffer) => void): number {
    if (this.closed) return 0;
    let consumerPos = Number(this.consumerPos[0]);
    let released = consumerPos;
    let producerPos = Number(this.producerPos[0]);
    let count = 0;
    for (;;) {
      if (consumerPos >= producerPos) {
        producerPos = Number(this.producerPos[0]);
        if (consumerPos >= producerPos) break;
      }
      const at = this.pageSize + (consumerPos & this.mask);
      const header = this.words[at >>> 2];
      if (header & U.BPF_RINGBUF_BUSY_BIT) break;
      const length = header & ~(U.BPF_RINGBUF_BUSY_BIT | U.BPF_RINGBUF_DISCARD_BIT);
      if ((header & U.BPF_RINGBUF_DISCARD_BIT) === 0) {
        onRecord(this.producer.subarray(at + U.BPF_RINGBUF_HDR_SZ, at + U.BPF_RINGBUF_HDR_SZ + length));
        count++;
      }
      consumerPos += (length + U.BPF_RINGBUF_HDR_SZ + 7) & ~7;
      // Release the space as the drain goes, so producers go on during a long one.
      if (consumerPos - released >= RELEASE_BYTES) {
        this.consumerPos[0] = BigInt(consumerPos);
        released = consumerPos;
      }
    }
    if (consumerPos !== released) this.consumerPos[0] = BigInt(consumerPos);
    return count;
  }

  /** Calls `onReadable` from the event loop whenever records may be waiting (epoll on the map fd). */
  watch(onReadable: () => void): void {
    if (this.poller) return;
    this.poller = koffi.node.poll(this.map.fd, { readable: true }, () => onReadable());
  }

  /** Stops watching (the event loop no longer waits on this buffer). */
  unwatch(): void {
    this.poller?.stop();
    this.poller?.close();
    this.poller = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.unwatch();
    this.closed = true;
    sys.munmap(this.consumerPtr, this.pageSize);
    sys.munmap(this.producerPtr, this.pageSize + 2 * this.dataSize);
  }
}
