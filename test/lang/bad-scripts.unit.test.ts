// Bad scripts: each malformed or ill-typed script in bad-scripts.json, run through the real CLI
// as a file named badNN.stp, must give exactly the recorded message — `file:line:col: error:`,
// the offending line and a caret — and status 1 (2 for an environment problem), never a stack
// trace. The table was reviewed case by case; a change in wording shows up here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';

interface BadScript { script: string; status: number; stderr: string }

const table: BadScript[] = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'lang', 'bad-scripts.json'), 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-bad-'));

test('the table has at least 40 cases, each a distinct script', () => {
  assert.ok(table.length >= 40);
  assert.is(new Set(table.map((c) => c.script)).size, table.length);
});

table.forEach((c, i) => {
  const name = `bad${String(i + 1).padStart(2, '0')}.stp`;
  test(`${name}: ${c.script}`, async () => {
    fs.writeFileSync(path.join(dir, name), c.script + '\n');
    const r = await runUtap([name], { cwd: dir });
    assert.is(r.stderr, c.stderr);
    assert.is(r.status, c.status);
    assert.is(r.stdout, '');
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    if (c.status === 1 && !c.stderr.startsWith('utap:')) assert.match(c.stderr, new RegExp(`^${name}:\\d+:\\d+: error: `));
  });
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
