// A kernel handler that sleeps (a sleepable program waiting for a page of the target to be
// faulted in) holds its per-CPU scratch; other threads' hits of the same program on that CPU
// meanwhile must not overwrite it. runtime-c/targets/stall.c makes that happen for real: show()
// is first called with a string in a userfaultfd page that its monitor thread fills 500 ms
// later, while two threads pinned to the same CPU call show() with a ready string. The stalled
// read comes out right, the hits that found the scratch busy are skipped, counted and reported,
// the run exits 1, and what was counted plus what was skipped is every call the program made.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures, sleepableUprobesSupported } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable ?? (sleepableUprobesSupported() ? undefined : 'this kernel has no sleepable uprobe programs');
const CALLS = 20000; // per worker thread; two of them, plus the stalled call

liveTest(test, 'a handler asleep in a page fault: its read is right; hits that find its scratch busy are skipped, counted, reported, and the run exits 1', missing, async () => {
  const script = 'global n, seen\nprobe process.function("show") { n++; seen[user_string($text)]++ }\nprobe end { printf("n=%d\\n", n); foreach (s in seen) printf("%s: %d\\n", s, seen[s]) }';
  const r = await runUtap(['--engine', 'uprobe', '-c', sh`${fixture('stall')} ${CALLS}`, '-e', script], { timeoutMs: 30_000 });
  assert.match(r.stdout, /^stalled=filled by the monitor ready=40000 len=21$/m, 'the target\'s own account');
  assert.match(r.stdout, /^filled by the monitor: 1$/m, 'the stalled hit read the page its monitor filled');
  const n = Number(/^n=(\d+)$/m.exec(r.stdout)?.[1]);
  const ready = Number(/^ready: (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  assert.is(ready, n - 1, 'every counted hit but the stalled one read the ready string');
  const skipped = /utap: warning: (\d+) probe hits? (?:was|were) not counted: its kernel handler was still running on that CPU/.exec(r.stderr);
  assert.ok(skipped, r.stderr);
  assert.ok(Number(skipped[1]) > 0);
  assert.is(n + Number(skipped[1]), 2 * CALLS + 1, 'counted + skipped = every call');
  assert.is(r.status, 1, r.stderr);
});

test.run();
