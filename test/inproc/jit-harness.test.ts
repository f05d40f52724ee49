// JITted handlers from utap's own eBPF generator, run natively in build/jit-harness from several
// threads against the shared area, read back through the uprobe engine's stores (bpf-storage.ts
// over the area's maps) and the area's record ring: exact counts across threads, statistics and
// histograms, string keys, strings and records, division by zero and a wild pointer reported as
// the kernel handler reports them, while the harness (the "target") carries on unharmed.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AREA_FSGSBASE, HEADER, MAP, SLOT, keyHash } from '../../tracer/engine/inproc/jit/area-layout';
import { STATE_BUSY_SKIPS, STATE_STOP } from '../../tracer/bpf-codegen/layout';
import type { ArrayStore, ScalarCell, StatsArrayStore, StatsStore } from '../../tracer/runtime/storage';
import { vdsoFunction } from '../../tracer/engine/inproc/jit/vdso';
import { GLIBC_TID_OFFSET } from '../../tracer/engine/inproc/jit/shared-area';
import { HARNESS, JitFixture } from './jit-fixture';
import type { Expr, ProbeSiteIR } from '../../tracer/ir/ir';
import { walkStmt } from '../../tracer/ir/walk';
import type { EventProgramRequest } from '../../tracer/bpf-codegen/site-compiler';
import { EVENT_READ_FAULT, EVENT_READ_OK } from '../../tracer/bpf-codegen/records';

/** Longs come back as numbers when safe, else bigints (runtime/long.ts): compared as numbers here. */
const num = (v: unknown): number => Number(v as number | bigint);
const THREADS = 8;
const ITERS = 20000;

function withFixture(text: string, body: (f: JitFixture) => void, options?: ConstructorParameters<typeof JitFixture>[1]): void {
  const f = new JitFixture(text, options);
  try {
    body(f);
  } finally {
    f.close();
  }
}

test('the C structures and the key hash agree with area-layout.ts', () => {
  const lines = new Map(execFileSync(HARNESS, ['layout'], { encoding: 'latin1' }).trim().split('\n').map((l) => l.split(' ') as [string, string]));
  const want: Array<[string, number]> = [
    ['utap_area.flags', HEADER.flags], ['utap_area.nslots', HEADER.nslots], ['utap_area.nmaps', HEADER.nmaps], ['utap_area.size', HEADER.size],
    ['utap_area.slots_off', HEADER.slotsOff], ['utap_area.maps_off', HEADER.mapsOff], ['utap_area.no_slot_skips', HEADER.noSlotSkips],
    ['utap_area.lock_skips', HEADER.lockSkips], ['utap_area.pid', HEADER.pid], ['utap_area.tid_offset', HEADER.tidOffset], ['utap_area.vdso_clock_gettime', HEADER.vdsoClockGettime], ['utap_area.size_', HEADER.size_],
    ['utap_slot.key', SLOT.key], ['utap_slot.tid', SLOT.tid], ['utap_slot.size_', SLOT.size_],
    ['utap_map.type', MAP.type], ['utap_map.key_size', MAP.keySize], ['utap_map.value_size', MAP.valueSize], ['utap_map.max_entries', MAP.maxEntries],
    ['utap_map.value_stride', MAP.valueStride], ['utap_map.capacity', MAP.capacity], ['utap_map.entry_size', MAP.entrySize],
    ['utap_map.key_stride', MAP.keyStride], ['utap_map.data_off', MAP.dataOff], ['utap_map.count', MAP.count], ['utap_map.lock', MAP.lock], ['utap_map.size_', MAP.size_],
  ];
  for (const [name, offset] of want) assert.is(Number(lines.get(name)), offset, name);
  assert.is(Number(lines.get('hash4')), keyHash(Buffer.from([1, 0, 0, 0]), 4));
  assert.is(Number(lines.get('hash3')), keyHash(Buffer.from('abc'), 3));
  assert.is(Number(lines.get('hash9')), keyHash(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 7]), 9));
  const big = Buffer.from(Array.from({ length: 515 }, (_, i) => (i * 7 + 3) & 0xff));
  assert.is(Number(lines.get('hash512')), keyHash(big, 512));
  assert.is(Number(lines.get('hash515')), keyHash(big, 515));
  assert.is(Number(lines.get('hash30')), keyHash(big.subarray(1), 30));
});

for (const fast of [true, false]) {
  test(`a counter is exact across ${THREADS} threads (thread keys ${fast ? 'from rdfsbase' : 'from gettid'})`, () => {
    withFixture('global n; probe process("t").function("work") { n++ }', (f) => {
      assert.is(f.area.memory.bytes.readUInt32LE(HEADER.flags) & AREA_FSGSBASE, fast ? AREA_FSGSBASE : 0);
      f.run([0], THREADS, ITERS);
      assert.is(num((f.global('n') as ScalarCell).get()), THREADS * ITERS);
      assert.equal(f.area.counters(), { noSlotSkips: 0n, lockSkips: 0n });
    }, { fastThreadKeys: fast });
  });
}

test('statistics and @hist_log per thread slot, summed exactly; keyed counts per thread', () => {
  const script = `global s, byThread, hs
    probe process("t").function("work") {
      s <<< register("rdi")
      byThread[register("rsi")]++
      hs[register("rsi") % 2] <<< register("rdi")
    }
    probe end { print(@hist_log(s)) }`;
  withFixture(script, (f) => {
    f.run([0], THREADS, ITERS, ['rdi=iter', 'rsi=thread']);
    const stats = (f.global('s') as StatsStore).read()!;
    const sum = (THREADS * (ITERS * (ITERS - 1))) / 2;
    assert.equal([stats.count, stats.sum, stats.min, stats.max].map(num), [THREADS * ITERS, sum, 0, ITERS - 1]);
    // @hist_log buckets: 0 → bucket of 0, then one per power of two.
    const buckets = stats.hists[0];
    assert.is(buckets.reduce((a, b) => a + b, 0), THREADS * ITERS);
    const log2 = (v: number): number => (v === 0 ? -1 : Math.floor(Math.log2(v)));
    const want = new Map<number, number>();
    for (let v = 0; v < ITERS; v++) want.set(log2(v), (want.get(log2(v)) ?? 0) + THREADS);
    assert.equal(buckets.filter((n) => n > 0), [...want.keys()].sort((a, b) => a - b).map((k) => want.get(k)!), 'one bucket per power of two, exact');
    const byThread = f.global('byThread') as ArrayStore;
    assert.is(byThread.size(), THREADS);
    for (let t = 0; t < THREADS; t++) assert.is(num(byThread.get([t])), ITERS, `thread ${t}`);
    const hs = f.global('hs') as StatsArrayStore;
    assert.is(num(hs.read([0])!.count), (THREADS / 2) * ITERS);
    assert.is(num(hs.read([1])!.sum), ((THREADS / 2) * (ITERS * (ITERS - 1))) / 2);
  }, { slots: 16 });
});

test('strings: user_string of a target pointer as a hash key and in printf records, execname per thread', () => {
  const script = `global names
    probe process("t").function("work") { names[user_string(pointer_arg(1))]++ }
    probe process("t").function("work") { if (register("rsi") < 3) printf("%s|%s|%d\\n", user_string(pointer_arg(1)), execname(), register("rsi")) }`;
  withFixture(script, (f) => {
    f.run([0, 1], THREADS, 2000, ['rdi=str', 'rsi=iter']);
    const names = f.global('names') as ArrayStore;
    assert.equal([...names.entries()].map(([k, v]) => [k, num(v)]), [[['a string in the harness'], THREADS * 2000]]);
    const records = f.drain();
    assert.is(records.length, THREADS * 3);
    const seen = new Set<string>();
    for (const r of records) {
      assert.is(r.spec.kind, 'printf');
      assert.is(r.values[0], 'a string in the harness');
      assert.match(String(r.values[1]), /^jitw[0-7]$/);
      seen.add(`${r.values[1]}:${r.values[2]}`);
      assert.is(r.pid, r.pid > 0 ? r.pid : -1);
      assert.ok(r.tid > 0);
    }
    assert.is(seen.size, THREADS * 3, 'every thread sent its three records, none lost or torn');
  });
});

test('a full ring drops records (counted by the handler), the rest stay readable', () => {
  withFixture('probe process("t").function("work") { printf("%d\\n", register("rdi")) }', (f) => {
    f.run([0], 1, 1000, ['rdi=iter']);
    const records = f.drain();
    assert.ok(records.length > 0 && records.length < 1000, `${records.length} of 1000 records fit a 4 KiB ring`);
    assert.equal(records.map((r) => r.values[0]), records.map((_, i) => BigInt(i)));
    // The second run finds the ring drained (the reader zeroed and released what it read).
    f.run([0], 1, 10, ['rdi=iter']);
    assert.equal(f.drain().map((r) => r.values[0]), Array.from({ length: 10 }, (_, i) => BigInt(i)));
  }, { ringBytes: 4096 });
});

test('division by zero: the kernel-handler error record, the session stopped, later hits do nothing', () => {
  withFixture('global n, q; probe process("t").function("work") { n++; q = 100 / register("rsi") }', (f) => {
    f.run([0], 2, 5, ['rsi=0']);
    const records = f.drain();
    assert.ok(records.length >= 1);
    const first = records[0].spec;
    assert.is(first.kind, 'kernelError');
    assert.is(first.kind === 'kernelError' && first.error, 'divisionByZero');
    const stateMap = f.area.map(1);
    const key = Buffer.alloc(4);
    key.writeUInt32LE(STATE_STOP);
    assert.is(stateMap.lookup(key)!.readBigUInt64LE(0), 1n, 'STATE_STOP set');
    assert.ok(num((f.global('n') as ScalarCell).get()) < 10, 'hits after the error did not count');
  });
});

test('a wild pointer: user_string faults safely (-EFAULT → the userStringFault record with the address), the harness goes on', () => {
  withFixture('global after; probe process("t").function("work") { s = user_string(pointer_arg(1)); after++ }', (f) => {
    f.run([0], 1, 3, ['rdi=wild']);
    const [r] = f.drain();
    assert.is(r.spec.kind === 'kernelError' && r.spec.error, 'userStringFault');
    assert.is(r.values[0], 0xdead00000000n);
    assert.is(num((f.global('after') as ScalarCell).get()), 0);
  });
  withFixture('global v; probe process("t").function("work") { v = user_long(pointer_arg(1)) }', (f) => {
    f.run([0], 1, 1, ['rdi=wild']);
    const [r] = f.drain();
    assert.is(r.spec.kind === 'kernelError' && r.spec.error, 'readFault');
  });
});

test('utap writes and deletes keys while reading (the hash map lock), as end probes do', () => {
  withFixture('global a; probe process("t").function("work") { a[register("rsi")] += 2 }', (f) => {
    const a = f.global('a') as ArrayStore;
    assert.ok(a.set([100], 7));
    f.run([0], 4, 1000, ['rsi=thread']);
    assert.is(num(a.get([100])), 7);
    for (let t = 0; t < 4; t++) assert.is(num(a.get([t])), 2000);
    a.delete([2]);
    assert.is(a.get([2]), undefined);
    assert.is(a.size(), 4);
    f.run([0], 1, 1, ['rsi=2']);
    assert.is(num(a.get([2])), 2, 'a deleted key is inserted again');
  });
});

test('a .return probe with @entry: captures kept per thread and frame in the entry map, paired exactly, none left behind', () => {
  const script = `global lat
    probe process("t").function("work").return { lat[tid()] <<< register("rax") - register("rdi") }`; // rdi: at entry (fixture)
  withFixture(script, (f) => {
    assert.ok(f.entryPrograms.has(0), 'the site has an entry program');
    f.run([0], THREADS, ITERS, ['rdi=iter', 'rax=1000000']);
    const lat = f.global('lat') as StatsArrayStore;
    const rows = [...lat.entries()];
    assert.is(rows.length, THREADS, 'one row per thread (tid() from gettid)');
    for (const [, s] of rows) {
      assert.is(num(s.count), ITERS);
      assert.is(num(s.sum), ITERS * 1000000 - (ITERS * (ITERS - 1)) / 2);
    }
    assert.is(f.area.map(f.entryPrograms.get(0)!.map).count, 0, 'every entry deleted at its return');
  });
});

test('utap inserts keys while the target\'s threads insert theirs into the same hash map: both sides\' keys all there, counts exact', async () => {
  const f = new JitFixture('global a[100000]; probe process("t").function("work") { a[register("rsi") * 1000 + register("rdi") % 500]++ }');
  try {
    const a = f.global('a') as ArrayStore;
    const running = f.runAsync([0], 4, 50000, ['rsi=thread', 'rdi=iter']);
    for (let i = 0; i < 2000; i++) assert.ok(a.set([1000000 + i], i));
    await running;
    assert.is(a.size(), 4 * 500 + 2000);
    for (let t = 0; t < 4; t++) for (let k = 0; k < 500; k += 37) assert.is(num(a.get([t * 1000 + k])), 100, `key ${t * 1000 + k}`);
    for (let i = 0; i < 2000; i += 97) assert.is(num(a.get([1000000 + i])), i);
    let total = 0;
    for (const [k, v] of a.entries()) if (num(k[0]) < 1000000) total += num(v);
    assert.is(total, 4 * 50000);
    assert.equal(f.area.counters(), { noSlotSkips: 0n, lockSkips: 0n });
  } finally {
    f.close();
  }
});

test('a full entry map (calls that never return) evicts, as an LRU map does: new calls still get their captures', () => {
  withFixture('global got; probe process("t").function("work").return { got += register("rdi") }', (f) => {
    const entries = f.area.map(f.entryPrograms.get(0)!.map);
    f.run([0], THREADS, 10, ['rdi=7'], 'entry');
    assert.is(entries.count, 4, 'entries of 8 threads in a map of 4');
    f.run([0], 1, 100, ['rdi=iter']);
    assert.is(num((f.global('got') as ScalarCell).get()), (100 * 99) / 2, 'every later call paired');
    assert.equal(f.area.counters(), { noSlotSkips: 0n, lockSkips: 0n });
  }, { entryThreads: 4 });
});

test('thread slots: hits of threads beyond the slots are counted as skipped, exactly; slots of exited threads are taken over', () => {
  withFixture('global n; probe process("t").function("work") { n++ }', (f) => {
    f.run([0], 8, 5000);
    const { noSlotSkips } = f.area.counters();
    assert.ok(noSlotSkips > 0n, 'some threads found no slot');
    assert.is(num((f.global('n') as ScalarCell).get()) + Number(noSlotSkips), 8 * 5000, 'every hit counted or counted as skipped');
    f.run([0], 4, 5000); // a new process: the old threads are gone
    assert.is(f.area.counters().noSlotSkips, noSlotSkips, 'no new skips');
    assert.is(num((f.global('n') as ScalarCell).get()) + Number(noSlotSkips), 12 * 5000);
  }, { slots: 4, fastThreadKeys: false });
});

for (const vdso of [false, true]) {
  test(`bpf_ktime_get_ns through ${vdso ? "the target's vDSO" : 'the system call'}: CLOCK_MONOTONIC, never going back`, () => {
    withFixture('global first, last, back; probe process("t").function("work") { now = gettimeofday_ns(); if (!first) first = now; if (now < last) back++; last = now }', (f) => {
      const before = process.hrtime.bigint();
      f.run([0], 1, 10000, vdso ? ['vdso'] : []);
      const after = process.hrtime.bigint();
      const [first, last] = ['first', 'last'].map((g) => BigInt((f.global(g) as ScalarCell).get() as number | bigint));
      assert.ok(before <= first && first <= last && last <= after, `${before} <= ${first} <= ${last} <= ${after}`);
      assert.is(num((f.global('back') as ScalarCell).get()), 0);
    });
  });
}

for (const fromTls of [false, true]) {
  test(`tid() ${fromTls ? "from glibc's TLS block (offset checked)" : 'from gettid'}: each thread's own, as the kernel numbers it`, () => {
    withFixture('probe process("t").function("work") { if (register("rdi") < 2) printf("%d %d\\n", tid(), pid()) }', (f) => {
      f.run([0], 4, 100, ['rdi=iter', ...(fromTls ? [`tidoff=${GLIBC_TID_OFFSET}`, 'pid'] : [])]);
      assert.is(f.area.memory.bytes.readUInt32LE(HEADER.tidOffset), fromTls ? GLIBC_TID_OFFSET : 0);
      const records = f.drain();
      assert.is(records.length, 8);
      // the slot table recorded each thread's tid with gettid when the thread claimed its slot
      const slotTids = new Set<number>();
      for (let i = 0; i < f.area.layout.nslots; i++) {
        const at = f.area.layout.slotsOff + i * SLOT.size_;
        if (f.area.memory.bytes.readBigUInt64LE(at + SLOT.key) !== 0n) slotTids.add(f.area.memory.bytes.readUInt32LE(at + SLOT.tid));
      }
      assert.is(slotTids.size, 4);
      for (const r of records) {
        assert.is(Number(r.values[0]), r.tid, 'tid() = the record header tid');
        assert.is(Number(r.values[1]), r.pid, 'pid() = the record header pid');
        assert.ok(slotTids.has(r.tid), `tid ${r.tid} is one of the threads'`);
        assert.ok(r.tid !== r.pid, 'a worker thread, not the main one');
      }
    });
  });
}

test('vdsoFunction finds __vdso_clock_gettime where the process itself sees it; prepareFor sets pid, clock and TLS tid offset', async () => {
  const child = spawn(HARNESS, ['vdso'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\n')) resolve(text.trim());
      });
      child.on('error', reject);
      setTimeout(() => reject(new Error('jit-harness vdso printed nothing')), 10_000).unref();
    });
    const [clock, fsBase, tid] = line.split(' ');
    assert.ok(BigInt(clock) !== 0n, 'the harness found its vDSO clock');
    assert.is(vdsoFunction(child.pid!, '__vdso_clock_gettime'), BigInt(clock));
    assert.is(vdsoFunction(child.pid!, 'no_such_function'), undefined);
    const readU32 = (address: bigint): number | undefined => {
      const b = Buffer.alloc(4);
      const fd = fs.openSync(`/proc/${child.pid}/mem`, 'r');
      try {
        return fs.readSync(fd, b, 0, 4, address) === 4 ? b.readUInt32LE(0) : undefined;
      } finally {
        fs.closeSync(fd);
      }
    };
    withFixture('probe process("t").function("work") { }', (f) => {
      const set = f.area.prepareFor(child.pid!, [{ tid: Number(tid), fsBase: BigInt(fsBase) }], readU32);
      assert.equal(set, { vdsoClock: true, tidFromTls: true });
      const header = f.area.memory.bytes;
      assert.equal([header.readUInt32LE(HEADER.pid), header.readBigUInt64LE(HEADER.vdsoClockGettime), header.readUInt32LE(HEADER.tidOffset)], [child.pid, BigInt(clock), GLIBC_TID_OFFSET]);
      // a thread whose TLS block does not hold its tid there turns it off
      assert.equal(f.area.prepareFor(child.pid!, [{ tid: Number(tid) + 1, fsBase: BigInt(fsBase) }], readU32), { vdsoClock: true, tidFromTls: false });
      assert.is(header.readUInt32LE(HEADER.tidOffset), 0);
    }, { fastThreadKeys: true });
  } finally {
    child.stdin.end();
    child.kill();
  }
});

test('handlers re-entered from signal handlers on the same threads: no deadlock, every run counted or counted as skipped', () => {
  const script = `global n, a
    probe process("t").function("work") { n++ }
    probe process("t").function("work") { a[register("rsi")] += 1 }`;
  withFixture(script, (f) => {
    f.run([0, 1], 4, 200000, ['rsi=thread', 'signals=100000']);
    assert.ok(f.signalCalls > 0, 'signals arrived while the handlers ran');
    const key = Buffer.alloc(4);
    key.writeUInt32LE(STATE_BUSY_SKIPS);
    const skips = Number(f.area.map(1).lookup(key)!.readBigUInt64LE(0));
    const a = f.global('a') as ArrayStore;
    let inA = 0;
    for (const [, v] of a.entries()) inA += num(v);
    const runs = 4 * 200000 + f.signalCalls;
    assert.is(num((f.global('n') as ScalarCell).get()) + inA + skips, 2 * runs, `n + a + ${skips} skipped = 2 x ${runs}`);
    assert.is(f.area.counters().lockSkips, 0n);
  });
});

test('an event-mode program (what utap runs itself): registers, execname and target reads shipped in the record, a fault marked', () => {
  const reads: Expr[] = [];
  const event = (site: ProbeSiteIR): EventProgramRequest => {
    // the handler's own reads, in order: user_string($arg1) then a long read at $arg2
    walkStmt(site.handler.body, { expr: (e) => void ((e.op === 'userString' || e.op === 'userRead') && reads.push(e)) });
    return { kind: 'event', regs: ['rdi', 'rsi'], context: ['execname'], reads, entryInKernel: false, stackBytes: 0 };
  };
  withFixture('probe process("t").function("work") { printf("%s %d\\n", user_string(pointer_arg(1)), user_long(pointer_arg(2))) }', (f) => {
    f.run([0], 2, 3, ['rdi=str', 'rsi=wild']);
    const records = f.drain();
    assert.is(records.length, 6);
    for (const r of records) {
      assert.is(r.spec.kind, 'event');
      const [rdi, rsi, comm, s1, a1, v1, s2, a2] = r.values;
      assert.ok(rdi !== 0n && rsi === 0xdead00000000n, 'registers');
      assert.match(String(comm), /^jitw[01]$/);
      assert.equal([s1, a1, v1], [BigInt(EVENT_READ_OK), rdi, 'a string in the harness'], 'the string read at the hit');
      assert.equal([s2, a2], [BigInt(EVENT_READ_FAULT), 0xdead00000000n], 'the wild read marked as a fault');
    }
  }, { event });
});

test('per-call cost of a counting handler (figure printed, not asserted)', () => {
  withFixture('global n; probe process("t").function("work") { n++ }', (f) => {
    const ns = f.run([0], 1, 2_000_000);
    console.log(`counting handler: ${ns} ns per call in jit-harness (1 thread, 2M calls)`);
    assert.is(num((f.global('n') as ScalarCell).get()), 2_000_000);
  });
});

test.run();
