// examples/pg-server-queries.stp against a real throwaway PostgreSQL server and Debian's stock
// postgres binary, through its query__start/query__done SDT markers (semaphore-guarded, no
// debug info). Ground truth: the workload's own statement counts, and the server's log
// (log_min_duration_statement=0) for which statements ran and how long they took.
// - uprobe engine, system-wide (root, no -p/-c): three concurrent connections, so three forked
//   backends, each running the workload: every statement counted three times.
// - ptrace engine (and uprobe) with -p on one backend: postgres serves a connection in a
//   forked process; -p on the backend of one connection (found with pg_backend_pid() before
//   the workload starts) traces that connection alone (test/children/pg-postmaster.test.ts
//   follows the postmaster's backends instead).
// Statements carry a per-run token so that other servers on the machine (system-wide probes
// see every postgres) cannot change the counts checked.
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
const token = `utap_${process.pid}_${Date.now() % 100000}`;
const WORKLOAD: Workload = {
  name: 'pg-markers',
  setup: [],
  statements: [
    { sql: `SELECT 1 AS ${token};`, times: 12 },
    { sql: `SELECT count(*) AS ${token} FROM generate_series(1, 20000);`, times: 5 },
    { sql: `SELECT pg_sleep(0.02) AS ${token};`, times: 3 },
  ],
};
const SLEEP = WORKLOAD.statements[2].sql;

interface Row { calls: number; avg: number; max: number }

/** The example's report lines about this run's statements. */
function report(stdout: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  const lines = stdout.split('\n');
  assert.match(lines[0], /^ +calls +avg_us +max_us +statement$/);
  for (const line of lines.slice(1)) {
    const m = /^ *(\d+) +(\d+) +(\d+)  (.*)$/.exec(line);
    if (m && m[4].includes(token)) rows.set(m[4], { calls: Number(m[1]), avg: Number(m[2]), max: Number(m[3]) });
  }
  return rows;
}

/** psql running the workload on stdin; resolves when it ends. */
function psqlSession(server: PgServer, input: string): Promise<number | null> {
  const child = spawn(STOCK_PSQL, psqlWorkloadArgs(server.connectArgs), { stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, ...server.env } });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', resolve));
}

/** Counts and latencies against the workload and the server log (× `sessions`). */
function checkAgainstTruth(rows: Map<string, Row>, server: PgServer, sessions: number): void {
  const want = expectedCounts(WORKLOAD);
  assert.equal(new Map([...rows].map(([sql, r]) => [sql, r.calls])), new Map([...want].map(([sql, n]) => [sql, n * sessions])));
  const logged = server.loggedStatements().filter((s) => s.sql.includes(token));
  for (const [sql, n] of want) assert.is(logged.filter((s) => s.sql === sql).length, n * sessions, `server log: ${sql}`);
  // pg_sleep(0.02) cannot take less than 20 ms; utap's measure and the server's own agree.
  const sleep = rows.get(SLEEP)!;
  const loggedSleep = logged.filter((s) => s.sql === SLEEP).map((s) => s.ms * 1000);
  const loggedAvg = loggedSleep.reduce((a, b) => a + b, 0) / loggedSleep.length;
  assert.ok(sleep.avg >= 20_000 && sleep.max >= sleep.avg, JSON.stringify(sleep));
  assert.ok(sleep.avg > loggedAvg / 2 && sleep.avg < loggedAvg * 2, `utap ${sleep.avg} µs, server log ${loggedAvg} µs`);
}

const noServer = postgresUnavailable();
const bpf = utapMissing('uprobe') ?? detectBpfFeatures().unavailable;

liveTest(test, 'uprobe engine, every postgres (no -p): three concurrent connections, each statement counted once per backend', noServer ?? bpf, async () => {
  const server = await startPgServer();
  const run = utapArmed(['--engine', 'uprobe', EXAMPLE]);
  try {
    await run.armed;
    const codes = await Promise.all([1, 2, 3].map(() => psqlSession(server, workloadScript(WORKLOAD))));
    assert.equal(codes, [0, 0, 0]);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /probes armed for every process running the probed files/);
    checkAgainstTruth(report(r.stdout), server, 3);
  } finally {
    run.child.kill('SIGKILL');
    await server.stop();
  }
});

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = noServer ?? (engine === 'uprobe' ? bpf : utapMissing('ptrace'));
  liveTest(test, `${engine} engine, -p one backend: the connection's statements, counted exactly`, missing, async () => {
    const server = await startPgServer();
    const psql = spawn(STOCK_PSQL, [...psqlWorkloadArgs(server.connectArgs), '-A', '-t'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...server.env } });
    let out = '';
    psql.stdout.on('data', (d) => (out += d));
    const closed = new Promise((resolve) => psql.on('close', resolve));
    let run: ReturnType<typeof utapArmed> | undefined;
    try {
      psql.stdin.write('SELECT pg_backend_pid();\n');
      const end = Date.now() + 20_000;
      while (!/^\d+$/m.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const backend = Number(/^(\d+)$/m.exec(out)?.[1]);
      assert.ok(backend > 0, `backend pid from psql: ${out}`);
      run = utapArmed(['--engine', engine, '-p', String(backend), EXAMPLE]);
      await run.armed;
      psql.stdin.end(workloadScript(WORKLOAD) + '\\q\n');
      await closed;
      // The backend exits with its connection; utap ends with its target and prints the report.
      const r = await run.done;
      assert.is(r.status, 0, r.stderr);
      checkAgainstTruth(report(r.stdout), server, 1);
    } finally {
      run?.child.kill('SIGKILL');
      psql.kill('SIGKILL');
      await server.stop();
    }
  });
}

test.run();
