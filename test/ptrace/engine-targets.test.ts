// The ptrace engine on the runtime-c/targets fixtures, each of which prints its own ground
// truth: exact per-thread counts with 4+ threads, parameters and return values, recursion
// with .return, a linked shared library and a library dlopened after start, guru-mode fault
// injection. Scripts are hand-built IR (test/support/ptrace-programs.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assign, bin, cmp, entry, ex, glob, iff, incdec, L, lit, printf, ProgramBuilder, reg, ustr } from '../support/ir-builder';
import { fixture } from '../support/paths';
import { perThread, point, runPtrace } from '../support/ptrace-programs';
import { startWaiting } from '../support/target-process';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-ptrace-targets-'));
const outFile = (name: string) => path.join(tmp, name);

/** `tid calls` lines of the script against the fixture's `thread I tid=T calls=C` lines. */
function assertPerThread(script: string, fixtureOutput: string, threads: number, base: number): void {
  const traced = new Map(script.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]));
  const lines = [...fixtureOutput.matchAll(/^thread (\d+) tid=(\d+) calls=(\d+)$/gm)];
  assert.is(lines.length, threads, fixtureOutput);
  for (const [, index, tid, calls] of lines) {
    assert.is(Number(calls), (Number(index) + 1) * base);
    assert.is(traced.get(Number(tid)), Number(calls), `thread ${index} (tid ${tid})`);
  }
  assert.is(traced.size, threads, 'no hits attributed to other threads');
}

test('-c, 6 threads at once: exact hit count per thread', async () => {
  const out = outFile('threads-c');
  const { status, output } = await runPtrace(perThread(point(fixture('threads'), 'tick')), { command: sh`${fixture('threads')} 6 3000 > ${out}` });
  assert.is(status, 0);
  assertPerThread(output, fs.readFileSync(out, 'utf8'), 6, 3000);
});

test('-p, attached before the threads exist: the threads created later are counted exactly', async () => {
  const target = await startWaiting(fixture('threads'), ['4', '2500']);
  const run = runPtrace(perThread(point(fixture('threads'), 'tick')), { pid: target.pid });
  await new Promise((r) => setTimeout(r, 400));
  const { stdout, code } = await target.release();
  const { status, output } = await run;
  assert.is(code, 0);
  assert.is(status, 0);
  assertPerThread(output, stdout, 4, 2500);
});

test('$params: long and string arguments of every call, as the program computed them', async () => {
  // global n, isum, taglen; probe work { n++; isum += $i; taglen += strlen(user_string($tag)) ... }
  const b = new ProgramBuilder();
  const n = b.scalar('n'), isum = b.scalar('isum'), tags = b.scalar('tags');
  b.probe([point(fixture('counter'), 'work')], [],
    ex(incdec(L.global(n), 1, false)),
    ex(assign(L.global(isum), reg('rdi'), '+=')),
    iff(cmp('==', ustr(reg('rsi')), { op: 'string', type: 'string', value: 'tag', loc: b.globals[0].loc }), ex(incdec(L.global(tags), 1, false))));
  b.probe(['end'], [], printf(b.format('n=%d isum=%d tags=%d\n'), [glob(n), glob(isum), glob(tags)]));
  const out = outFile('params');
  const { status, output } = await runPtrace(b.build(), { command: sh`${fixture('counter')} 1000 > ${out}` });
  assert.is(status, 0);
  assert.is(output, `n=1000 isum=${(1000 * 999) / 2} tags=1000\n`);
  assert.is(fs.readFileSync(out, 'utf8'), 'calls=1000 sum=1501500 fib10=55\n');
});

test('recursion: .return sees every frame\'s $return and its own entry $n through 200-deep recursion', async () => {
  // probe depth.return { calls++; sum += $return; if (@entry($n) > deepest) deepest = @entry($n) }
  const b = new ProgramBuilder();
  const calls = b.scalar('calls'), sum = b.scalar('sum'), deepest = b.scalar('deepest'), mismatch = b.scalar('mismatch');
  b.probe([point(fixture('recurse'), 'depth', undefined, '.return')], [],
    ex(incdec(L.global(calls), 1, false)),
    ex(assign(L.global(sum), reg('rax'), '+=')),
    iff(cmp('>', entry(0), glob(deepest)), ex(assign(L.global(deepest), entry(0)))),
    // depth(n) returns n(n+1)/2: every frame's return must match its own entry argument
    iff(cmp('!=', reg('rax'), bin('/', bin('*', entry(0), bin('+', entry(0), lit(1))), lit(2))), ex(incdec(L.global(mismatch), 1, false))));
  b.probe(['end'], [], printf(b.format('calls=%d returns_sum=%d max_depth=%d mismatch=%d\n'), [glob(calls), glob(sum), glob(deepest), glob(mismatch)]));
  const out = outFile('recurse');
  const { status, output } = await runPtrace(b.build(), { command: sh`${fixture('recurse')} 20 200 > ${out}` });
  assert.is(status, 0);
  const truth = fs.readFileSync(out, 'utf8').trim();
  assert.is(truth, `calls=${20 * 201} returns_sum=${20 * [...Array(201).keys()].reduce((s, k) => s + (k * (k + 1)) / 2, 0)} max_depth=200`);
  assert.is(output.trim(), `${truth} mismatch=0`);
});

test('shared libraries (CLI): a linked library and one dlopened after start get their probes', async () => {
  const script = `global a, asum, p, psum
probe process("${fixture('loader')}").library("${fixture('libfixture.so')}").function("lib_add").return { a++; asum += $return }
probe process("${fixture('loader')}").library("${fixture('libplugin.so')}").function("plugin_step").return { p++; psum += $return }
probe end { printf("lib_add calls=%d sum=%d\\nplugin_step calls=%d sum=%d\\n", a, asum, p, psum) }`;
  const r = await runUtap(['--engine', 'ptrace', '-c', sh`${fixture('loader')} 300`, '-e', script]);
  assert.is(r.status, 0, r.stderr);
  const [truth, traced] = [r.stdout.slice(0, r.stdout.indexOf('\n', r.stdout.indexOf('plugin_step')) + 1), r.stdout.slice(r.stdout.indexOf('\n', r.stdout.indexOf('plugin_step')) + 1)];
  assert.match(truth, /plugin_step calls=300 sum=90000/);
  assert.is(traced, truth);
});

test('-p (CLI): a library dlopened after attaching gets its probes, $i read at each call', async () => {
  const script = `global p, isum
probe process("${fixture('loader')}").library("${fixture('libplugin.so')}").function("plugin_step") { p++; isum += $i }
probe end { printf("plugin_step calls=%d args=%d\\n", p, isum) }`;
  const target = await startWaiting(fixture('loader'), ['250']);
  const run = runUtap(['--engine', 'ptrace', '-p', String(target.pid), '-e', script]);
  await new Promise((r) => setTimeout(r, 600));
  const { stdout, code } = await target.release();
  const r = await run;
  assert.is(code, 0);
  assert.is(r.status, 0, r.stderr);
  assert.match(stdout, /plugin_step calls=250 /);
  assert.is(r.stdout, `plugin_step calls=250 args=${(250 * 249) / 2}\n`);
});

test('guru mode: $return = 0 on every 3rd call of a malloc-like function; the program sees exactly those failures', async () => {
  // probe process("alloc").function("fixture_alloc").return { if (++n % 3 == 0) $return = 0 }
  const b = new ProgramBuilder();
  const n = b.scalar('n');
  b.probe([point(fixture('alloc'), 'fixture_alloc', undefined, '.return')], [],
    iff(cmp('==', bin('%', incdec(L.global(n), 1, true), lit(3)), lit(0)), ex(assign({ kind: 'reg', reg: 'rax' }, lit(0)))));
  b.probe(['end'], [], printf(b.format('n=%d\n'), [glob(n)]));
  const program = { ...b.build(), guru: true };
  const out = outFile('alloc');
  const { status, output } = await runPtrace(program, { command: sh`${fixture('alloc')} 40 > ${out}` });
  assert.is(status, 0);
  assert.is(output, 'n=40\n');
  const every3rd = [...Array(13).keys()].map((k) => 3 * (k + 1));
  assert.is(fs.readFileSync(out, 'utf8'), `calls=40 failures=13 failed=${every3rd.join(',')}\n`);
});

test('guru mode: writing an argument register at entry changes what the function computes', async () => {
  // probe work { $i = 1000 }: work(i, tag) returns i*3 + 3, so sum = n * 3003
  const b = new ProgramBuilder();
  b.probe([point(fixture('counter'), 'work')], [], ex(assign({ kind: 'reg', reg: 'rdi' }, lit(1000))));
  const out = outFile('guru-arg');
  const { status } = await runPtrace({ ...b.build(), guru: true }, { command: sh`${fixture('counter')} 50 > ${out}` });
  assert.is(status, 0);
  assert.is(fs.readFileSync(out, 'utf8'), `calls=50 sum=${50 * 3003} fib10=55\n`);
});

test.run();
