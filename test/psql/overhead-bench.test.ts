// bench/psql-overhead.ts in a small run: it measures the untraced workload, checks each traced
// run's call count, and reports a tool it cannot run as a row with the reason (never a number).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { repoRoot } from '../support/paths';
import { postgresUnavailable } from '../support/pg-server';
import { runCommand } from '../support/run-utap';

liveTest(test, 'psql-overhead: untraced, both utap engines and bpftrace each give a row', postgresUnavailable(), async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-psql-bench-test-'));
  try {
    const out = path.join(dir, 'overhead.md');
    const r = await runCommand(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'psql-overhead.js'), '--statements', '50', '--runs', '1', '--tools', 'untraced,ptrace,uprobe,bpftrace', '--out', out], { timeoutMs: 300_000 });
    assert.is(r.status, 0, r.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /^\| untraced \| \d+ \| \d+ \| 0 \| 0\.0 \|/m);
    for (const tool of ['utap --engine ptrace', 'utap --engine uprobe', 'bpftrace']) {
      // Either measured (numbers) or not run / failed with a reason: a row is never silently missing.
      assert.match(text, new RegExp(`^\\| ${tool} \\| (\\d+ \\| \\d+ \\| -?\\d+ \\| -?[0-9.]+ \\|\\s+\\||(\\s+\\|){4} (not run|failed): .+ \\|)$`, 'm'), `${tool} row`);
    }
    assert.not.match(text, /stap --runtime=bpf/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
