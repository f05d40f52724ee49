// The differential test: every script of the corpus (test/corpus) run through the real command
// line on both engines, `--engine ptrace` and `--engine uprobe`; stdout, stderr and exit status
// must be the same on both, and the corpus's expected output. Scripts without process probes
// never reach an engine (they run on the main thread) and still must agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusUnavailable, loadCorpus, runCorpusCase } from '../support/corpus';
import { liveTest } from '../support/live';
import { utapMissing } from '../support/utap-features';
import { detectBpfFeatures } from '../../kernel-helper/features';

const missing = corpusUnavailable() ?? utapMissing('ptrace') ?? utapMissing('uprobe') ?? detectBpfFeatures().unavailable;

for (const c of loadCorpus()) {
  liveTest(test, `ptrace = uprobe: ${c.name}`, missing, async () => {
    const ptrace = await runCorpusCase(c, ['--engine', 'ptrace']);
    const uprobe = await runCorpusCase(c, ['--engine', 'uprobe']);
    assert.is(uprobe.stderr, ptrace.stderr, `${c.name}: stderr`);
    assert.is(uprobe.stdout, ptrace.stdout, `${c.name}: stdout`);
    assert.is(uprobe.status, ptrace.status, `${c.name}: exit status`);
    assert.is(ptrace.stdout, c.stdout, `${c.name}: the corpus's expected stdout`);
    assert.is(ptrace.status, c.status, `${c.name}: the corpus's expected status`);
  });
}

test('the corpus has scripts with process probes, so the engines are really compared', () => {
  assert.ok(loadCorpus().filter((c) => c.args.includes('-c')).length >= 3);
});

test.run();
