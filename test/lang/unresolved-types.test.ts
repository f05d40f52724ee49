// As in SystemTap, a variable that no use gives a type is an error ("unresolved type"): utap
// names it, where it is first used, and says how to settle it. Only probes and functions that
// run count (a function nobody calls may leave its parameters open).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

async function check(script: string) {
  return runUtap(['--stop-after', 'check', '-e', script]);
}

test('globals and locals that nothing types are reported, in source order', async () => {
  const r = await check('global a, b\nprobe begin { a = b; x = y }');
  assert.is(r.status, 1);
  const where = r.stderr.split('\n').filter((l) => / error: /.test(l)).map((l) => l.replace(/: error: .*/, ''));
  assert.equal(where, ['<input>:1:8', '<input>:1:11', '<input>:2:22', '<input>:2:26']);
  assert.match(r.stderr, /error: cannot tell whether 'a' is a long or a string: no use of it says; give it a value somewhere \(a = 0 or a = ""\)\./);
});

test('one typed use settles a chain of assignments', async () => {
  const r = await check('global a, b\nprobe begin { a = b; b = "s"; x = a }');
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
});

test('an uncalled function may leave its parameters untyped', async () => {
  const r = await check('function id(x) { return x } probe begin { exit() }');
  assert.is(r.status, 0);
});

test('another error is reported alone, not drowned in the unsettled types it causes', async () => {
  const r = await check('function v() { } probe begin { x = v() }');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:36: error: function 'v' returns no value/);
  assert.not.match(r.stderr, /cannot tell/);
});

test.run();
