// A shared library's markers: libstdc++'s `libstdcxx:throw` / `libstdcxx:catch` (in a relocatable
// file, found through `.library(...)`), against runtime-c/sdt/sdt-throw.cc, which throws a known
// number of ints and `Oops` objects. $arg2 of throw is the std::type_info, whose mangled name
// the script reads (a pointer at offset 8), so each exception type is counted separately.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const BIN = fixture('sdt-throw');
const SCRIPT = `global t, c, types
probe process(@1).library("libstdc++.so.6").mark("throw") { t++; types[user_string(user_long($arg2 + 8))]++ }
probe process(@1).library("libstdc++.so.6").provider("libstdcxx").mark("catch") { c++ }
probe end { printf("throw %d catch %d\\n", t, c); foreach (k in types) printf("type %s %d\\n", k, types[k]) }`;

test('-L lists the library\'s markers under the library\'s path', async () => {
  const r = await runUtap(['-L', `process("${BIN}").library("libstdc++.so.6").mark("*")`]);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.some((l) => /^process\("\/[^"]*libstdc\+\+\.so\.6[^"]*"\)\.mark\("throw"\) \$arg1:long \$arg2:long$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /\.mark\("catch"\) \$arg1:long \$arg2:long$/.test(l)), r.stdout);
});

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: every throw and catch of the program, by exception type`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-e', SCRIPT, BIN, '-c', sh`${BIN} 25`], { timeoutMs: 60_000 });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.is(lines[0], 'thrown=50');
    assert.is(lines[1], 'throw 50 catch 50');
    assert.equal(lines.slice(2).sort(), ['type 4Oops 25', 'type i 25']);
  });
}

test.run();
