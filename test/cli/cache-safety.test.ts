// utap's caches against other users, as root with a cache home another user controls
// (symbolizer/cache-files.ts, tracer/cli/launch.ts): a cache folder or file owned by someone else,
// or writable by group or others, is ignored and -v says so, while the trace itself stays right;
// a planted V8 code cache made from other source of the same length is refused (V8 alone would
// take it); a planted symlink at a cache file's temporary or final path is never written through.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, repoRoot } from '../support/paths';
import { runUtap, type RunResult } from '../support/run-utap';
import { sh } from '../support/shell';

const NOBODY = 65534;
const bundle = path.join(repoRoot, 'dist', 'bundle', 'tracer', 'cli', 'main.js');
/** A trace whose answer is known: counter calls work() N times and fib() 177 times for fib(10). */
const TRACE = ['-c', sh`${fixture('counter')} 40`, '-e', 'global w, f\nprobe process.function("work") { w++ }\nprobe process.function("fib") { f++ }\nprobe end { printf("work=%d fib=%d\\n", w, f) }'];
const TRACE_OUT = 'calls=40 sum=2460 fib10=55\nwork=40 fib=177\n';

function envWith(cacheHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
  delete env.UTAP_NO_CACHE;
  return env;
}

async function withScratch(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-cache-safety-'));
  try {
    await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function trace(cacheHome: string, ...extra: string[]): Promise<RunResult> {
  return runUtap([...extra, ...TRACE], { env: envWith(cacheHome) });
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => !fs.lstatSync(path.join(dir, f)).isDirectory()).sort() : [];
}

/** The V8 code cache path utap uses for this build (launch.ts's naming). */
function v8CachePath(cacheHome: string, suffix = ''): string {
  const digest = fs.readFileSync(`${bundle}.sha256`, 'latin1').split(' ')[0];
  return path.join(cacheHome, 'utap', 'v8', `main-${process.versions.v8}-${digest.slice(0, 16)}${suffix}.bin`);
}

test('as root, a cache folder owned by another user is ignored, -v says so once, and the trace is right', async () => {
  await withScratch(async (home) => {
    fs.mkdirSync(path.join(home, 'utap'), { mode: 0o700 });
    fs.chownSync(path.join(home, 'utap'), NOBODY, NOBODY);
    const r = await trace(home, '-v');
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, TRACE_OUT);
    const notes = r.stderr.split('\n').filter((l) => l.includes('ignoring the cache'));
    assert.equal(notes, [`utap: ignoring the cache folder ${home}/utap: it belongs to uid ${NOBODY}, not to the user running utap (uid 0); going on without it.`]);
    assert.equal(filesUnder(path.join(home, 'utap')), [], 'nothing written into it');
    const quiet = await trace(home);
    assert.is(quiet.stdout, TRACE_OUT);
    assert.not.match(quiet.stderr, /ignoring/, 'only -v tells');
  });
});

test('as root, a group- or world-writable cache folder (root or below) is ignored and -v says so', async () => {
  for (const [mode, who] of [[0o770, 'its group'], [0o707, 'others'], [0o777, 'its group and others']] as const) {
    await withScratch(async (home) => {
      fs.mkdirSync(path.join(home, 'utap', 'v8'), { recursive: true, mode: 0o700 });
      fs.chmodSync(path.join(home, 'utap', 'v8'), mode);
      const r = await trace(home, '-v');
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, TRACE_OUT);
      assert.match(r.stderr, `utap: ignoring the cache folder ${home}/utap/v8: it is writable by ${who} (mode 0${mode.toString(8)}); going on without it.\n`);
      assert.equal(filesUnder(path.join(home, 'utap', 'v8')), []);
      assert.ok(filesUnder(path.join(home, 'utap')).length > 0, 'the symbol cache beside it is still used');
    });
  }
});

test('as root, a cache home (XDG_CACHE_HOME) that another user owns is not used at all', async () => {
  await withScratch(async (dir) => {
    const home = path.join(dir, 'alice-cache');
    fs.mkdirSync(home);
    fs.chownSync(home, NOBODY, NOBODY);
    const r = await trace(home, '-v');
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, TRACE_OUT);
    assert.match(r.stderr, `utap: ignoring the cache folder ${home}/utap: ${home} above it is not safe (it belongs to uid ${NOBODY}, neither the user running utap (uid 0) nor root); going on without it.\n`);
    assert.not.ok(fs.existsSync(path.join(home, 'utap')), 'no folder made in it');
  });
});

test('as root, a code cache file owned by another user or writable by others is not loaded', async () => {
  await withScratch(async (home) => {
    const made = await trace(home);
    assert.is(made.stdout, TRACE_OUT);
    const file = v8CachePath(home);
    assert.ok(fs.existsSync(file), 'the first trace wrote the full code cache');
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    fs.chownSync(file, NOBODY, NOBODY);
    const r = await runUtap(['-v', '-e', 'probe begin { printf("ran\\n"); exit() }'], { env: envWith(home) });
    assert.is(r.stdout, 'ran\n');
    assert.match(r.stderr, `utap: ignoring the cache file ${file}: it belongs to uid ${NOBODY}, not to the user running utap (uid 0); going on without it.\n`);
    fs.chownSync(file, 0, 0);
    fs.chmodSync(file, 0o666);
    const writable = await runUtap(['-v', '-e', 'probe begin { printf("ran\\n"); exit() }'], { env: envWith(home) });
    assert.match(writable.stderr, `utap: ignoring the cache file ${file}: it is writable by its group and others (mode 0666); going on without it.\n`);
  });
});

/**
 * Code cache data V8 makes for `source` compiled as the bundle (same file name, Module.wrap),
 * in a fresh Node without flags like utap's, after running nothing: enough for V8 to take it.
 */
function v8DataFor(source: string, dir: string): Buffer {
  const src = path.join(dir, 'planted-source.js');
  const out = path.join(dir, 'planted.v8');
  fs.writeFileSync(src, source);
  const make = `const vm=require('vm'),fs=require('fs'),M=require('module');const s=new vm.Script(M.wrap(fs.readFileSync(${JSON.stringify(src)},'utf8')),{filename:${JSON.stringify(bundle)}});fs.writeFileSync(${JSON.stringify(out)},s.createCachedData())`;
  const r = spawnSync(process.execPath, ['-e', make], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return fs.readFileSync(out);
}

/** Whether V8 itself takes `data` as the code cache of the real bundle (asked in a fresh Node, as utap would). */
function v8Accepts(data: Buffer, dir: string): boolean {
  const file = path.join(dir, 'check.v8');
  fs.writeFileSync(file, data);
  const check = `const vm=require('vm'),fs=require('fs'),M=require('module');const s=new vm.Script(M.wrap(fs.readFileSync(${JSON.stringify(bundle)},'utf8')),{filename:${JSON.stringify(bundle)},cachedData:fs.readFileSync(${JSON.stringify(file)})});process.stdout.write(s.cachedDataRejected?'rejected':'accepted')`;
  return spawnSync(process.execPath, ['-e', check], { encoding: 'utf8' }).stdout === 'accepted';
}

test('a planted code cache made from other source of the same length is refused, though V8 alone would take it', async () => {
  await withScratch(async (home) => {
    const real = fs.readFileSync(bundle, 'utf8');
    // Same length, different code: a message of the CLI changed letter for letter.
    const at = real.indexOf('No script given');
    assert.ok(at > 0);
    const other = `${real.slice(0, at)}NO SCRIPT GIVEN${real.slice(at + 15)}`;
    assert.is(Buffer.byteLength(other), Buffer.byteLength(real));
    const v8Data = v8DataFor(other, home);
    assert.ok(v8Accepts(v8Data, home), 'V8 checks the length only, so it would run the other code');
    const { createHash } = await import('node:crypto');
    const file = v8CachePath(home);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // As utap writes a cache, for the other source: magic, that source's digest, V8's data.
    fs.writeFileSync(file, Buffer.concat([Buffer.from('utapV8c1'), createHash('sha256').update(other).digest(), v8Data]), { mode: 0o600 });
    const r = await trace(home, '-v');
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, TRACE_OUT);
    assert.match(r.stderr, `utap: ignoring the cache file ${file}: it was not made from this build of utap; going on without it.\n`);
    assert.is(fs.readFileSync(file).subarray(8, 40).toString('hex'), fs.readFileSync(`${bundle}.sha256`, 'latin1').split(' ')[0], 'rewritten by the trace, for this build');
  });
});

/** A root-only file that must not change, and its content. */
function secretFile(dir: string): { file: string; content: string } {
  const file = path.join(dir, 'root-only-secret');
  const content = 'nobody may write this\n';
  fs.writeFileSync(file, content, { mode: 0o600 });
  return { file, content };
}

test("a planted symlink at a cache file's temporary path is not written through", async () => {
  await withScratch(async (home) => {
    const secret = secretFile(home);
    const cacheFile = v8CachePath(home);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    // bin/utap execs node, so the temporary name carries the pid spawn returns; the cache is
    // written at exit, long after the symlink is in place.
    const child = spawn(path.join(repoRoot, 'bin', 'utap'), TRACE, { env: envWith(home), stdio: ['ignore', 'pipe', 'pipe'] });
    const temp = `${cacheFile}.${child.pid}.tmp`;
    fs.symlinkSync(secret.file, temp);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.is(status, 0);
    assert.is(stdout, TRACE_OUT);
    assert.is(fs.readFileSync(secret.file, 'utf8'), secret.content, 'the symlink target is unchanged');
    assert.is(fs.statSync(secret.file).mode & 0o777, 0o600);
    const written = fs.lstatSync(cacheFile);
    assert.ok(written.isFile() && written.size > 10_000, 'the cache was written as a file of its own');
    assert.is(written.mode & 0o777, 0o600);
  });
});

test('a symlink at a cache file itself is neither read nor written through, and -v says so', async () => {
  await withScratch(async (home) => {
    const secret = secretFile(home);
    const cacheFile = v8CachePath(home);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    fs.symlinkSync(secret.file, cacheFile);
    const r = await trace(home, '-v');
    assert.is(r.stdout, TRACE_OUT);
    assert.match(r.stderr, `utap: ignoring the cache file ${cacheFile}: it is a symbolic link; going on without it.\n`);
    assert.is(fs.readFileSync(secret.file, 'utf8'), secret.content);
    assert.ok(fs.lstatSync(cacheFile).isFile(), 'the link was replaced by a cache file, not written through');
  });
});

test.run();
