// SystemTap's -d FILE and --ldd (symbols of more modules for backtraces) are accepted: utap's
// backtraces already name every file the process maps. A -d naming no file is refused in one
// sentence, before anything runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

liveTest(test, '-d and --ldd: accepted; the backtrace still names the program and libc frames', utapMissing('ptrace'), async () => {
  const script = 'probe process(@1).function("visit") { print_ubacktrace() exit() }';
  const target = fixture('file-scope');
  const r = await runUtap(['--engine', 'ptrace', '--ldd', '-d', target, '-d', '/usr/lib/x86_64-linux-gnu/libc.so.6', '-c', sh`${target} 1`, '-e', script, target]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ 0x[0-9a-f]+ : visit\+0x[0-9a-f]+\/0x[0-9a-f]+ \[[^\]]*file-scope\]$/m);
  assert.match(r.stdout, /^ 0x[0-9a-f]+ : main\+0x[0-9a-f]+\/0x[0-9a-f]+ \[[^\]]*file-scope\]$/m);
  assert.match(r.stdout, /\[[^\]]*libc\.so\.6\]$/m);
});

test('-d naming no file: one sentence, exit 2', async () => {
  const r = await runUtap(['-d', '/nonexistent/module.so', '-e', 'probe begin { exit() }']);
  assert.is(r.status, 2);
  assert.is(r.stderr, 'utap: -d /nonexistent/module.so: no such file; -d names a program or library whose symbols backtraces use.\n');
});

test.run();
