// SystemTap's qualifiers on function and statement points: `.inline` (only where the function
// was inlined), `.exported` (only functions visible outside their unit), `.statement(...).nearest`
// (a line without code stands for the next line with some), listed with -l and fired on both
// engines against runtime-c/fixtures/args.c (inlined_twice() is inlined at -O2;
// static_helper() is static) and runtime-c/targets/labels.c.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const ARGS = fixture('args-O2');
const LABELS = fixture('labels');
const names = async (point: string): Promise<string[]> => {
  const r = await runUtap(['-l', point]);
  return [...r.stdout.matchAll(/\.(?:function|statement)\("([^@"]+)(?:@[^"]*)?"\)/g)].map((m) => m[1]);
};

test('-l: .inline lists only inlined functions, .exported no static one, .nearest moves to the next line with code', async () => {
  assert.equal(await names(`process("${ARGS}").function("inlined_twice").inline`), ['inlined_twice']);
  assert.equal(await names(`process("${ARGS}").function("static_helper").inline`), []);
  assert.equal(await names(`process("${ARGS}").function("static_helper")`), ['static_helper']);
  assert.equal(await names(`process("${ARGS}").function("static_helper").exported`), []);
  assert.ok((await names(`process("${ARGS}").function("*").exported`)).includes('main'));
  const source = fs.readFileSync(`${repoRoot}/runtime-c/targets/labels.c`, 'utf8').split('\n');
  const label = source.findIndex((l) => l === 'again:') + 1;
  const r = await runUtap(['-l', `process("${LABELS}").statement("step@labels.c:${label}").nearest`]);
  assert.match(r.stdout, new RegExp(`labels\\.c:${label + 1}"\\)\\n$`));
  const strict = await runUtap(['-l', `process("${LABELS}").statement("step@labels.c:${label}")`]);
  assert.is(strict.status, 1);
});

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: .inline fires at each inlined copy, twice a round`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-v', '-c', sh`${ARGS} 3`, '-e', 'global n probe process(@1).function("inlined_twice").inline { n++ } probe end { printf("inline %d\\n", n) }', ARGS]);
    assert.is(r.status, 0, r.stderr);
    const rounds = r.stdout.split('\n').filter((l) => /^round \d+ sum=/.test(l)).length;
    assert.is(rounds, 3, r.stdout);
    // one site per distinct inlined copy (-v names each); every round passes each once
    const sites = new Set([...r.stderr.matchAll(/probe process\(.*\.function\("inlined_twice@[^"]*"\) at ([^\s:]+)/gm)].map((m) => m[1]));
    assert.ok(sites.size >= 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^inline ${sites.size * rounds}$`, 'm'));
  });
}

test.run();
