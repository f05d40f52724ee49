// -p on a running PostgreSQL postmaster: each connection made after utap attached is served by a
// backend the postmaster forks, which utap follows, so examples/pg-server-queries.stp counts
// every statement of three concurrent connections through Debian's stock postgres markers, on
// both engines. Ground truth: the workload's statement counts and the server's own log.
// Statements carry a per-run token, so other servers on the machine cannot change the counts.
// runner-timeout: 300 s
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { postgresUnavailable, startPgServer, type PgServer } from '../support/pg-server';
import { repoRoot } from '../support/paths';
import { STOCK_PSQL, psqlWorkloadArgs } from '../support/psql-binaries';
import { expectedCounts, workloadScript, type Workload } from '../support/psql-workload';
import { utapArmed } from '../support/utap-armed';
import { utapMissing } from '../support/utap-features';

const EXAMPLE = path.join(repoRoot, 'examples', 'pg-server-queries.stp');
const token = `utap_pm_${process.pid}_${Date.now() % 100000}`;
const WORKLOAD: Workload = {
  name: 'pg-postmaster',
  setup: [],
  statements: [
    { sql: `SELECT 1 AS ${token};`, times: 10 },
    { sql: `SELECT count(*) AS ${token} FROM generate_series(1, 5000);`, times: 4 },
  ],
};

/** calls per statement of this run in the example's report. */
function reportedCalls(stdout: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^ *(\d+) +(\d+) +(\d+)  (.*)$/.exec(line);
    if (m && m[4].includes(token)) rows.set(m[4], Number(m[1]));
  }
  return rows;
}

function psqlSession(server: PgServer, input: string): Promise<number | null> {
  const child = spawn(STOCK_PSQL, psqlWorkloadArgs(server.connectArgs), { stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, ...server.env } });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', resolve));
}

const noServer = postgresUnavailable();
for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = noServer ?? utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: -p postmaster: the backends it forks for three concurrent connections are traced`, missing, async () => {
    const server = await startPgServer();
    const run = utapArmed(['--engine', engine, '-p', String(server.pid), EXAMPLE]);
    try {
      await run.armed;
      const codes = await Promise.all([1, 2, 3].map(() => psqlSession(server, workloadScript(WORKLOAD))));
      assert.equal(codes, [0, 0, 0]);
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.is(r.status, 0, r.stderr);
      const want = new Map([...expectedCounts(WORKLOAD)].map(([sql, n]) => [sql, n * 3]));
      assert.equal(reportedCalls(r.stdout), want);
      const logged = server.loggedStatements().filter((s) => s.sql.includes(token));
      for (const [sql, n] of want) assert.is(logged.filter((s) => s.sql === sql).length, n, `server log: ${sql}`);
    } finally {
      run.child.kill('SIGKILL');
      await server.stop();
    }
  });
}

test.run();
