// The utap command's start: bin/utap starts Node without NODE_EXTRA_CA_CERTS and hands it back to
// the command utap runs; bin/utap.js loads the bundled CLI through V8's code cache, kept under
// $XDG_CACHE_HOME/utap/v8 (not with UTAP_NO_CACHE), and a broken cache only costs time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCommand, runUtap } from '../support/run-utap';
import { fixture, repoRoot } from '../support/paths';
import { sh } from '../support/shell';

const BEGIN_EXIT = ['-e', 'probe begin { printf("ran\\n"); exit() }'];
/** A run that traces a process through an engine (it makes the full code cache). */
const TRACE = ['--engine', 'ptrace', '-c', sh`${fixture('uprobe-hits')} 3`, '-e', 'global n\nprobe process.function("hit") { n++ }\nprobe end { printf("traced %d\\n", n) }'];

/** Runs `body` with a fresh cache folder for XDG_CACHE_HOME, removed after. */
async function withScratchCache(body: (cache: string) => Promise<void>): Promise<void> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-launcher-'));
  try {
    await body(cache);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

function withEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** What a -c command sees of NODE_EXTRA_CA_CERTS (and of the launcher's own variable). */
async function seenByCommand(value: string | undefined): Promise<string> {
  const show = `sh -c 'echo "extra=\${NODE_EXTRA_CA_CERTS-unset}. saved=\${UTAP_SAVED_NODE_EXTRA_CA_CERTS-unset}"'`;
  const r = await runUtap(['--engine', 'ptrace', '-e', 'probe timer.s(30) { exit() }', '-c', show], { env: withEnv({ NODE_EXTRA_CA_CERTS: value }) });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the command utap runs sees NODE_EXTRA_CA_CERTS as the user set it: a value, empty, or unset', async () => {
  assert.is(await seenByCommand('/etc/ssl/certs/some.pem'), 'extra=/etc/ssl/certs/some.pem. saved=unset');
  assert.is(await seenByCommand(''), 'extra=. saved=unset');
  assert.is(await seenByCommand(undefined), 'extra=unset. saved=unset');
});

test('the bundled CLI is built and its code cache is written once, then reused', async () => {
  assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'bundle', 'tracer', 'cli', 'main.js')), 'npm run build bundles the CLI');
  await withScratchCache(async (cache) => {
    const first = await runUtap(BEGIN_EXIT, { env: withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: undefined }) });
    assert.is(first.status, 0, first.stderr);
    assert.is(first.stdout, 'ran\n');
    const v8Dir = path.join(cache, 'utap', 'v8');
    const files = fs.readdirSync(v8Dir);
    assert.is(files.length, 1, files.join(' '));
    const written = fs.statSync(path.join(v8Dir, files[0]));
    assert.ok(written.size > 10_000);
    const second = await runUtap(BEGIN_EXIT, { env: withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: undefined }) });
    assert.is(second.stdout, 'ran\n');
    assert.equal(fs.readdirSync(v8Dir), files, 'no second cache file');
    assert.is(fs.statSync(path.join(v8Dir, files[0])).mtimeMs, written.mtimeMs, 'an accepted cache is not rewritten by the same work');
  });
});

test('a corrupt code cache is rejected, the run is unharmed, and the cache is rewritten', async () => {
  await withScratchCache(async (cache) => {
    const env = withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: undefined });
    await runUtap(BEGIN_EXIT, { env });
    const v8Dir = path.join(cache, 'utap', 'v8');
    const file = path.join(v8Dir, fs.readdirSync(v8Dir)[0]);
    fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const r = await runUtap(BEGIN_EXIT, { env });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'ran\n');
    assert.is(r.stderr, '');
    assert.ok(fs.statSync(file).size > 10_000, 'rewritten');
  });
});

test('runs that trace no process keep only a partial cache; the first trace replaces it with a full one, kept after', async () => {
  await withScratchCache(async (cache) => {
    const env = withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: undefined });
    const v8Dir = path.join(cache, 'utap', 'v8');
    const help = await runUtap(['--help'], { env });
    assert.is(help.status, 0, help.stderr);
    const afterHelp = fs.readdirSync(v8Dir);
    assert.is(afterHelp.length, 1);
    assert.match(afterHelp[0], /-partial\.bin$/);
    const begin = await runUtap(BEGIN_EXIT, { env });
    assert.is(begin.stdout, 'ran\n');
    assert.equal(fs.readdirSync(v8Dir), afterHelp, 'a partial cache serves --help and begin probes and is not rewritten by them');
    const traced = await runUtap(TRACE, { env });
    assert.is(traced.status, 0, traced.stderr);
    assert.match(traced.stdout, /^traced 3$/m);
    const afterTrace = fs.readdirSync(v8Dir);
    assert.is(afterTrace.length, 1, afterTrace.join(' '));
    assert.not.match(afterTrace[0], /partial/);
    const full = fs.statSync(path.join(v8Dir, afterTrace[0]));
    assert.ok(full.size > 10_000);
    await runUtap(['--help'], { env });
    await runUtap(TRACE, { env });
    assert.equal(fs.readdirSync(v8Dir), afterTrace);
    assert.is(fs.statSync(path.join(v8Dir, afterTrace[0])).mtimeMs, full.mtimeMs, 'a full cache is never rewritten');
  });
});

test("writing a code cache leaves only the newest few: other builds' caches do not pile up", async () => {
  await withScratchCache(async (cache) => {
    const v8Dir = path.join(cache, 'utap', 'v8');
    fs.mkdirSync(v8Dir, { recursive: true });
    const day = 86_400;
    const old = [1, 2, 3, 4, 5, 6].map((age) => {
      const file = path.join(v8Dir, `main-0.0.0-${age}-${age}.bin`);
      fs.writeFileSync(file, 'an older build');
      const when = Date.now() / 1000 - age * day;
      fs.utimesSync(file, when, when);
      return file;
    });
    const unrelated = path.join(v8Dir, 'notes.txt');
    fs.writeFileSync(unrelated, 'not a cache');
    const r = await runUtap(BEGIN_EXIT, { env: withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: undefined }) });
    assert.is(r.stdout, 'ran\n');
    const left = fs.readdirSync(v8Dir).sort();
    const written = left.filter((f) => f.endsWith('-partial.bin'));
    assert.is(written.length, 1, left.join(' '));
    assert.equal(left.filter((f) => f.startsWith('main-0.0.0-')), old.slice(0, 3).map((f) => path.basename(f)), 'the three newest other caches stay');
    assert.ok(left.includes('notes.txt'), 'files that are not caches are left alone');
  });
});

test('npm run lint type-checks without making the bundle look stale (dist/.tsbuildinfo untouched)', async () => {
  const buildInfo = path.join(repoRoot, 'dist', '.tsbuildinfo');
  const before = fs.statSync(buildInfo).mtimeMs;
  const r = await runCommand('npm', ['run', '-s', 'lint'], { cwd: repoRoot });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(fs.statSync(buildInfo).mtimeMs, before);
});

test('bin/utap runs through symlinks: absolute, relative, chained, and from PATH', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-links-'));
  try {
    const launcher = path.join(repoRoot, 'bin', 'utap');
    fs.symlinkSync(launcher, path.join(dir, 'absolute'));
    fs.symlinkSync(path.relative(dir, launcher), path.join(dir, 'relative'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('../relative', path.join(dir, 'sub', 'chained'));
    for (const link of ['absolute', 'relative', 'sub/chained']) {
      const r = await runCommand(path.join(dir, link), ['--version']);
      assert.is(r.status, 0, `${link}: ${r.stderr}`);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/, link);
    }
    const fromPath = await runCommand('chained', ['--version'], { env: { ...process.env, PATH: `${path.join(dir, 'sub')}:${process.env.PATH}` } });
    assert.is(fromPath.status, 0, fromPath.stderr);
    const inBin = await runCommand('sh', ['utap', '--version'], { cwd: path.dirname(launcher) });
    assert.is(inBin.status, 0, inBin.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('UTAP_NO_CACHE: no code cache is written', async () => {
  await withScratchCache(async (cache) => {
    const r = await runUtap(BEGIN_EXIT, { env: withEnv({ XDG_CACHE_HOME: cache, UTAP_NO_CACHE: '1' }) });
    assert.is(r.stdout, 'ran\n');
    assert.not.ok(fs.existsSync(path.join(cache, 'utap', 'v8')));
  });
});

test.run();
