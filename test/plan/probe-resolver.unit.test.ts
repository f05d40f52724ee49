// The process probe resolver on the fixtures, with hand-built IR: which binary, which address
// (after the prologue for .function, the entry for .call/.return, nm's address), which file
// offset (objdump -F), the build-id (readelf), lowered handlers and entry captures, libraries,
// basenames on PATH and in a traced process, stripped binaries, wrappers and bad files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UtapError } from '../../tracer/errors';
import { DEFAULT_LIMITS, type Expr, type ProbeIR, type ProgramIR, type ProbeSiteIR, type Stmt, type TargetRef } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { createProbeResolver } from '../../tracer/plan/probe-resolver';
import { parseProbePointText } from '../../tracer/plan/probe-point-text';
import { SymbolCache } from '../../symbolizer/cache';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { at, block, ex, print } from '../support/ir-builder';
import { buildDir, fixture } from '../support/paths';
import { nmCode, objdumpFileOffsets, readelfBuildId } from '../symbolizer/oracles';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-resolver-'));

const target = (name: string, path: TargetRef['path'] = []): Expr => ({ op: 'target', type: 'long', ref: { name, path, atEntry: false }, loc: at() });

function program(pointText: string, body: Stmt): ProgramIR {
  const point = parseProbePointText(pointText);
  const probe: ProbeIR = { index: 0, points: [{ ...point, loc: at() }], handler: { locals: [], body }, loc: at() };
  return { globals: [], functions: [], probes: [probe], formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru: false, sources: {} };
}

function resolve(pointText: string, body: Stmt = block(), options: { targetPid?: number; env?: NodeJS.ProcessEnv } = {}): ProbeSiteIR[] {
  const resolver = createProbeResolver({ cache: SymbolCache.disabled(), env: options.env });
  try {
    return buildPlan(program(pointText, body), { targetPid: options.targetPid, resolveProcessProbe: resolver.resolve }).sites;
  } finally {
    resolver.close();
  }
}

function failure(fn: () => unknown): UtapError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UtapError) return e;
    throw e;
  }
  throw new Error('expected a UtapError');
}

const hasTargetNodes = (x: unknown): boolean => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).includes('"op":"target"');

for (const name of ['args-O0', 'args-O2', 'args-O0-dwarf4', 'args-O2-nopie', 'args-gz']) {
  const file = fixture(name);
  test(`${name}: .call/.return at nm's address, .function after the prologue, objdump's file offsets, readelf's build-id`, () => {
    const nm = new Map(nmCode(file).map((s) => [s.name, s.address]));
    const offsets = objdumpFileOffsets(file);
    for (const fn of ['ints_signed', 'pointers', 'by_value', 'recurse']) {
      const [call] = resolve(`process("${file}").function("${fn}").call`);
      assert.is(call.vaddr, nm.get(fn), fn);
      assert.is(call.kind, 'entry');
      assert.is(call.fileOffset, offsets.get(fn)!.offset, fn);
      assert.is(call.binary, fs.realpathSync(file));
      assert.is(call.buildId, readelfBuildId(file));
      assert.is(call.function, fn);
      assert.match(call.pp, new RegExp(`^process\\("${fs.realpathSync(file)}"\\)\\.function\\("${fn}@.*args\\.c:\\d+"\\)\\.call$`));
      const [ret] = resolve(`process("${file}").function("${fn}").return`);
      assert.is(ret.kind, 'return');
      assert.is(ret.vaddr, nm.get(fn));
      // reading a $param keeps the probe after the prologue, where -O0 code has stored it
      const firstParam = { ints_signed: 'sc', pointers: 'buf', by_value: 'sh', recurse: 'depth' }[fn]!;
      const [plain] = resolve(`process("${file}").function("${fn}")`, block(ex(target(firstParam))));
      const [noVars] = resolve(`process("${file}").function("${fn}")`);
      assert.is(noVars.vaddr, nm.get(fn), `${fn}: a handler without target variables is placed on the first instruction`);
      const binary = ElfBinary.open(file);
      const record = binary.dwarf()!.functionIndex().byName(fn)[0];
      const after = binary.dwarf()!.afterPrologue(record.instances[0]);
      binary.close();
      assert.ok(plain.vaddr === after || plain.vaddr === nm.get(fn), `${fn}: after the prologue or, to keep $params, at the entry`);
      if (name.includes('O0')) assert.ok(plain.vaddr > nm.get(fn)!, `${fn}: -O0 probes after the prologue`);
    }
  });

  test(`${name}: $params are lowered for each kind of site; .return reads them through entry captures`, () => {
    const body = block(print([target('i')]), print([target('l')]));
    for (const variant of ['', '.call', '.return']) {
      const [site] = resolve(`process("${file}").function("ints_signed")${variant}`, body);
      assert.not.ok(hasTargetNodes(site.handler), `${variant}: no target nodes left`);
      if (variant === '.return') {
        assert.is(site.entryCaptures.length, 2);
        assert.ok(JSON.stringify(site.handler.body, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes('"op":"entry"'));
      } else assert.is(site.entryCaptures.length, 0);
      assert.ok(site.needs.registers.length > 0 || site.needs.readsUserMemory, 'the handler reads the target');
    }
  });
}

test('globs: function("*") lists every DWARF function and the symbol-only code; @file and :line filter', () => {
  const file = fixture('args-O0');
  const all = resolve(`process("${file}").function("*").call`);
  const names = new Set(all.map((s) => s.function));
  for (const fn of ['main', 'ints_signed', 'ints_unsigned', 'static_helper', 'recurse', '_start']) assert.ok(names.has(fn), fn);
  const ints = resolve(`process("${file}").function("ints_*@args.c").call`).map((s) => s.function).sort();
  assert.equal(ints, ['ints_signed', 'ints_unsigned']);
  assert.equal(resolve(`process("${file}").function("*@args.c:56").call`).map((s) => s.function), ['ints_signed']);
  assert.equal(resolve(`process("${file}").function("*@nosuch.c").call?`), []);
});

test('multi-file program: a static name in two files gives two sites, @file picks one', () => {
  const file = fixture('multi-O0');
  const binary = ElfBinary.open(file);
  const statics = binary.dwarf()!.functionIndex().functions.filter((f) => !f.external && f.instances.length);
  const dup = statics.find((f) => statics.filter((g) => g.name === f.name).length > 1);
  binary.close();
  assert.ok(dup, 'the fixture has a static name in two units');
  const both = resolve(`process("${file}").function("${dup!.name}").call`);
  assert.is(both.length, 2);
  const one = resolve(`process("${file}").function("${dup!.name}@${path.basename(dup!.declFile!)}").call`);
  assert.is(one.length, 1);
});

test('.statement("FUNC@file:LINE") gives sites at the line table\'s addresses inside FUNC', () => {
  const file = fixture('args-O0');
  const sites = resolve(`process("${file}").statement("ints_signed@args.c:58")`, block(print([target('i')])));
  assert.ok(sites.length >= 1);
  const binary = ElfBinary.open(file);
  for (const s of sites) {
    assert.is(s.kind, 'statement');
    assert.is(binary.dwarf()!.lineAt(s.vaddr)!.line, 58);
    assert.is(binary.symbols().at(s.vaddr)!.symbol.name, 'ints_signed');
    assert.not.ok(hasTargetNodes(s.handler));
  }
  binary.close();
  assert.equal(resolve(`process("${file}").statement("main@args.c:58")?`), [], 'line 58 is not in main');
});

test('.library("libfixture.so").function(...) resolves through the executable\'s RUNPATH', () => {
  const [site] = resolve(`process("${fixture('uselib')}").library("libfixture.so").function("lib_add").call`, block(print([target('a')])));
  assert.is(site.binary, fs.realpathSync(fixture('libfixture.so')));
  assert.is(site.vaddr, nmCode(fixture('libfixture.so')).find((s) => s.name === 'lib_add')!.address);
  const [libc] = resolve(`process("${fixture('uselib')}").library("libc.so.6").function("malloc").call`);
  assert.match(libc.binary, /libc\.so\.6$/);
});

test('a stripped binary: functions from .dynsym; $vars refused in one sentence naming the fix', () => {
  const file = fixture('args-stripped');
  const [site] = resolve(`process("${file}").function("ints_signed")`);
  assert.is(site.vaddr, nmCode(file, true).find((s) => s.name === 'ints_signed')!.address);
  assert.is(site.pp, `process("${fs.realpathSync(file)}").function("ints_signed")`);
  const e = failure(() => resolve(`process("${file}").function("ints_signed")`, block(print([target('i')]))));
  assert.is(e.status, 2);
  assert.match(e.message, /no debug information/);
  assert.not.match(e.message, /\n/);
});

test('a basename is looked up on PATH', () => {
  const [site] = resolve('process("args-O0").function("main").call', block(), { env: { PATH: `/nonexistent:${buildDir}` } });
  assert.is(site.binary, fs.realpathSync(fixture('args-O0')));
  const e = failure(() => resolve('process("no-such-program-xyz").function("main")', block(), { env: { PATH: buildDir } }));
  assert.match(e.message, /no program named no-such-program-xyz on PATH/);
});

test('with -p, a basename matches the process\'s executable and its mapped libraries', async () => {
  const child = spawn(fixture('uselib'), ['1000', '200'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolveStarted) => child.stdout!.once('data', () => resolveStarted()));
  try {
    const [exe] = resolve('process("uselib").function("main").call', block(), { targetPid: child.pid, env: { PATH: '/nonexistent' } });
    assert.is(exe.binary, fs.realpathSync(fixture('uselib')));
    const [lib] = resolve('process("libfixture.so").function("lib_greet").call', block(), { targetPid: child.pid, env: { PATH: '/nonexistent' } });
    assert.is(lib.binary, fs.realpathSync(fixture('libfixture.so')));
    const [target0] = resolve('process.function("main").call', block(), { targetPid: child.pid });
    assert.is(target0.binary, fs.realpathSync(fixture('uselib')));
  } finally {
    child.kill('SIGKILL');
  }
  const e = failure(() => resolve('process.function("main")'));
  assert.match(e.message, /-p PID or -c CMD/);
});

test('a script wrapper is refused, naming the real program', () => {
  const wrapperDir = path.join(tmp, 'bin');
  fs.mkdirSync(wrapperDir, { recursive: true });
  const wrapper = path.join(wrapperDir, 'args-O0');
  fs.writeFileSync(wrapper, '#!/bin/sh\nexec /somewhere/args-O0 "$@"\n', { mode: 0o755 });
  const e = failure(() => resolve(`process("${wrapper}").function("main")`));
  assert.is(e.status, 2);
  assert.match(e.message, /is a script run by \/bin\/sh, not a program utap can probe/);
  if (fs.existsSync('/usr/bin/psql') && fs.existsSync('/usr/lib/postgresql/15/bin/psql')) {
    const psql = failure(() => resolve('process("psql").function("SendQuery")', block(), { env: { PATH: '/usr/bin' } }));
    assert.match(psql.message, /\/usr\/bin\/psql \(→ \/usr\/share\/postgresql-common\/pg_wrapper\) is a script run by \/usr\/bin\/perl/);
    assert.match(psql.message, /process\("\/usr\/lib\/postgresql\/15\/bin\/psql"\)/);
  }
});

test('a missing file, a text file and a truncated ELF each give one sentence, status 2', () => {
  const text = path.join(tmp, 'notes.txt');
  fs.writeFileSync(text, 'hello\n');
  const truncated = path.join(tmp, 'truncated');
  fs.writeFileSync(truncated, fs.readFileSync(fixture('args-O0')).subarray(0, 2000));
  for (const [file, pattern] of [
    [path.join(tmp, 'missing'), /there is no file/],
    [text, /not an ELF binary/],
    [truncated, /not an ELF file utap can read/],
  ] as const) {
    const e = failure(() => resolve(`process("${file}").function("main")`));
    assert.is(e.status, 2, file);
    assert.match(e.message, pattern);
    assert.not.match(e.message, /\n/);
  }
});

test('a pattern that matches nothing is a script error unless the point is optional', () => {
  const e = failure(() => resolve(`process("${fixture('args-O0')}").function("no_such_function")`));
  assert.is(e.status, 1);
  assert.match(e.message, /matches nothing/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
