// The front end through the real CLI: script arguments, -I tapsets (aliases with prologues and
// epilogues, functions and globals pulled in by name), the bundled tapsets, type inference
// across functions, -D limits given wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, utapBin } from '../support/paths';
import { runUtap } from '../support/run-utap';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-lang-'));
const tapsets = path.join(dir, 'tapsets');
fs.mkdirSync(tapsets);
fs.writeFileSync(
  path.join(tapsets, 'counter.stp'),
  `global counter_calls, done_total, epilogue_after_user
probe counter.work = process("${fixture('counter')}").function("work") { i = $i; counter_calls++ }
probe counter.work.done += process("${fixture('counter')}").function("work").return { done_total += $return; if (seen_by_user) epilogue_after_user++ }
function twice(x) { return 2 * x }
`,
);
fs.writeFileSync(path.join(tapsets, 'unused.stp'), 'probe begin { println("an unused tapset must not run") }\n');

test('$1 and @1 are script arguments; $# counts them', async () => {
  const r = await runUtap(['-e', 'probe begin { printf("%d %s %d\\n", $1 + 1, @2, $#); exit() }', '41', 'text']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '42 text 2\n');
});

test('a script argument that was not given is a script error naming it', async () => {
  const r = await runUtap(['-e', 'probe begin { x = $2 }', 'abc']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /\$2 refers to script argument 2, but only 1 argument was given after the script/);
});

test('a tapset function is pulled in by name, and only the files used join the program', async () => {
  const r = await runUtap(['-I', tapsets, '-e', 'probe begin { println(twice(21)); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '42\n');
});

test('alias prologue runs before the handler, epilogue after; tapset globals are shared', async () => {
  const script = 'global sum; probe counter.work { sum += i } probe counter.work.done { seen_by_user = 1 } probe end { printf("%d %d %d %d\\n", sum, done_total, counter_calls, epilogue_after_user) }';
  const r = await runUtap(['--engine', 'ptrace', '-I', tapsets, '-c', `${fixture('counter')} 10`, '-e', script]);
  assert.is(r.stderr, '');
  // work(i, "tag") returns 3*i + 3; i = 0..9
  assert.is(r.stdout, 'calls=10 sum=165 fib10=55\n45 165 10 10\n');
});

test('bundled tapsets: libc.malloc sets bytes; libpq_verb parses a query', async () => {
  const r = await runUtap(['--engine', 'ptrace', '-c', `${fixture('counter')} 1`, '-e', 'global n; probe libc.malloc { if (bytes > 0) n++ } probe end { println(n > 0) }']);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /\n1\n$/);
  const v = await runUtap(['-e', 'probe begin { println(libpq_verb(" select 1"), libpq_verb("insert into t")); exit() }']);
  assert.is(v.stdout, 'SELECTINSERT\n');
});

test('types flow through function parameters and returns', async () => {
  const r = await runUtap(['-e', 'function id(x) { return x } function cat(a, b) { return a . b } probe begin { println(cat(id("a"), "b")); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'ab\n');
});

test('-D with a bad value and -I with a missing directory are script errors', async () => {
  const d = await runUtap(['-D', 'MAXACTION=lots', '-e', 'probe begin { exit() }']);
  assert.is(d.status, 1);
  assert.match(d.stderr, /MAXACTION=lots: the value must be a whole number/);
  const i = await runUtap(['-I', path.join(dir, 'nope'), '-e', 'probe begin { exit() }']);
  assert.is(i.status, 1);
  assert.match(i.stderr, /no such tapset directory/);
});

test('a reader that closes the pipe early (utap --help | head -1) ends utap quietly', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${utapBin}" --help | head -1`], { encoding: 'utf8' });
  assert.is(r.stdout, 'Usage: utap [options] SCRIPT_FILE [ARG...]\n');
  assert.is(r.stderr, '');
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
