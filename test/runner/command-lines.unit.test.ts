// Shell command lines in tests are built with sh`...` (test/support/shell.ts), which quotes every
// value: a -c command or `command:` written as a plain template with a path in it breaks as soon
// as the clone's path has a space (`/home/a b/utap/build/counter 10` runs `/home/a`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';

/** A template literal with a ${value}, given as a -c argument or a `command:` option, untagged. */
const UNQUOTED = /(?:['"]-c['"],\s*|\bcommand:\s*)`[^`]*\$\{/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('the rule catches what it is for, and lets sh`...` and plain words through', () => {
  assert.ok(UNQUOTED.test("runUtap(['-c', `${fixture('counter')} 10`])"));
  assert.ok(UNQUOTED.test('runEngine(p, { command: `${BINARY} 500` })'));
  assert.not.ok(UNQUOTED.test("runUtap(['-c', sh`${fixture('counter')} 10`])"));
  assert.not.ok(UNQUOTED.test("runUtap(['-c', 'ls -l'])"));
});

test('no test builds a command line from values without quoting them', () => {
  const offenders: string[] = [];
  for (const file of sources(path.join(repoRoot, 'test')).filter((f) => f !== path.join(repoRoot, 'test', 'runner', 'command-lines.unit.test.ts'))) {
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (UNQUOTED.test(line) && !line.endsWith('// not a shell command')) offenders.push(`${path.relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(offenders, [], `use sh\`...\` from test/support/shell.ts:\n${offenders.join('\n')}`);
});

test.run();
