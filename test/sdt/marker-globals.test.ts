// At a marker, the enclosing function's parameters and locals and the globals are read by name
// from the binary's DWARF, as in SystemTap: `$param`, `$local`, `$global`,
// `@var("name")`, `@var("name@unit.c")`, elements and the address of one, on both engines,
// against the marker's own argument (runtime-c/sdt/sdt-target.c passes counter_global to its
// `global` marker) and the table the target fills (table[k] = 100*k).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('sdt-target-g');
const SCRIPT = `probe process(@1).mark("tick") { printf("tick arg1=%d i=%d arg2=%d neg=%d\\n", $arg1, $i, $arg2, $neg) }
probe process(@1).mark("global") {
  printf("global arg=%d var=%d at=%d unit=%d t3=%d same=%d\\n", $arg1, $counter_global, @var("counter_global"),
         @var("counter_global@sdt-target.c"), @var("table")[3], user_long(&@var("table")[2]) == @var("table")[2])
}`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: globals by name at a marker equal what the marker passes`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-c', sh`${TARGET} 4`, '-e', SCRIPT, TARGET]);
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('global '));
    assert.is(lines.length, 4, r.stdout);
    // the parameters and locals of the function the marker sits in are the values it passes
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('tick ')), [1, 2, 3, 4].map((i) => `tick arg1=${i} i=${i} arg2=${-i} neg=${-i}`));
    let counter = 1000;
    lines.forEach((l, i) => {
      assert.is(l, `global arg=${counter} var=${counter} at=${counter} unit=${counter} t3=300 same=1`);
      counter += i + 1;
    });
  });
}

liveTest(test, 'a marker in a binary without DWARF: a global is refused in one sentence', utapMissing('ptrace'), async () => {
  const r = await runUtap(['--engine', 'ptrace', '-c', sh`${fixture('sdt-target-O2')} 1`, '-e', 'probe process(@1).mark("global") { println($counter_global) }', fixture('sdt-target-O2')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /error: \$counter_global is not known in the marker probe .*; a marker has \$arg1\.\.\$argN, \$\$name, \$\$provider and \$\$parms\./);
});

test.run();
