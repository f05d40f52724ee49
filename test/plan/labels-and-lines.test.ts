// `.function("f").label("NAME")` (C labels, DW_TAG_label), `.statement("f@file.c:*")` (every
// line of a function) and `.statement("f@file.c+N")` (N lines after its declaration), listed with
// -l and probed on both engines against runtime-c/targets/labels.c, which prints the values of
// its locals each time it passes a label.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('labels');
const SOURCE = `${repoRoot}/runtime-c/targets/labels.c`;
const source = fs.readFileSync(SOURCE, 'utf8').split('\n');
const lineOf = (re: RegExp): number => source.findIndex((l) => re.test(l)) + 1;
const DECL = lineOf(/^__attribute__.*int step\(int n\)$/);
const AGAIN = lineOf(/^again:$/);
const DONE = lineOf(/^done: /);

const lines = (stdout: string, prefix: string): string[] => stdout.split('\n').filter((l) => l.startsWith(prefix));

test('-l lists each label with its line, and :* every line of the function with code', async () => {
  const labels = await runUtap(['-l', `process("${TARGET}").function("step").label("*")`]);
  assert.is(labels.status, 0, labels.stderr);
  assert.is(labels.stdout, [AGAIN, 'again', DONE, 'done'].reduce<string[]>((out, v, i, all) => (i % 2 ? out : [...out, `process("${TARGET}").function("step@${SOURCE}:${v}").label("${all[i + 1]}")`]), []).join('\n') + '\n');
  const one = await runUtap(['-l', `process("${TARGET}").function("step@labels.c:${DONE}").label("*")`]);
  assert.match(one.stdout, /\.label\("done"\)\n$/);
  assert.not.match(one.stdout, /again/);
  const all = await runUtap(['-l', `process("${TARGET}").statement("step@labels.c:*")`]);
  assert.is(all.status, 0, all.stderr);
  const listed = [...all.stdout.matchAll(/labels\.c:(\d+)"\)$/gm)].map((m) => Number(m[1]));
  // every statement of the body between the braces has code; nothing outside step() is listed
  for (let line = AGAIN + 1; line < DONE; line++) assert.ok(listed.includes(line), `line ${line} in ${listed}`);
  assert.ok(listed.every((l) => l > DECL && l <= lineOf(/^\treturn total;$/) + 1), String(listed));
  const relative = await runUtap(['-l', `process("${TARGET}").statement("step@labels.c+${AGAIN + 1 - DECL}")`]);
  assert.is(relative.stdout, `process("${TARGET}").statement("step@${SOURCE}:${AGAIN + 1}")\n`);
});

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: a label probe fires each time the code passes the label, with the locals of that moment`, missing, async () => {
    const script = `probe process(@1).function("step").label("*") { printf("probe %s n=%d total=%d rounds=%d\\n", isinstr(pp(), "again") ? "again" : "done", $n, $total, $rounds) }
probe process(@1).statement("step@labels.c+${AGAIN + 1 - DECL}") { printf("line %d %s\\n", $n, $$locals) }\n`;
    const r = await runUtap(['--engine', engine, '-c', sh`${TARGET} 3`, '-e', script, TARGET]);
    assert.is(r.status, 0, r.stderr);
    const truth = lines(r.stdout, 'label ');
    assert.is(truth.length, 9, r.stdout);
    assert.equal(lines(r.stdout, 'probe ').map((l) => l.replace(/^probe /, 'label ')), truth);
    const again = truth.filter((l) => l.startsWith('label again'));
    assert.equal(lines(r.stdout, 'line '), again.map((l) => {
      const [, n, total, rounds] = /n=(\d+) total=(\d+) rounds=(\d+)/.exec(l)!;
      return `line ${n} total=0x${Number(total).toString(16)} rounds=0x${Number(rounds).toString(16)}`;
    }));
  });
}

test.run();
