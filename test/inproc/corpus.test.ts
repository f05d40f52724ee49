// The differential corpus (test/corpus) on the in-process engine: every script through the real
// command line with `--engine inproc`; stdout, stderr and exit status must be what the ptrace
// engine gives, and the corpus's expected output. Scripts whose handlers all run natively run
// in the process; the others run as on the ptrace engine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusUnavailable, loadCorpus, runCorpusCase } from '../support/corpus';
import { liveTest } from '../support/live';
import { utapMissing } from '../support/utap-features';

const missing = corpusUnavailable() ?? utapMissing('ptrace');

for (const c of loadCorpus()) {
  liveTest(test, `inproc = ptrace: ${c.name}`, missing, async () => {
    const inproc = await runCorpusCase(c, ['--engine', 'inproc']);
    const ptrace = await runCorpusCase(c, ['--engine', 'ptrace']);
    assert.is(inproc.stderr, ptrace.stderr, `${c.name}: stderr`);
    assert.is(inproc.stdout, ptrace.stdout, `${c.name}: stdout`);
    assert.is(inproc.status, ptrace.status, `${c.name}: exit status`);
    assert.is(inproc.stdout, c.stdout, `${c.name}: the corpus's expected stdout`);
    assert.is(inproc.status, c.status, `${c.name}: the corpus's expected status`);
  });
}

test.run();
