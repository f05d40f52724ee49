// One run reports every independent mistake, as SystemTap does: the parser resumes at the next
// top-level declaration, the checker at the next probe or function body. Each error is
// `file:line:col: error:` with its line and caret; several end with one summary line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

test('syntax errors in two declarations are both reported, then a summary line', async () => {
  const r = await runUtap(['--stop-after', 'parse', '-e', 'probe begin { x = }\nprobe end { y = ( }\nprobe error { }']);
  assert.is(r.status, 1);
  assert.is(
    r.stderr,
    "<input>:1:19: error: expected an expression but found '}'.\nprobe begin { x = }\n                  ^\n" +
      "<input>:2:19: error: expected an expression but found '}'.\nprobe end { y = ( }\n                  ^\n" +
      '2 errors; the script was not run.\n',
  );
});

test('semantic errors in separate probes and functions are each reported once', async () => {
  const script = 'function f() { return 1 + "a" }\nprobe begin { s = "x"; s = 1 }\nprobe end { nosuch(1) }\nprobe error { ok = 1 }';
  const r = await runUtap(['-e', script]);
  assert.is(r.status, 1);
  const errors = r.stderr.split('\n').filter((l) => / error: /.test(l));
  assert.equal(errors.map((l) => l.replace(/: error: .*/, '')), ['<input>:1:25', '<input>:2:24', '<input>:3:13']);
  assert.match(r.stderr, /\n3 errors; the script was not run\.\n$/);
});

test('a single error keeps the plain form, without a summary', async () => {
  const r = await runUtap(['-e', 'probe begin { x = 1 + "a" }']);
  assert.is(r.stderr, "<input>:1:21: error: type mismatch: '+' works on longs, but the right side is a string; join strings with '.'.\nprobe begin { x = 1 + \"a\" }\n                    ^\n");
});

test.run();
