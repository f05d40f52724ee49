// The probe points the examples use resolve on the real binaries: SendQuery with $query in the
// debug psql's DWARF, libpq's exported PQsendQuery/PQgetResult in the stripped system library.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { postgresUnavailable } from '../support/pg-server';
import { debugPsql, STOCK_PSQL, SYSTEM_LIBPQ } from '../support/psql-binaries';
import { runUtap } from '../support/run-utap';

const noServer = postgresUnavailable();
const psql = noServer ? {} : debugPsql();

liveTest(test, 'utap -L finds SendQuery and $query:char const* in the debug psql', noServer ?? psql.error, async () => {
  const r = await runUtap(['-L', `process("${psql.path}").function("SendQuery")`]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^process\("[^"]+\/psql"\)\.function\("SendQuery@[^"]*\/common\.c:\d+"\) \$query:char const\*/);
});

liveTest(test, 'the stock psql is stripped, and libpq exports what libpq-latency.stp probes', noServer, async () => {
  const sections = spawnSync('readelf', ['-S', STOCK_PSQL], { encoding: 'utf8' }).stdout;
  assert.not.match(sections, /\.debug_info/);
  for (const point of ['function("PQsendQuery")', 'function("PQgetResult").return']) {
    const r = await runUtap(['-l', `process("${SYSTEM_LIBPQ}").${point}`]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^process\("\/usr\/lib\/x86_64-linux-gnu\/libpq\.so\.5[.0-9]*"\)\.function\("PQ(sendQuery|getResult)"\)/);
  }
});

test.run();
