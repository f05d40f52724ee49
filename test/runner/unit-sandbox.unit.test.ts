// The unit tier's sandbox (test/support/unit-sandbox): ptrace, bpf and perf_event_open fail with
// EPERM and the process holds no capabilities, so a live test filed as unit cannot pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inUnitTier } from '../support/live';
import { runCommand } from '../support/run-utap';

const SANDBOX = path.join(__dirname, '..', 'support', 'unit-sandbox.js');
const KOFFI = require.resolve('koffi');

/** What a sandboxed node sees: each call's result and errno, and its /proc status lines. */
const PROBE = `
  const koffi = require(${JSON.stringify(KOFFI)});
  const libc = koffi.load('libc.so.6');
  const sys = libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'long']);
  const call = (...a) => { const r = sys(...a); return r < 0 ? 'errno ' + koffi.errno() : 'ok'; };
  const status = require('fs').readFileSync('/proc/self/status', 'utf8');
  const field = (name) => new RegExp('^' + name + ':\\\\s*(\\\\S+)', 'm').exec(status)[1];
  console.log(JSON.stringify({
    ptraceTraceme: call(101, 0, 0, 0, 0, 0),
    bpf: call(321, 0, 0, 0, 0, 0),
    perfEventOpen: call(298, 0, 0, -1, -1, 0),
    capEff: field('CapEff'), capPrm: field('CapPrm'), noNewPrivs: field('NoNewPrivs'), seccomp: field('Seccomp'),
  }));`;

test('in the sandbox: ptrace, bpf and perf_event_open fail with EPERM; no capabilities; no_new_privs', async () => {
  const r = await runCommand(process.execPath, ['--require', SANDBOX, '-e', PROBE]);
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), {
    ptraceTraceme: 'errno 1',
    bpf: 'errno 1',
    perfEventOpen: 'errno 1',
    capEff: '0000000000000000',
    capPrm: '0000000000000000',
    noNewPrivs: '1',
    seccomp: '2',
  });
});

test('a program the sandboxed process starts inherits the filter and holds no capabilities', async () => {
  const r = await runCommand(process.execPath, ['--require', SANDBOX, '-e', `
    const r = require('child_process').spawnSync('sh', ['-c', 'grep -E "^(Seccomp|CapEff):" /proc/self/status'], { encoding: 'utf8' });
    process.stdout.write(r.stdout);`]);
  assert.is(r.stdout, 'CapEff:\t0000000000000000\nSeccomp:\t2\n', r.stderr);
});

// Run by hand (node FILE) there is no runner to check.
if (inUnitTier) {
  test('the runner runs this file in the sandbox when it runs the unit tier', () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    assert.match(status, /^Seccomp:\s*2$/m);
    assert.match(status, /^CapEff:\s*0+$/m);
  });
}

test.run();
