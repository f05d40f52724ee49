// Every corpus script through the real CLI: stdout, stderr and exit status byte for byte.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusDir, corpusUnavailable, loadCorpus, runCorpusCase } from '../support/corpus';
import { liveTest } from '../support/live';
import { runUtap } from '../support/run-utap';

const missing = corpusUnavailable();

for (const c of loadCorpus()) {
  liveTest(test, `corpus: ${c.name}`, missing, async () => {
    const r = await runCorpusCase(c);
    assert.is(r.stderr, c.stderr, `${c.name}: stderr`);
    assert.is(r.stdout, c.stdout, `${c.name}: stdout`);
    assert.is(r.status, c.status, `${c.name}: exit status`);
  });
}

liveTest(test, '-o writes the script output to a file, errors still go to stderr', missing, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-o-'));
  const out = path.join(dir, 'out.txt');
  try {
    let r = await runUtap(['-o', out, 'psql-report.stp'], { cwd: corpusDir });
    assert.is(r.stdout, '');
    assert.is(r.status, 0);
    assert.is(fs.readFileSync(out, 'latin1'), fs.readFileSync(path.join(corpusDir, 'psql-report.stdout'), 'latin1'));
    r = await runUtap(['-o', out, 'error-division.stp'], { cwd: corpusDir });
    assert.is(fs.readFileSync(out, 'latin1'), 'before\nerror probe ran\n');
    assert.match(r.stderr, /^ERROR: division by 0 near [^\n]* at error-division.stp:6:10\n/);
    assert.is(r.status, 1);
    r = await runUtap(['--json', '-o', out, 'json.stp'], { cwd: corpusDir });
    assert.is(fs.readFileSync(out, 'latin1'), fs.readFileSync(path.join(corpusDir, 'json.stdout'), 'latin1'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

liveTest(test, 'an -o path that cannot be written is an environment error (status 2)', missing, async () => {
  const r = await runUtap(['-o', '/nonexistent-dir/out.txt', '-e', 'probe begin { exit() }']);
  assert.is(r.stderr, "utap: cannot write the output file '/nonexistent-dir/out.txt' (ENOENT); check the path and permissions.\n");
  assert.is(r.status, 2);
});

liveTest(test, '-v prints the time of each pass on stderr', missing, async () => {
  const r = await runUtap(['-v', '-e', 'probe begin { println("hi"); exit() }']);
  assert.is(r.stdout, 'hi\n');
  for (const pass of ['read script', 'parse, check, lower', 'plan', 'compile handlers', 'run']) {
    assert.match(r.stderr, new RegExp(`utap: pass \\d \\(${pass}\\): [0-9.]+ ms\\n`), pass);
  }
  assert.is(r.status, 0);
});

test('a missing script file is an error with status 1', async () => {
  const r = await runUtap(['no-such-script.stp'], { cwd: corpusDir });
  assert.is(r.stderr, "utap: cannot read script file 'no-such-script.stp': no such file.\n");
  assert.is(r.status, 1);
});

test.run();
