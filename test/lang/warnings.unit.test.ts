// Warnings, as SystemTap gives them: -W makes what it warns about in a script (an unused global,
// an overload no call reaches) an error; -w silences warnings, warn() included; warn() prints
// each distinct message once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

test('-W: a global never used is an error', async () => {
  const r = await runUtap(['-W', '--stop-after', 'check', '-e', 'global idle, busy\nprobe begin { busy = 1; exit() }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:8: error: the global 'idle' is never used/);
});

test('-W: an overload after one that never says next is an error; after one that does, fine', async () => {
  const unreachable = await runUtap(['-W', '--stop-after', 'check', '-e', 'function f() { return 1 }\nfunction f() { return 2 }\nprobe begin { println(f()) }']);
  assert.is(unreachable.status, 1);
  assert.match(unreachable.stderr, /^<input>:2:1: error: this overload of 'f' is never reached: the one at <input>:1:1 never says 'next'/);
  const reachable = await runUtap(['-W', '--stop-after', 'check', '-e', 'function f() { next }\nfunction f() { return 2 }\nprobe begin { println(f()) }']);
  assert.is(reachable.stderr, '');
  assert.is(reachable.status, 0);
});

test('without -W, or with -w too, those scripts are accepted', async () => {
  for (const args of [[], ['-w', '-W']]) {
    const r = await runUtap([...args, '--stop-after', 'check', '-e', 'global idle\nprobe begin { exit() }']);
    assert.is(r.status, 0, args.join(' '));
  }
});

test('warn() prints each distinct message once; -w prints none', async () => {
  const script = 'probe begin { warn("a"); warn("b"); warn("a"); println("done"); exit() }';
  const r = await runUtap(['-e', script]);
  assert.is(r.stderr, 'WARNING: a\nWARNING: b\n');
  assert.is(r.stdout, 'done\n');
  const quiet = await runUtap(['-w', '-e', script]);
  assert.is(quiet.stderr, '');
  assert.is(quiet.stdout, 'done\n');
});

test.run();
