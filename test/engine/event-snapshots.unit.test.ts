// Answering an event-mode handler's memory reads from what the kernel read at the hit: the
// runtime's own readers (user-memory.ts) over the snapshots, so strings read page by page, short
// strings under a wider long read, faults and reads never shipped behave as on a live process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSnapshot, type Snapshot } from '../../tracer/engine/uprobe/event-snapshots';
import { readUser, readUserString } from '../../tracer/runtime/user-memory';
import { FakeContext } from '../support/fake-context';
import { ScriptRuntimeError } from '../../tracer/runtime/runtime-error';

const loc = { file: 't.stp', line: 1, column: 1 };
const text = (s: string) => Buffer.from(`${s}\0`, 'latin1');

/** A context whose memory is only the snapshots. */
function ctx(snapshots: Snapshot[]): FakeContext {
  const c = new FakeContext({});
  c.readMemory = (address: bigint, length: number) => readSnapshot(snapshots, address, length);
  return c;
}

test('strings: the runtime reads page by page; a string crossing a page boundary comes whole', () => {
  const at = 0x1000n - 3n;
  const c = ctx([{ address: at, bytes: text('abcdefgh') }]);
  assert.is(readUserString(c, at, 511, loc), 'abcdefgh');
  assert.is(readUserString(c, at, 4, loc), 'abcd');
});

test('a long read and a string read at one address: each gets real bytes', () => {
  const at = 0x2000n;
  const c = ctx([{ address: at, bytes: Buffer.from([0x61, 0x62, 0, 0x7f, 1, 2, 3, 4]) }, { address: at, bytes: text('ab') }]);
  assert.is(readUserString(c, at, 511, loc), 'ab');
  assert.is(BigInt(readUser(c, at, 4, false, loc)), 0x7f006261n);
  assert.is(BigInt(readUser(c, at + 4n, 2, false, loc)), 0x0201n);
});

test('a read that faulted at the hit is the runtime error a live fault gives', () => {
  const c = ctx([{ address: 0x10n, bytes: undefined }]);
  assert.throws(() => readUser(c, 0x10n, 8, false, loc), (e: unknown) => e instanceof ScriptRuntimeError && e.message === 'read fault at 0x10 (8 bytes)');
  assert.throws(() => readUserString(c, 0x10n, 511, loc), (e: unknown) => e instanceof ScriptRuntimeError && e.message === 'user string copy fault -14 at 0x10');
});

test('a read the kernel never did is a utap bug, never a read of live memory', () => {
  const c = ctx([{ address: 0x3000n, bytes: Buffer.alloc(8) }]);
  assert.throws(() => readUser(c, 0x4000n, 8, false, loc), /utap bug: the event-mode handler read 8 bytes at 0x4000/);
});

test.run();
