// `utap -l` and `utap -L` as a user runs them: canonical lines, $vars with C types, errors with
// exit status 2, the build-id cache under $XDG_CACHE_HOME, and no progress noise in a pipe.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runUtap } from '../support/run-utap';
import { fixture } from '../support/paths';
import { nmCode } from '../symbolizer/oracles';

const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-listcache-'));
const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
const real = (name: string) => fs.realpathSync(fixture(name));

test('-l prints one canonical line per matching function, sorted', async () => {
  const r = await runUtap(['-l', `process("${fixture('args-O0')}").function("ints_*")`], { env });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const src = fs.realpathSync(path.join(__dirname, '..', '..', '..', 'runtime-c', 'fixtures', 'args.c'));
  assert.equal(r.stdout.trimEnd().split('\n'), [
    `process("${real('args-O0')}").function("ints_signed@${src}:56")`,
    `process("${real('args-O0')}").function("ints_unsigned@${src}:62")`,
  ]);
});

test('-l "*" covers every function nm lists in .text', async () => {
  const r = await runUtap(['-l', `process("${fixture('args-O2')}").function("*").call`], { env });
  assert.is(r.status, 0, r.stderr);
  const listed = new Set(r.stdout.trimEnd().split('\n').map((l) => /\.function\("([^@"]+)/.exec(l)![1]));
  for (const s of nmCode(fixture('args-O2'))) if (s.kind !== 'i') assert.ok(listed.has(s.name), s.name);
});

const POSTGRES = '/usr/lib/postgresql/15/bin/postgres';
if (fs.existsSync(POSTGRES)) {
  test('postgres (no DWARF): -l "*" lists exactly the functions of nm -D', async () => {
    const r = await runUtap(['-l', `process("${POSTGRES}").function("*")`], { env });
    assert.is(r.status, 0, r.stderr);
    const listed = r.stdout.trimEnd().split('\n').map((l) => /\.function\("([^"]+)"\)$/.exec(l)![1]);
    const nm = [...new Set(nmCode(POSTGRES, true).map((s) => s.name.replace(/@.*$/, '')))].sort();
    assert.equal([...new Set(listed)].sort(), nm);
  });
}

test('-L appends $name:ctype for parameters and locals, and $return for .return', async () => {
  const r = await runUtap(['-L', `process("${fixture('args-O0')}").function("pointers").return`], { env });
  assert.is(r.status, 0, r.stderr);
  const line = r.stdout.trim();
  assert.match(line, /\.function\("pointers@[^"]+:74"\)\.return \$buf:char\* \$text:char const\* \$counter:int\* \$opaque:void\* \$rec:struct record\* \$pp:struct pair const\* \$fn:visit_fn \$return:long int$/);
  const lib = await runUtap(['-L', `process("${fixture('uselib')}").library("libfixture.so").function("lib_greet")`], { env });
  assert.is(lib.status, 0, lib.stderr);
  assert.match(lib.stdout, new RegExp(`^process\\("${real('libfixture.so')}"\\)\\.function\\("lib_greet@[^"]+"\\) \\$who:char const\\* \\$counter:struct lib_counter\\*`));
});

test('-l on a stripped binary lists its dynamic symbols without file:line', async () => {
  const r = await runUtap(['-l', `process("${fixture('args-stripped')}").function("ints_signed")`], { env });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `process("${real('args-stripped')}").function("ints_signed")\n`);
});

test('-L with a debug file found by debuglink', async () => {
  const r = await runUtap(['-L', `process("${fixture('args-debuglink')}").function("floats")`], { env });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /\.function\("floats@[^"]+args\.c:91"\) \$f:float \$d:double\n$/);
});

test('bad input: one sentence on stderr, status 2 (1 for a malformed point)', async () => {
  const text = path.join(cacheHome, 'text-file');
  fs.writeFileSync(text, 'not elf\n');
  for (const [point, status, pattern] of [
    [`process("${path.join(cacheHome, 'missing')}").function("main")`, 2, /there is no file/],
    [`process("${text}").function("main")`, 2, /not an ELF binary/],
    [`process("${fixture('args-O0')}").function("nothing_here")`, 1, /matches nothing/],
    [`process("${fixture('args-O0')}").function("main"`, 1, /not valid at column/],
  ] as const) {
    const r = await runUtap(['-l', point], { env });
    assert.is(r.status, status, `${point}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, /    at /);
  }
});

test('the symbol table and function index are cached by build-id under $XDG_CACHE_HOME/utap', async () => {
  const point = `process("${fixture('multi-O2')}").function("*")`;
  const first = await runUtap(['-L', point], { env });
  assert.is(first.status, 0, first.stderr);
  const files = fs.readdirSync(path.join(cacheHome, 'utap'), { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
  assert.ok(files.some((f) => f.endsWith('.functions.json')), files.join(' '));
  assert.ok(files.some((f) => f.includes('.symbols-')), files.join(' '));
  const second = await runUtap(['-L', point], { env });
  assert.is(second.stdout, first.stdout, 'the cached run lists the same');
  const uncached = await runUtap(['-L', point], { env: { ...env, UTAP_NO_CACHE: '1' } });
  assert.is(uncached.stdout, first.stdout);
});

test.after(() => fs.rmSync(cacheHome, { recursive: true, force: true }));
test.run();
