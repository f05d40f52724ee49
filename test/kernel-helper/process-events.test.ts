// The process-event programs (kernel-helper/process-events.ts) against real processes: a shell
// put in the traced set forks a child that execs `sleep`; the child joins the set before it
// runs (its bit is set while it sleeps), the records say NEW_PROCESS (parent = the shell),
// EXEC (the file), EXIT_PROCESS, and the child's bit is cleared when it ends. A process outside
// the set (the test's own children started before) produces no record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { BpfMap } from '../../kernel-helper/map';
import { decodeProcessEvent, ProcessEvents, type ProcessEvent } from '../../kernel-helper/process-events';
import { RingBufferReader } from '../../kernel-helper/ring-buffer';
import * as U from '../../kernel-helper/uapi';
import { liveTest } from '../support/live';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inSet(events: ProcessEvents, pid: number): boolean {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(pid >>> 6);
  const word = events.traced.lookup(key);
  return !!word && ((word.readBigUInt64LE(0) >> BigInt(pid & 63)) & 1n) === 1n;
}

liveTest(test, 'a traced shell\'s child joins the set before it runs, leaves it at exit, and each step is recorded', detectBpfFeatures().unavailable, async () => {
  const ring = BpfMap.create({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 1 << 16, name: 'test_ring' });
  const events = new ProcessEvents(ring, false);
  const reader = new RingBufferReader(ring);
  // the shell waits for a line before it forks, so it is in the set first
  const shell = spawn('/bin/sh', ['-c', 'read go; sleep 0.5 & echo $!; wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  shell.stdout.on('data', (d) => (out += d));
  try {
    events.add(shell.pid!);
    events.attach();
    assert.ok(inSet(events, shell.pid!));
    shell.stdin.end('go\n');
    for (let i = 0; i < 200 && !/\d+\n/.test(out); i++) await sleep(10);
    const child = Number(out.trim());
    assert.ok(child > 0, out);
    assert.ok(inSet(events, child), 'the child is in the set while it runs');
    await new Promise((r) => shell.on('exit', r));
    await sleep(50);
    assert.not.ok(inSet(events, child), 'the child left the set when it ended');
    assert.not.ok(inSet(events, shell.pid!), 'so did the shell');
    const seen: ProcessEvent[] = [];
    reader.consume((record) => {
      const e = decodeProcessEvent(record);
      if (e) seen.push(e);
    });
    const ofChild = seen.filter((e) => e.pid === child);
    assert.equal(ofChild.map((e) => e.kind), ['NEW_PROCESS', 'EXEC', 'EXIT_PROCESS'], JSON.stringify(seen));
    assert.is(ofChild[0].ppid, shell.pid);
    assert.is(ofChild[0].tid, child);
    assert.match(ofChild[1].file, /\/sleep$/);
    assert.is(ofChild[2].comm, 'sleep');
    assert.ok(seen.some((e) => e.pid === shell.pid && e.kind === 'EXIT_PROCESS'));
    assert.ok(seen.every((e) => e.pid === child || e.pid === shell.pid), 'no other process is recorded');
  } finally {
    shell.kill('SIGKILL');
    reader.close();
    events.close();
    ring.close();
  }
});

test.run();
