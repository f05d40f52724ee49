// Without root, on the ptrace engine (what `auto` picks then): a user's own prefork server,
// started with -c or attached with -p before it forks, has every worker's calls counted exactly,
// and a lifecycle probe sees each worker begin. utap and the target run from a copy the test user
// can read (test/support/readable-copy.ts).
// runner-timeout: 240 s
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readableCopy } from '../support/readable-copy';
import { ensureTestUser, TEST_USER } from '../support/test-user';
import { sh } from '../support/shell';

const user = TEST_USER;

function setUp(): { home: string; prefork: string; env: NodeJS.ProcessEnv; utap: string } {
  const why = ensureTestUser();
  if (why) throw new Error(why);
  const copy = readableCopy(user);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-children-user-'));
  const prefork = path.join(home, 'prefork');
  fs.copyFileSync(copy.fixture('prefork'), prefork);
  fs.chmodSync(home, 0o755);
  spawnSync('chown', ['-R', `${user}:${user}`, home]);
  return { home, prefork, env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') }, utap: copy.utapBin };
}

const script = (prefork: string) => `global h, b; probe process(${JSON.stringify(prefork)}).function("handle") { h++ } probe process(${JSON.stringify(prefork)}).begin { b++ } probe end { printf("h=%d begins=%d\\n", h, b) }`;

test('a user\'s own prefork server under -c: every worker counted, on the engine auto chose (inproc or ptrace)', async () => {
  const { home, prefork, env, utap } = setUp();
  try {
    const r = spawnSync('runuser', ['-u', user, '--', process.execPath, utap, '-v', '-c', sh`${prefork} 4 300`, '-e', script(prefork)], { env, encoding: 'utf8', cwd: home, timeout: 120_000 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'workers=4 calls=300 total=1200 spawned=4 failed=0\nh=1200 begins=5\n');
    assert.match(r.stderr, /engine: (inproc|ptrace)/);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('a user\'s own prefork server under -p, attached before it forks: every worker counted', async () => {
  const { home, prefork, env, utap } = setUp();
  // the server, as the user, waiting on its stdin before it forks
  const server = spawn('runuser', ['-u', user, '--', '/bin/sh', '-c', 'exec 3<&0; "$@" <&3 3<&- & wait $!', 'sh', prefork, '3', '200', 'wait'], { stdio: ['pipe', 'pipe', 'inherit'], cwd: home });
  let out = '';
  server.stdout.on('data', (d) => (out += d));
  const serverDone = new Promise((resolve) => server.on('close', resolve));
  try {
    for (let i = 0; i < 400 && !/ready pid=\d+/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    const pid = Number(/ready pid=(\d+)/.exec(out)?.[1]);
    assert.ok(pid > 0, out);
    const run = spawn('runuser', ['-u', user, '--', process.execPath, utap, '-v', '-p', String(pid), '-e', script(prefork)], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    run.stdout.on('data', (d) => (stdout += d));
    run.stderr.on('data', (d) => (stderr += d));
    const done = new Promise((resolve) => run.on('close', resolve));
    for (let i = 0; i < 800 && !/attached to/.test(stderr); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(stderr, /attached to/);
    await new Promise((r) => setTimeout(r, 300));
    server.stdin.end('go\n');
    await serverDone;
    assert.ok(out.includes('workers=3 calls=200 total=600 spawned=3 failed=0\n'), out);
    assert.is(await done, 0, stderr);
    // begins: the server at attach, and its three workers
    assert.is(stdout, 'h=600 begins=4\n');
  } finally {
    server.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test.run();
