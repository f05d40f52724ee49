// Every script in examples/ runs in a test, on both engines, against a real psql and server
// (the libpq one against the stock stripped psql), and its output is checked against the
// workload's ground truth. The lecture's script also runs against the bundled stand-in client,
// which is what `npm run demo` falls back to without PostgreSQL.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reportTotals } from '../support/latency-report';
import { liveTest } from '../support/live';
import { repoRoot } from '../support/paths';
import { postgresUnavailable, startPgServer, type PgServer } from '../support/pg-server';
import { debugPsql, psqlWorkloadArgs, QCLIENT, STOCK_PSQL } from '../support/psql-binaries';
import { traceCommand } from '../support/psql-trace';
import { expectedCounts, STANDARD_WORKLOAD, workloadScript, workloadSequence, writeWorkload } from '../support/psql-workload';
import { Prometheus, prometheusMissing } from '../support/prometheus';
import { runUtap } from '../support/run-utap';
import { spawn } from 'node:child_process';
import { utapBin } from '../support/paths';
import { utapMissing } from '../support/utap-features';

const ENGINES = ['ptrace', 'uprobe'] as const;
const example = (name: string) => path.join(repoRoot, 'examples', name);
const noServer = postgresUnavailable();
const psql = noServer ? {} : debugPsql();
const envMissing = noServer ?? psql.error;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-examples-'));
const workloadFile = writeWorkload(STANDARD_WORKLOAD, tmp);
const expected = expectedCounts(STANDARD_WORKLOAD);
const totalStatements = workloadSequence(STANDARD_WORKLOAD).length;
const SLEEP = 'SELECT pg_sleep(0.02);';
let server: PgServer | undefined;

test.before(async () => {
  if (!envMissing && ENGINES.some((e) => !utapMissing(e))) server = await startPgServer();
});
test.after(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('every example is documented in examples/README.md and tested (here, or the server-side one in test/sdt/)', () => {
  const readme = fs.readFileSync(example('README.md'), 'utf8');
  // pg-server-queries.stp probes the server, not psql: its test is with the other SDT tests.
  const tested = ['psql/examples.test.ts', 'sdt/pg-server-markers.test.ts'].map((f) => fs.readFileSync(path.join(repoRoot, 'test', f), 'utf8')).join('\n');
  for (const f of fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.stp'))) {
    assert.ok(readme.includes(f), `${f} in README.md`);
    assert.ok(f === 'psql-latency.stp' || tested.includes(`'${f}'`), `${f} has a test`);
  }
});

/** Runs an example with -c on the debug psql (or `client`) running the standard workload. */
async function runExample(engine: string, name: string, client = psql.path!): Promise<string> {
  const argv = [client, ...psqlWorkloadArgs(server!.connectArgs, workloadFile)];
  const run = await traceCommand(['--engine', engine], example(name), argv, tmp);
  assert.is(run.utap.stderr, '', `${name}: utap stderr`);
  assert.is(run.utap.status, 0, `${name}: utap status`);
  return run.report;
}

function assertExactCounts(counts: Map<string, number>, what: string): void {
  for (const [sql, times] of expected) assert.is(counts.get(sql), times, `${what}: count of ${sql}`);
  assert.is(counts.size, expected.size, `${what}: no other queries`);
}

for (const engine of ENGINES) {
  const missing = utapMissing(engine);
  const live = envMissing ?? missing;

  liveTest(test, `${engine}: psql-latency.stp against the bundled stand-in client (qclient)`, missing, async () => {
    const run = await traceCommand(['--engine', engine], example('psql-latency.stp'), [QCLIENT, '-f', workloadFile], tmp);
    assert.is(run.utap.status, 0, run.utap.stderr);
    assert.is(run.utap.stdout.split('\n').filter(Boolean).length, totalStatements, "the client's output passes through");
    const totals = reportTotals(run.report);
    assertExactCounts(new Map([...totals].map(([q, t]) => [q, t.count])), 'qclient');
    assert.ok(totals.get(SLEEP)!.avgUs >= 19_000, 'pg_sleep(0.02) in the stand-in sleeps 20 ms');
  });

  liveTest(test, `${engine}: 'query-latency.stp' counts each query and orders min <= avg <= max`, live, async () => {
    const out = await runExample(engine, 'query-latency.stp');
    const rows = out.split('\n').slice(1).filter(Boolean).map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)  (.*)$/.exec(l)!);
    assert.ok(rows.every(Boolean), out);
    assertExactCounts(new Map(rows.map((m) => [m[5], Number(m[1])])), 'query-latency');
    for (const m of rows) assert.ok(Number(m[3]) <= Number(m[2]) && Number(m[2]) <= Number(m[4]), `min <= avg <= max: ${m[0]}`);
    assert.ok(Number(rows.find((m) => m[5] === SLEEP)![3]) >= 19_000, 'pg_sleep(0.02) takes at least 20 ms');
  });

  liveTest(test, `${engine}: 'latency-histogram.stp' histogram rows add up to every query`, live, async () => {
    const out = await runExample(engine, 'latency-histogram.stp');
    assert.match(out, new RegExp(`^${totalStatements} queries, avg \\d+ us, min \\d+ us, max \\d+ us\\n`));
    const rows = [...out.matchAll(/^\s*(\d+) \|@*\s+(\d+)$/gm)];
    assert.ok(rows.length >= 3, out);
    assert.is(rows.reduce((a, m) => a + Number(m[2]), 0), totalStatements, 'histogram counts');
    // The four 20 ms sleeps land in the 16384 us bucket.
    assert.ok(rows.some((m) => m[1] === '16384' && Number(m[2]) >= 4), out);
  });

  liveTest(test, `${engine}: 'top-callers.stp' stacks through MainLoop add up to every query`, live, async () => {
    // On the uprobe engine the handler (ubacktrace()) runs in event mode: the kernel ships the
    // registers and the top of the stack, which utap unwinds with psql's CFI.
    const out = await runExample(engine, 'top-callers.stp');
    const counts = [...out.matchAll(/^(\d+) calls from:$/gm)].map((m) => Number(m[1]));
    assert.ok(counts.length >= 1, out);
    assert.is(counts.reduce((a, b) => a + b, 0), totalStatements);
    assert.match(out, /MainLoop/);
    assert.match(out, /\bmain\b/);
  });

  liveTest(test, `${engine}: 'calls-per-second.stp' totals every query`, live, async () => {
    const out = await runExample(engine, 'calls-per-second.stp');
    assert.match(out, new RegExp(`^total ${totalStatements} queries$`, 'm'));
  });

  liveTest(test, `${engine}: 'slowest-queries.stp' keeps the five slowest with their query text`, live, async () => {
    // On the uprobe engine the .return handler (a loop) runs in event mode: the kernel keeps
    // $query from the entry and reads the query text at the return, as ptrace does.
    const out = await runExample(engine, 'slowest-queries.stp');
    const rows = out.split('\n').slice(1).filter(Boolean).map((l) => /^\s*(\d+)\s+(\d+)  (.*)$/.exec(l)!);
    assert.is(rows.length, 5, out);
    const us = rows.map((m) => Number(m[1]));
    assert.equal(us, [...us].sort((a, b) => b - a), 'slowest first');
    for (const m of rows) assert.ok(expected.has(m[3]), `a workload query: ${m[3]}`);
    // Lower bounds only (a loaded machine may slow other queries past the sleeps): the slowest
    // call took at least a pg_sleep(0.02), and each sleep kept is paired with such a latency.
    assert.ok(us[0] >= 19_000, out);
    for (const m of rows.filter((r) => r[3] === SLEEP)) assert.ok(Number(m[1]) >= 19_000, `a sleep's own latency: ${m[0]}`);
  });

  liveTest(test, `${engine}: 'libpq-latency.stp' on the stock stripped psql counts each query`, live, async () => {
    const out = await runExample(engine, 'libpq-latency.stp', STOCK_PSQL);
    const totals = reportTotals(out);
    assertExactCounts(new Map([...totals].map(([q, t]) => [q, t.count])), 'libpq-latency');
    assert.ok(totals.get(SLEEP)!.avgUs >= 19_000);
  });
}

liveTest(test, `uprobe: 'psql-latency-metrics.stp' registered, served by utap handlers serve, per-query counts and p50/p99 from Prometheus`, envMissing ?? utapMissing('uprobe') ?? prometheusMissing(), async () => {
  const name = 'utap-test-psql';
  await runUtap(['handlers', 'rm', name]);
  // As the script's header says: an interactive psql, the handlers registered on it and left
  // collecting, the workload typed in after utap has gone.
  const client = spawn(psql.path!, psqlWorkloadArgs(server!.connectArgs), { stdio: ['pipe', 'ignore', 'pipe'] });
  const clientDone = new Promise<number | null>((resolve) => client.on('close', resolve));
  let serve: ReturnType<typeof spawn> | undefined;
  let prometheus: Prometheus | undefined;
  try {
    const registered = await runUtap(['--engine', 'uprobe', '--name', name, '--detach', '-p', String(client.pid), example('psql-latency-metrics.stp')], { timeoutMs: 60_000 });
    assert.is(registered.status, 0, registered.stderr);
    client.stdin!.end(`${workloadScript(STANDARD_WORKLOAD)}\\q\n`);
    assert.is(await clientDone, 0, 'psql ran the workload');
    serve = spawn(process.execPath, [utapBin, 'handlers', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const serving = serve;
    let said = '';
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`handlers serve said: ${said}`)), 30_000);
      serving.stderr!.on('data', (d) => {
        said += d;
        const m = /http:\/\/([0-9.]+:\d+)\/metrics/.exec(said);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    prometheus = await Prometheus.start([address]);
    const metric = `utap_${name.replace(/-/g, '_')}_query_latency`;
    const counts = await prometheus.waitFor(`${metric}_count`, (s) => s.length === expected.size);
    assertExactCounts(new Map(counts.map((s) => [s.labels.query, s.value])), 'Prometheus');
    // The script's PromQL over what Prometheus holds (a few scrapes of one run: the quantile of the series itself).
    const p50 = await prometheus.query(`histogram_quantile(0.5, sum by (query, le) (${metric}_bucket))`);
    const p99 = await prometheus.query(`histogram_quantile(0.99, sum by (query, le) (${metric}_bucket))`);
    assert.is(p50.length, expected.size);
    assert.is(p99.length, expected.size);
    const sleepP50 = p50.find((s) => s.labels.query === SLEEP)!.value;
    assert.ok(sleepP50 >= 16_384, `p50 of pg_sleep(0.02) lies in the 16384 µs bucket or above (${sleepP50})`);
    for (const s of p50) assert.ok(s.value <= p99.find((q) => q.labels.query === s.labels.query)!.value, `p50 <= p99 for ${s.labels.query}`);
  } finally {
    serve?.kill('SIGKILL');
    client.kill('SIGKILL');
    await prometheus?.stop();
    await runUtap(['handlers', 'rm', name]);
  }
});

test.run();
