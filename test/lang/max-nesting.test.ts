// MAXNESTING's default comes from the call graph, as in SystemTap: the deepest chain of nested
// calls + 1, and 10 more when a function can reach itself. Seen through a recursion that needs
// exactly as many frames as allowed (fine) and one more (MAXNESTING exceeded).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

const recursive = 'function down(n) { return n <= 0 ? 0 : 1 + down(n - 1) } probe begin { println(down($1)) exit() }';

test('a recursive function gets chain (1) + 1 + 10 = 12 frames by default', async () => {
  let r = await runUtap(['-e', recursive, '11']);
  assert.is(r.stdout, '11\n');
  assert.is(r.status, 0);
  r = await runUtap(['-e', recursive, '12']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ERROR: MAXNESTING exceeded/);
});

test('-D MAXNESTING overrides the default', async () => {
  const r = await runUtap(['-D', 'MAXNESTING=30', '-e', recursive, '25']);
  assert.is(r.stdout, '25\n');
});

test('without recursion the deepest chain + 1 is enough for the script to run', async () => {
  const r = await runUtap(['-e', 'function a() { return b() + 1 } function b() { return c() + 1 } function c() { return 1 } probe begin { println(a()) exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '3\n');
});

test.run();
