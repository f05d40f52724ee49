// The symbol cache is keyed by build-id, but an entry is used only when it was made from the same
// contents (symbolizer/cache-fingerprint.ts). Here a second build of counter.c with one more
// function ahead of work() is linked with counter's own build-id: its cache entries hold other
// addresses under the same key, and a trace of the real counter must not take them — the counts
// match the program's own account, and -v says which entries were refused.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contentFingerprint } from '../../symbolizer/cache-fingerprint';
import { ElfFile } from '../../symbolizer/elf-file';
import { readBuildId } from '../../symbolizer/notes';
import { fixture, repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

const NOBODY = 65534;
const SCRIPT = 'global w, f\nprobe process.function("work") { w++ }\nprobe process.function("fib") { f++ }\nprobe end { printf("work=%d fib=%d\\n", w, f) }';
const COUNTER_OUT = 'calls=40 sum=2460 fib10=55\nwork=40 fib=177\n';

function buildIdOf(file: string): string {
  const elf = ElfFile.open(file);
  try {
    return readBuildId(elf)!;
  } finally {
    elf.close();
  }
}

/** counter.c with a function ahead of work() (so every address after it moves), linked with `buildId`. */
function sameBuildIdVariant(dir: string, buildId: string): string {
  const source = fs.readFileSync(path.join(repoRoot, 'runtime-c', 'targets', 'counter.c'), 'utf8');
  const marker = '__attribute__((noinline)) long work(';
  assert.ok(source.includes(marker));
  const padded = source.replace(marker, `__attribute__((noinline)) long pad(long x) { return x * 7 + (x >> 3) - 11; }\n${marker}`);
  const src = path.join(dir, 'counter-variant.c');
  const out = path.join(dir, 'counter-variant');
  fs.writeFileSync(src, padded);
  const cc = spawnSync('cc', ['-Wall', '-fno-omit-frame-pointer', '-O0', '-g', `-Wl,--build-id=0x${buildId}`, '-o', out, src], { encoding: 'utf8' });
  assert.is(cc.status, 0, cc.stderr);
  return out;
}

function envWith(cacheHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
  delete env.UTAP_NO_CACHE;
  return env;
}

/** The cached link-time address of `name` in the symbol table entry of `buildId`. */
function cachedAddress(cacheHome: string, buildId: string, name: string): string | undefined {
  const file = path.join(cacheHome, 'utap', 'v2', buildId.slice(0, 2), `${buildId}.symbols-own.json`);
  const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { value: { symbols: Array<{ name: string; address: string }> } };
  return entry.value.symbols.find((s) => s.name === name)?.address;
}

async function withScratch(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-symcache-'));
  try {
    await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the content fingerprint follows the bytes, not the file: a copy matches, a same-build-id rebuild does not', async () => {
  await withScratch(async (dir) => {
    const counter = fixture('counter');
    const buildId = buildIdOf(counter);
    const variant = sameBuildIdVariant(dir, buildId);
    assert.is(buildIdOf(variant), buildId, 'the linker took the build-id');
    const copy = path.join(dir, 'counter-copy');
    fs.copyFileSync(counter, copy);
    fs.utimesSync(copy, new Date(0), new Date(0));
    const open = [counter, copy, variant].map((f) => ElfFile.open(f));
    try {
      const [real, same, other] = open;
      for (const part of ['symbols', 'dwarf'] as const) {
        assert.is(contentFingerprint(same, part), contentFingerprint(real, part), `${part}: another path and time, same bytes`);
        assert.is.not(contentFingerprint(other, part), contentFingerprint(real, part), `${part}: same build-id, other bytes`);
      }
    } finally {
      for (const e of open) e.close();
    }
  });
});

test('entries made from another file with the same build-id are refused: probes land right and -v says so', async () => {
  await withScratch(async (dir) => {
    const home = path.join(dir, 'cache');
    const counter = fixture('counter');
    const buildId = buildIdOf(counter);
    const variant = sameBuildIdVariant(dir, buildId);
    // The variant's trace fills the cache under counter's build-id, with the variant's addresses.
    const first = await runUtap(['-c', sh`${variant} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(first.stdout, COUNTER_OUT, first.stderr);
    const planted = cachedAddress(home, buildId, 'work');
    assert.ok(planted, 'the entry is there');
    const r = await runUtap(['-v', '-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, COUNTER_OUT, 'counts match the program: no probe moved');
    for (const kind of ['symbols-own', 'functions']) {
      const file = path.join(home, 'utap', 'v2', buildId.slice(0, 2), `${buildId}.${kind}.json`);
      assert.match(r.stderr, `utap: ignoring the cache file ${file}: it was made from other contents than the file with build-id or key ${buildId} at hand; going on without it.\n`);
    }
    const rebuilt = cachedAddress(home, buildId, 'work');
    assert.is.not(rebuilt, planted, 'the refused entry had work() elsewhere: taking it would have moved the probe');
    const again = await runUtap(['-v', '-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(again.stdout, COUNTER_OUT);
    assert.not.match(again.stderr, /ignoring the cache/, 'the rewritten entries are taken');
  });
});

test('as root, a symbol cache entry owned by another user is ignored and -v says so', async () => {
  await withScratch(async (dir) => {
    const home = path.join(dir, 'cache');
    const counter = fixture('counter');
    const buildId = buildIdOf(counter);
    const first = await runUtap(['-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(first.stdout, COUNTER_OUT, first.stderr);
    const file = path.join(home, 'utap', 'v2', buildId.slice(0, 2), `${buildId}.symbols-own.json`);
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
    fs.chownSync(file, NOBODY, NOBODY);
    const r = await runUtap(['-v', '-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(r.stdout, COUNTER_OUT, r.stderr);
    assert.match(r.stderr, `utap: ignoring the cache file ${file}: it belongs to uid ${NOBODY}, not to the user running utap (uid 0); going on without it.\n`);
  });
});

test("a cached debug-file location is taken only while that file carries the binary's build-id", async () => {
  await withScratch(async (dir) => {
    const home = path.join(dir, 'cache');
    const env = { ...envWith(home), UTAP_DEBUG_FILE_DIRECTORY: path.join(repoRoot, 'build', 'debug') };
    const stripped = fixture('args-buildid');
    const buildId = buildIdOf(stripped);
    const point = `process("${stripped}").function("main")`;
    const first = await runUtap(['-l', point], { env });
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stdout, /main@.*args\.c:\d+/, 'found through its debug file');
    // The entry now names a file of another build (same size and time recorded, so only the
    // build-id tells), and the tables made from the debug file are gone: taking the entry would
    // read counter's DWARF for args-buildid.
    const folder = path.join(home, 'utap', 'v2', buildId.slice(0, 2));
    const entryFile = path.join(folder, `${buildId}.debugfile.json`);
    const entry = JSON.parse(fs.readFileSync(entryFile, 'utf8')) as { madeFrom: string; value: { found: Record<string, unknown> } };
    const other = fixture('counter');
    const st = fs.statSync(other);
    entry.value.found = { path: other, how: 'build-id', size: st.size, mtimeMs: st.mtimeMs };
    fs.writeFileSync(entryFile, JSON.stringify(entry), { mode: 0o600 });
    for (const kind of ['symbols-debug', 'functions']) fs.rmSync(path.join(folder, `${buildId}.${kind}.json`));
    const second = await runUtap(['-l', point], { env });
    assert.is(second.status, 0, second.stderr);
    assert.is(second.stdout, first.stdout);
  });
});

test('as root, a group- and world-writable folder under the cache root is ignored: nothing read or written there', async () => {
  await withScratch(async (dir) => {
    const home = path.join(dir, 'cache');
    const counter = fixture('counter');
    const buildId = buildIdOf(counter);
    await runUtap(['-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    const folder = path.join(home, 'utap', 'v2', buildId.slice(0, 2));
    const file = path.join(folder, `${buildId}.symbols-own.json`);
    fs.chmodSync(folder, 0o777);
    fs.writeFileSync(file, '{"planted": true}');
    const r = await runUtap(['-v', '-c', sh`${counter} 40`, '-e', SCRIPT], { env: envWith(home) });
    assert.is(r.stdout, COUNTER_OUT, r.stderr);
    assert.match(r.stderr, `utap: ignoring the cache folder ${folder}: it is writable by its group and others (mode 0777); going on without it.\n`);
    assert.is(fs.readFileSync(file, 'utf8'), '{"planted": true}', 'not rewritten either');
  });
});

test.run();
