// The test runner (test/run.ts) on a tree of small test files of its own: a file that hangs is
// ended with "[runner] timed out" and everything it started is killed, processes a file leaves
// behind are killed and count as a failure, a unit file runs sandboxed (a live test filed as unit
// fails), a file may declare a longer time limit, the summary ends with the tiers' times and
// `N passed, N failed`; --area, --tag and --list choose files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';
import { runCommand } from '../support/run-utap';

const distTest = path.join(__dirname, '..');
const nodeModules = path.join(repoRoot, 'node_modules');

/** A file uvu would print for `passed` of `total` tests. */
const summary = (total: number, passed: number) => `console.log('  Total:     ${total}\\n  Passed:    ${passed}\\n  Skipped:   0\\n  Duration:  1ms');`;

/** Spawns `sleep 600` in a process group of its own (as a tracee started by utap would be) and notes its pid. */
const sleeper = (pidFile: string) => `
  const child = require('child_process').spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));`;

const FILES: Record<string, (tmp: string) => string> = {
  'a/passes.unit.test': () => summary(2, 2),
  'a/hangs.test': (tmp) => `${sleeper(path.join(tmp, 'hang.pid'))}\nsetInterval(() => {}, 1000);`,
  'a/takes-4-s.test': () => `setTimeout(() => { ${summary(1, 1)} }, 4000);`,
  'a/leaves-a-process.test': (tmp) => `${sleeper(path.join(tmp, 'left.pid'))}\n${summary(1, 1)}`,
  'a/traces-in-unit.unit.test': () => `
    const koffi = require('koffi');
    const ptrace = koffi.load('libc.so.6').func('ptrace', 'long', ['long', 'long', 'long', 'long']);
    const passed = ptrace(0, 0, 0, 0) === 0 ? 1 : 0; // PTRACE_TRACEME: succeeds outside the sandbox
    console.log('  Total:     1\\n  Passed:    ' + passed + '\\n  Skipped:   0');`,
};

function alive(pidFile: string): boolean {
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  try {
    return !/^State:\s*Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

test('timeouts, leftovers, the sandbox and the summary', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-runner-'));
  try {
    // the runner's layout: ROOT/dist/test/run.js beside ROOT/test/*.ts sources
    const dist = path.join(tmp, 'dist', 'test');
    fs.mkdirSync(path.join(dist, 'support'), { recursive: true });
    fs.copyFileSync(path.join(distTest, 'run.js'), path.join(dist, 'run.js'));
    fs.copyFileSync(path.join(distTest, 'support', 'unit-sandbox.js'), path.join(dist, 'support', 'unit-sandbox.js'));
    for (const [name, body] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
      fs.mkdirSync(path.dirname(path.join(tmp, 'test', name)), { recursive: true });
      fs.writeFileSync(path.join(dist, `${name}.js`), body(tmp));
      fs.writeFileSync(path.join(tmp, 'test', `${name}.ts`), name.includes('takes-4-s') ? '// runner-timeout: 10 s\n' : '');
    }
    fs.writeFileSync(path.join(dist, 'a', 'deleted-source.test.js'), summary(1, 0)); // no .ts: not run

    const r = await runCommand(process.execPath, [path.join(dist, 'run.js')], {
      env: { ...process.env, NODE_PATH: nodeModules, UTAP_TEST_TIMEOUT_MS: '3000', UTAP_TEST_GRACE_MS: '500' },
      timeoutMs: 60_000,
    });
    const lines = r.stdout.split('\n');
    assert.match(r.stdout, /^ok {3}test\/a\/passes\.unit\.test\.js {2}2 passed, 0 failed/m, r.stdout);
    assert.match(r.stdout, /^FAIL test\/a\/traces-in-unit\.unit\.test\.js {2}0 passed, 1 failed/m);
    assert.match(r.stdout, /^FAIL test\/a\/hangs\.test\.js {2}0 passed, 1 failed/m);
    assert.match(r.stdout, /\[runner\] timed out after 3 s: killed the file's processes/);
    assert.match(r.stdout, /^ok {3}test\/a\/takes-4-s\.test\.js {2}1 passed, 0 failed/m, 'its declared limit (10 s) is above the runner\'s (3 s)');
    assert.match(r.stdout, /^FAIL test\/a\/leaves-a-process\.test\.js {2}1 passed, 1 failed/m);
    assert.match(r.stdout, /\[runner\] 1 process\(es\) still running 0\.5 s after the file ended, killed: \d+ \(sleep\)/);
    assert.not.match(r.stdout, /deleted-source/);
    assert.match(r.stdout, /^unit tier: 2 files, 2 passed, 1 failed in [\d.]+ s$/m);
    assert.match(r.stdout, /^live tier: 3 files, 2 passed, 2 failed in [\d.]+ s$/m);
    assert.is(lines.filter(Boolean).pop(), '4 passed, 3 failed');
    assert.is(r.status, 1);
    // nothing either file started is still running: not the hung file's, not the one left behind
    assert.not.ok(alive(path.join(tmp, 'hang.pid')), 'the hung file\'s child was killed');
    assert.not.ok(alive(path.join(tmp, 'left.pid')), 'the left-behind child was killed');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** A tree of passing files in two areas (one tagged), laid out as the runner expects it. */
function selectionTree(tmp: string): string {
  const dist = path.join(tmp, 'dist', 'test');
  fs.mkdirSync(path.join(dist, 'support'), { recursive: true });
  fs.copyFileSync(path.join(distTest, 'run.js'), path.join(dist, 'run.js'));
  fs.copyFileSync(path.join(distTest, 'support', 'unit-sandbox.js'), path.join(dist, 'support', 'unit-sandbox.js'));
  const files: Record<string, string> = {
    'alpha/one.unit.test': '// runner-tags: golden, fast\n',
    'alpha/two.test': '',
    'beta/three.unit.test': '',
    'beta/four.test': '// runner-tags: golden\n',
  };
  for (const [name, source] of Object.entries(files)) {
    for (const dir of [dist, path.join(tmp, 'test')]) fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dist, `${name}.js`), summary(1, 1));
    fs.writeFileSync(path.join(tmp, 'test', `${name}.ts`), source);
  }
  return path.join(dist, 'run.js');
}

test('--area, --tag and --list choose files; every option given must match', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-runner-'));
  try {
    const runJs = selectionTree(tmp);
    const run = (...args: string[]) => runCommand(process.execPath, [runJs, ...args], { env: { ...process.env, NODE_PATH: nodeModules }, timeoutMs: 60_000 });
    const ran = (stdout: string) => [...stdout.matchAll(/^ok {3}test\/(\S+)\.js/gm)].map((m) => m[1]).sort();

    let r = await run('--area', 'beta');
    assert.equal(ran(r.stdout), ['beta/four.test', 'beta/three.unit.test']);
    assert.is(r.stdout.trim().split('\n').pop(), '2 passed, 0 failed');
    r = await run('--tag', 'golden');
    assert.equal(ran(r.stdout), ['alpha/one.unit.test', 'beta/four.test'], 'a tag declared in the source, with a comma or without');
    r = await run('--tag', 'golden', '--area', 'alpha', '--tier', 'unit');
    assert.equal(ran(r.stdout), ['alpha/one.unit.test']);
    r = await run('--tag', 'live', '--tag', 'fast');
    assert.equal(ran(r.stdout), ['alpha/one.unit.test', 'alpha/two.test', 'beta/four.test'], 'tier and area are tags too; repeated options: any one matches');
    r = await run('--list', '--area', 'alpha');
    assert.is(r.stdout, 'test/alpha/one.unit.test.js  [unit alpha golden fast]\ntest/alpha/two.test.js  [live alpha]\n2 files\n');
    assert.is(r.status, 0);
    r = await run('--area', 'gamma');
    assert.is(r.status, 2);
    assert.match(r.stderr, /no test area named gamma; the areas: alpha beta/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
