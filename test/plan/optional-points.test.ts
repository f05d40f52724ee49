// An optional probe point (`?`) that utap cannot place — a form it does not know, a program that
// does not exist — is dropped with a -v note, as in SystemTap, and the rest of the script runs;
// without `?` the same points are errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('file-scope');

liveTest(test, 'optional points utap cannot place are dropped; the others fire', utapMissing('ptrace'), async () => {
  const script = `probe process(@1).function("visit").callee("x") ?, process("/nonexistent/prog").function("x") ?, process(@1).function("visit") { println("hit") }`;
  const r = await runUtap(['--engine', 'ptrace', '-v', '-c', sh`${TARGET} 2`, '-e', script, TARGET]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.split('\n').filter((l) => l === 'hit').length, 2);
  assert.match(r.stderr, /optional probe point process\(".*"\)\.function\("visit"\)\.callee\("x"\) dropped: /);
  assert.match(r.stderr, /optional probe point process\("\/nonexistent\/prog"\)\.function\("x"\) dropped: .*there is no file \/nonexistent\/prog/);
  const strict = await runUtap(['--engine', 'ptrace', '-c', sh`${TARGET} 1`, '-e', 'probe process("/nonexistent/prog").function("x") { println("x") }']);
  assert.is(strict.status, 2);
  assert.match(strict.stderr, /there is no file \/nonexistent\/prog/);
});

test.run();
