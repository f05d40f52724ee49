// The silent zero of issue 17, fixed: Debian's postgres in single-user mode, started by
// `runuser -u postgres -- sh -c 'postgres --single …'`, runs two processes below the -c command
// (runuser forks, and the shell runs postgres). Its query__start / query__done markers
// (semaphore-guarded, no debug info) must count every statement the test feeds it, on both
// engines; a probe on a program that never runs is named in a warning.
// runner-timeout: 300 s
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { postgresBindir, postgresUnavailable } from '../support/pg-server';
import { runUtap } from '../support/run-utap';
import { sh, shellQuote } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const STATEMENTS = 25;
const bindir = postgresBindir();
const unavailable = postgresUnavailable() ?? (process.getuid?.() !== 0 ? 'needs root (runuser)' : spawnSync('id', ['-u', 'postgres']).status !== 0 ? 'no postgres account (Debian\'s postgresql package makes it)' : undefined);

/** A data directory initdb made, owned by postgres, in a temp dir the test removes. */
function dataDir(): { dir: string; data: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-pg-single-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  spawnSync('chown', ['postgres:', dir]);
  const r = spawnSync('runuser', ['-u', 'postgres', '--', path.join(bindir!, 'initdb'), '-D', data, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}`);
  const input = path.join(dir, 'input.sql');
  fs.writeFileSync(input, Array.from({ length: STATEMENTS }, (_, i) => `SELECT ${i} AS utap_single_${i};\n`).join(''));
  spawnSync('chown', ['postgres:', input]);
  return { dir, data };
}

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = unavailable ?? utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: runuser -u postgres -- sh -c 'postgres --single …': every statement's markers counted`, missing, async () => {
    const { dir, data } = dataDir();
    try {
      const postgres = path.join(bindir!, 'postgres');
      const inner = `${shellQuote(postgres)} --single -D ${shellQuote(data)} -c fsync=off postgres < ${shellQuote(path.join(dir, 'input.sql'))} > /dev/null`;
      const command = sh`runuser -u postgres -- sh -c ${inner}`;
      const script = `global s, d; probe process(${JSON.stringify(postgres)}).mark("query__start") { if (isinstr(user_string($arg1), "utap_single_")) s++ } ` +
        `probe process(${JSON.stringify(postgres)}).mark("query__done") { if (isinstr(user_string($arg1), "utap_single_")) d++ } probe end { printf("start=%d done=%d\\n", s, d) }`;
      const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', command], { timeoutMs: 120_000 });
      assert.is(status, 0, stderr);
      assert.is(stdout, `start=${STATEMENTS} done=${STATEMENTS}\n`);
      assert.not.match(stderr, /warning/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
