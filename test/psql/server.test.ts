// The ground truth the psql end-to-end tests rely on, checked without utap: the throwaway server
// starts and logs every statement with its duration, the debug psql builds from Debian's source
// with SendQuery in its symbols and DWARF, and a workload run by psql (debug and stock) sends
// exactly the statements it declares. Also the bundled stand-in client runs the same workload.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { debugPsql, psqlWorkloadArgs, QCLIENT, STOCK_PSQL } from '../support/psql-binaries';
import { expectedCounts, STANDARD_WORKLOAD, workloadSequence, writeWorkload } from '../support/psql-workload';
import { parseServerLog, postgresUnavailable, startPgServer } from '../support/pg-server';
import { runCommand } from '../support/run-utap';

const noServer = postgresUnavailable();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-psql-test-'));
const workloadFile = writeWorkload(STANDARD_WORKLOAD, tmp);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function countBy(items: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of items) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

test('the server log parser reads duration lines and nothing else', () => {
  const log = [
    '2025-01-01 10:00:00.000 UTC [42] LOG:  database system is ready to accept connections',
    '2025-01-01 10:00:01.000 UTC [43] LOG:  duration: 0.052 ms  statement: SELECT 1;',
    "2025-01-01 10:00:01.100 UTC [43] LOG:  duration: 20.417 ms  statement: SELECT pg_sleep(0.02);",
  ].join('\n');
  assert.equal(parseServerLog(log), [{ ms: 0.052, sql: 'SELECT 1;' }, { ms: 20.417, sql: 'SELECT pg_sleep(0.02);' }]);
});

test('the standard workload has its declared counts and at most ten distinct statements', () => {
  const counts = expectedCounts(STANDARD_WORKLOAD);
  assert.ok(counts.size <= 10);
  assert.is(counts.get('SELECT 1;'), 30);
  assert.is(workloadSequence(STANDARD_WORKLOAD)[0], 'CREATE TEMP TABLE utap_items (id int, name text);');
  assert.is(workloadSequence(STANDARD_WORKLOAD).length, [...counts.values()].reduce((a, b) => a + b, 0));
});

const psql = noServer ? {} : debugPsql();

liveTest(test, 'build.sh makes a psql with SendQuery in its symbols and DWARF, loading the system libpq', noServer ?? psql.error, () => {
  const nm = spawnSync('nm', [psql.path!], { encoding: 'utf8' });
  assert.match(nm.stdout, /\bT SendQuery\n/);
  const info = spawnSync('readelf', ['-S', psql.path!], { encoding: 'utf8' });
  assert.match(info.stdout, /\.debug_info/);
  const ldd = spawnSync('ldd', [psql.path!], { encoding: 'utf8' });
  assert.match(ldd.stdout, /libpq\.so\.5 => \/(usr\/)?lib\/x86_64-linux-gnu\/libpq\.so\.5/);
  // A second run reuses the cache and answers at once with the same path.
  const again = spawnSync('sh', ['runtime-c/psql/build.sh'], { cwd: path.resolve(__dirname, '..', '..', '..'), encoding: 'utf8' });
  assert.is(again.stdout.trim(), psql.path);
});

liveTest(test, 'a throwaway server logs exactly the workload, from the debug psql and the stock psql alike', noServer ?? psql.error, async () => {
  const server = await startPgServer();
  try {
    assert.ok(fs.existsSync(path.join(server.socketDir, `.s.PGSQL.${server.port}`)), 'unix socket exists');
    const outputs: string[] = [];
    for (const binary of [psql.path!, STOCK_PSQL]) {
      const before = server.loggedStatements().length;
      const r = await runCommand(binary, psqlWorkloadArgs(server.connectArgs, workloadFile), { timeoutMs: 60_000 });
      assert.is(r.stderr, '', `${binary}: stderr`);
      assert.is(r.status, 0, `${binary}: status`);
      outputs.push(r.stdout);
      // The server logs asynchronously to its stderr: give it a moment to flush.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logged = server.loggedStatements().slice(before);
      assert.equal(countBy(logged.map((s) => s.sql)), expectedCounts(STANDARD_WORKLOAD), `${binary}: statements logged`);
      for (const s of logged.filter((l) => l.sql === 'SELECT pg_sleep(0.02);')) assert.ok(s.ms >= 19.5, `pg_sleep(0.02) logged ${s.ms} ms`);
    }
    assert.is(outputs[0], outputs[1], 'debug and stock psql print the same');
    assert.match(outputs[0], /\b50000\b/);
  } finally {
    await server.stop();
  }
  assert.not.ok(fs.existsSync(server.dir), 'stop() removes the cluster');
  assert.throws(() => process.kill(server.pid, 0), 'postmaster is gone');
});

liveTest(test, 'a server is stopped and removed when its owner process is killed outright', noServer, async () => {
  const script = `require(${JSON.stringify(path.join(__dirname, '..', 'support', 'pg-server.js'))}).startPgServer().then((s) => { console.log(JSON.stringify({ pid: s.pid, dir: s.dir })); setInterval(() => {}, 1000); });`;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d))));
  const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
  process.kill(pid, 0);
  child.kill('SIGKILL');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && fs.existsSync(dir)) await new Promise((r) => setTimeout(r, 200));
  assert.not.ok(fs.existsSync(dir), 'the watchdog removed the cluster');
  assert.throws(() => process.kill(pid, 0), 'the watchdog stopped postmaster');
});

test('the bundled client runs the same workload, one result line per statement', async () => {
  const r = await runCommand(QCLIENT, ['-X', '-q', '-f', workloadFile]);
  assert.is(r.status, 0);
  assert.is(r.stdout.split('\n').filter((l) => l !== '' ).length, workloadSequence(STANDARD_WORKLOAD).length);
});

test.run();
