// -u (SystemTap's "unoptimized"): by default a script whose probes all do nothing is refused, as
// SystemTap's optimizer drops such probes and finds none left; -u accepts it and it runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

const idle = 'probe begin { if (@defined($x)) println("dead") } probe end { }';

test('without -u: refused with the location of the first probe', async () => {
  const r = await runUtap(['--stop-after', 'check', '-e', idle]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:1: error: every probe of this script does nothing/);
});

test('with -u: accepted', async () => {
  const checked = await runUtap(['-u', '--stop-after', 'check', '-e', idle]);
  assert.is(checked.stderr, '');
  assert.is(checked.status, 0);
});

test('a probe with an effect keeps every empty one beside it', async () => {
  const r = await runUtap(['-e', 'probe begin { } probe end { println("end ran") } probe begin { exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'end ran\n');
});

test.run();
