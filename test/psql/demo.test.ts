// `npm run demo` end to end: with PostgreSQL (a real server, the debug psql, the lecture's
// report and the server's own timings) and without it (UTAP_PG_BINDIR pointing nowhere: the
// bundled stand-in client, saying so). Both must print a report with every workload statement.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { reportTotals } from '../support/latency-report';
import { liveTest } from '../support/live';
import { repoRoot } from '../support/paths';
import { postgresUnavailable } from '../support/pg-server';
import { runCommand } from '../support/run-utap';
import { expectedCounts, STANDARD_WORKLOAD } from '../support/psql-workload';
import { engineMissing, frontEndMissing } from '../support/utap-features';

const demo = path.join(repoRoot, 'dist', 'scripts', 'demo.js');
// The demo runs on the default engine (auto): it needs the front end and at least one engine.
const missing = frontEndMissing() ?? (engineMissing('ptrace') && engineMissing('uprobe') ? 'neither the ptrace nor the uprobe engine is in this build yet' : undefined);

function assertReport(stdout: string): void {
  const totals = reportTotals(stdout);
  for (const [sql, n] of expectedCounts(STANDARD_WORKLOAD)) assert.is(totals.get(sql)?.count, n, `${sql} in the demo's report`);
}

liveTest(test, 'npm run demo: a real server, the debug psql, the report and the server\'s timings', missing ?? postgresUnavailable(), async () => {
  const r = await runCommand(process.execPath, [demo], { timeoutMs: 300_000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /started a throwaway PostgreSQL server/);
  assertReport(r.stdout);
  assert.match(r.stdout, /as the server timed them/);
});

liveTest(test, 'npm run demo without PostgreSQL falls back to the bundled client and says so', missing, async () => {
  const r = await runCommand(process.execPath, [demo], { timeoutMs: 120_000, env: { ...process.env, UTAP_PG_BINDIR: '/nonexistent' } });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PostgreSQL is not available here/);
  assert.match(r.stdout, /bundled stand-in client build\/qclient\/psql/);
  assertReport(r.stdout);
});

test.run();
