// The bench reports name files relative to the repository, wherever the clone that ran the bench
// was: fed a real run's results (bench/results/2026-12-04.json) with its paths made absolute under
// a clone's folder, the writers keep no trace of that folder, and commands read as typed from the repository root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeMarkdownReport } from '../../bench/report-markdown';
import { writeSvgReport } from '../../bench/report-svg';
import { repoRelative } from '../../bench/repo-relative';
import type { BenchResults } from '../../bench/results';
import { shellLine } from '../../bench/shell-words';
import { repoRoot } from '../support/paths';

const recorded = fs.readFileSync(path.join(repoRoot, 'bench', 'results', '2026-12-04.json'), 'utf8');

/**
 * The recorded run as if it had run in a clone at `root` and its writer had kept the machine's
 * paths: every repository path the results name (build/..., bench/...) made absolute under `root`.
 */
function resultsAt(root: string): BenchResults {
  const absolute = recorded.replace(/(^|[\s"':=>(])((?:build|bench)\/)/gm, (_m, before: string, dir: string) => `${before}${root}/${dir}`);
  return JSON.parse(absolute) as BenchResults;
}

test('paths under the root lose it, a bare root becomes ., neighbours and other paths stay', () => {
  const root = '/tmp/a.b c/utap';
  assert.is(repoRelative(`${root}/build/bench/emulated 10`, root), 'build/bench/emulated 10');
  assert.is(repoRelative(shellLine([`${root}/build/bench/emulated`, '10']), root), `'build/bench/emulated' 10`);
  assert.is(repoRelative(`uprobe:${root}/build/x:f`, root), 'uprobe:build/x:f');
  assert.is(repoRelative(`cd ${root}; make`, root), 'cd .; make');
  assert.is(repoRelative(`${root}2/x /usr/bin/gdb ${root}x`, root), `${root}2/x /usr/bin/gdb ${root}x`);
});

for (const root of ['/srv/bench/utap', '/tmp/tmp.Xy7/my clone.d/utap']) {
  test(`REPORT.md and report.svg of a run in ${root} carry no machine path`, () => {
    const results = resultsAt(root);
    assert.ok(JSON.stringify(results).includes(`${root}/build/bench/emulated`), 'the input does name the folder');
    const markdown = writeMarkdownReport(results, 'results/2026-12-04.json', root);
    const svg = writeSvgReport(results, root);
    assert.not.ok(markdown.includes(root), markdown.split('\n').find((l) => l.includes(root)));
    assert.not.ok(svg.includes(root));
    assert.match(markdown, /at file offset 0x13de of build\/bench\/emulated, first instruction/);
    assert.ok(markdown.includes("- untraced: `build/bench/emulated 400000`"));
    assert.ok(markdown.includes("-c 'build/bench/emulated 400000'"));
  });
}

test.run();
