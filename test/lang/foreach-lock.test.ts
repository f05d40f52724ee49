// A foreach locks its array, as in SystemTap: changing it in the loop body — directly or through
// a function the body calls, at any depth — is a located error; reading it is fine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

test('writes to the iterated array are refused, with where the foreach is', async () => {
  const cases: Array<[string, RegExp]> = [
    ['global a\nprobe begin { a[1] = 1; foreach (k in a) a[k]++ }', /^<input>:2:42: error: 'a' cannot be changed inside a foreach over it \(see <input>:2:39\); collect the changes/],
    ['global a\nprobe begin { a[1] = 1; foreach (k in a) { delete a[k] } }', /^<input>:2:44: error: 'a' cannot be changed inside a foreach/],
    ['global a\nfunction g() { a[2] = 2 }\nfunction f() { g() }\nprobe begin { a[1] = 1; foreach (k in a) f() }', /^<input>:4:42: error: 'a' cannot be changed inside a foreach over it \(see <input>:4:39\), and function 'f' changes it/],
  ];
  for (const [script, message] of cases) {
    const r = await runUtap(['--stop-after', 'check', '-e', script]);
    assert.is(r.status, 1, script);
    assert.match(r.stderr, message);
  }
});

test('reading the iterated array and writing another one are fine', async () => {
  const r = await runUtap(['-e', 'global a, b\nprobe begin { a[1] = 10; a[2] = 20; foreach (k in a) b[k] = a[k] + 1; foreach (k+ in b) println(b[k]); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '11\n21\n');
});

test.run();
