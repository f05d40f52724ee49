// `npm run demo`: the main job of utap on this machine, from a fresh clone. It starts a throwaway
// PostgreSQL server, runs a psql workload under `utap -c` with the lecture's script
// (examples/psql-latency.stp) and prints the per-query latency report, then the server's own
// timing of the same statements for comparison.
//
//   npm run demo [-- UTAP_OPTIONS...]        e.g. npm run demo -- --engine ptrace
//
// What it uses, best first: the debug psql built from Debian's source (runtime-c/psql/build.sh,
// about a minute the first time, then cached); if that cannot be built, the stock stripped psql
// with examples/libpq-latency.stp; without PostgreSQL at all, the bundled stand-in client
// build/qclient/psql, with no server. It says which.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportTotals } from '../test/support/latency-report';
import { repoRoot, utapBin } from '../test/support/paths';
import { postgresUnavailable, startPgServer, type PgServer } from '../test/support/pg-server';
import { debugPsql, psqlWorkloadArgs, QCLIENT, STOCK_PSQL } from '../test/support/psql-binaries';
import { shellCommand } from '../test/support/psql-trace';
import { STANDARD_WORKLOAD, workloadSequence, writeWorkload } from '../test/support/psql-workload';

function say(text: string): void {
  process.stdout.write(`demo: ${text}\n`);
}

function runUtapInherit(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [utapBin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const utapOptions = process.argv.slice(2);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-demo-'));
  let server: PgServer | undefined;
  try {
    const workload = writeWorkload(STANDARD_WORKLOAD, tmp);
    const n = workloadSequence(STANDARD_WORKLOAD).length;
    const noServer = postgresUnavailable();
    let argv: string[];
    let script = path.join(repoRoot, 'examples', 'psql-latency.stp');

    if (noServer) {
      say(`PostgreSQL is not available here (${noServer}).`);
      say(`Falling back to the bundled stand-in client ${path.relative(repoRoot, QCLIENT)} (runtime-c/psql/qclient.c):`);
      say('it has a SendQuery() like psql\'s and "runs" each statement in-process, no server.');
      argv = [QCLIENT, '-f', workload, '-o', '/dev/null'];
    } else {
      say('building (or reusing) a psql with debug info from Debian\'s source: runtime-c/psql/build.sh');
      const psql = debugPsql({ showProgress: true });
      server = await startPgServer();
      say(`started a throwaway PostgreSQL server: socket in ${server.socketDir}, every statement logged with its duration`);
      if (psql.path) {
        argv = [psql.path, ...psqlWorkloadArgs(server.connectArgs, workload), '-o', '/dev/null'];
      } else {
        say(`${psql.error}; using the stock stripped psql through libpq's exported functions instead.`);
        script = path.join(repoRoot, 'examples', 'libpq-latency.stp');
        argv = [STOCK_PSQL, ...psqlWorkloadArgs(server.connectArgs, workload), '-o', '/dev/null'];
      }
    }
    const command = shellCommand(argv);
    say(`running ${n} statements (${STANDARD_WORKLOAD.statements.length + STANDARD_WORKLOAD.setup.length} distinct) under utap:`);
    say(`  utap ${[...utapOptions, '-c', `'${command}'`, path.relative(repoRoot, script)].join(' ')}`);
    process.stdout.write('\n');
    const report = path.join(tmp, 'report.txt');
    const status = await runUtapInherit([...utapOptions, '-o', report, '-c', command, script]);
    const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
    process.stdout.write(text);
    if (status !== 0) {
      say(`utap ended with status ${status} (its message is above).`);
      return status;
    }
    if (server) {
      await new Promise((r) => setTimeout(r, 200));
      const totals = reportTotals(text);
      const byQuery = new Map<string, number[]>();
      for (const s of server.loggedStatements()) byQuery.set(s.sql, [...(byQuery.get(s.sql) ?? []), s.ms]);
      say('the same statements as the server timed them (log_min_duration_statement=0):');
      process.stdout.write(`${'#'.padStart(3)} ${'server uS'.padStart(9)} ${'utap uS'.padStart(8)}  query\n`);
      for (const [sql, ms] of byQuery) {
        const avg = (ms.reduce((a, b) => a + b, 0) / ms.length) * 1000;
        const t = totals.get(sql);
        process.stdout.write(`${String(ms.length).padStart(3)} ${avg.toFixed(0).padStart(9)} ${(t ? t.avgUs.toFixed(0) : '-').padStart(8)}  ${sql}\n`);
      }
      say("utap's figure is the client's whole round trip (the server's time, the socket, psql's own work).");
    }
    return 0;
  } finally {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (status) => (process.exitCode = status),
  (error: Error) => {
    process.stderr.write(`demo: ${error.message}\n`);
    process.exitCode = 2;
  },
);
