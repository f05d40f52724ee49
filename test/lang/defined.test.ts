// @defined(...) as in SystemTap: whether a target variable exists where the probe fires, decided
// per site by the planner, with the dead side of `@defined($x) ? $x : ...`, `if (@defined(...))`
// and `&&` never lowered; outside process probes a target is never defined, anything else is.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

test('in a process probe: 1 for a parameter the function has, 0 (and no error) for one it lacks', async () => {
  const counter = fixture('counter');
  for (const engine of ['ptrace', 'auto']) {
    const r = await runUtap(['--engine', engine, '-c', sh`${counter} 2`, '-e', `probe process("${counter}").function("work") {
      printf("%d %d %d %d\\n", @defined($i), @defined($nosuch), @defined($nosuch) ? $nosuch : -1, @defined($nosuch) && $nosuch > 0)
      if (@defined($nosuch)) println($nosuch) else println("no such")
    }`]);
    assert.is(r.stderr, '', engine);
    assert.is(r.stdout.replace(/^calls=.*\n/m, ''), '1 0 -1 0\nno such\n1 0 -1 0\nno such\n', engine);
  }
});

test('decided in the front end where it can be: the dead side is not even checked', async () => {
  const r = await runUtap(['-e', 'probe begin { println(@defined($x) ? $x->y : 7); if (@defined($x)) println($x) else println("none"); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '7\nnone\n');
  const c = await runUtap(['--stop-after', 'check', '-e', 'probe process("/bin/cat").syscall { println(@defined($arg1) ? $arg1 : $nosuch, @defined($arg9) ? $arg9 : 0) } probe process("/bin/cat").syscall.return { println(@defined($syscall) ? $syscall : $nosuch) }']);
  assert.is(c.stderr, '');
  assert.is(c.status, 0);
});

test('outside process probes: 0 for a target variable, 1 for anything else', async () => {
  const r = await runUtap(['-e', 'global g = 1 probe begin { x = 2; printf("%d %d %d\\n", @defined($x), @defined(x), @defined(g)) exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '0 1 1\n');
});

test.run();
