// Registered handlers (--name, --detach, utap handlers list|show|rm) on a real process: the
// kernel handlers keep counting after the registering run has ended, `utap handlers show` prints
// the aggregates through the script's end probe (read from the pinned maps), `rm` disarms and
// frees everything; a user who may not trace the target may not read or remove them.
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlanIR } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { registeredNames, registrationDir } from '../../kernel-helper/registry';
import { uprobeEngine } from '../../tracer/engine/uprobe/engine';
import { agg, ex, glob, incdec, L, printf, ProgramBuilder, reg, statsAdd } from '../support/ir-builder';
import { fixtureResolver } from '../support/fixture-resolver';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runEngine } from '../support/run-engine';
import { runCommand, runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { sh } from '../support/shell';
import { readableCopy } from '../support/readable-copy';

const missing = detectBpfFeatures().unavailable;
const BINARY = fixture('uprobe-hits');
const SCRIPT = { file: 'count-hits.stp', text: 'global calls, s\nprobe process.function("hit") { calls++; s <<< $i }\nprobe end { printf("calls %d sum %d max %d\\n", calls, @sum(s), @max(s)) }\n' };

/** `withMax`: the end probe reads @max, an error while nothing was aggregated (as in SystemTap). */
function plan(withMax = true): PlanIR {
  const b = new ProgramBuilder();
  const calls = b.scalar('calls');
  const s = b.stats('s');
  const fmt = b.format(withMax ? 'calls %d sum %d max %d\n' : 'calls %d sum %d\n');
  b.probe(['process.function("hit")'], [], ex(incdec(L.global(calls), 1, false)), statsAdd({ global: s }, reg('rdi')));
  b.probe(['end'], [], printf(fmt, [glob(calls), agg('sum', s), ...(withMax ? [agg('max', s)] : [])]));
  return buildPlan(b.build(), { resolveProcessProbe: fixtureResolver(BINARY) });
}

async function rejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a failure matching ${pattern}`);
}

function clearName(name: string): void {
  fs.rmSync(registrationDir(name), { recursive: true, force: true });
}

liveTest(test, '--detach: handlers keep counting after utap ends; list, show (end probe over pinned maps), rm', missing, async () => {
  const name = 'utap-test-detach';
  clearName(name);
  const traced = await startWaiting(BINARY, ['3000']);
  let released = false;
  try {
    const run = await runEngine(uprobeEngine, plan(), { pid: traced.pid, handlerName: name, detach: true, script: SCRIPT });
    assert.is(run.status, 0);
    assert.is(run.stdout, '', 'a detached run prints no end output');
    assert.ok(registeredNames().includes(name));
    // The registering run is over; the target now makes its 3000 calls.
    const truth = await traced.release();
    released = true;
    assert.match(truth.stdout, /calls 3000 sum 4498500/);

    const listed = await runUtap(['handlers', 'list']);
    assert.is(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${name}\\s+root\\s+pid ${traced.pid} \\(exited\\)\\s+detached\\s+1\\s+count-hits\\.stp$`, 'm'));

    const shown = await runUtap(['handlers', 'show', name]);
    assert.is(shown.stderr, '');
    assert.is(shown.status, 0);
    assert.is(shown.stdout, 'calls 3000 sum 4498500 max 2999\n');
    const json = await runUtap(['handlers', 'show', name, '--json']);
    assert.is(json.status, 0, json.stderr);
    assert.match(json.stdout, /"calls 3000 sum 4498500 max 2999\\n"/);

    // Someone who may not trace the target (it is gone: only the owner, root) may not read or remove.
    for (const action of ['show', 'rm']) {
      const denied = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, readableCopy('nobody').utapBin, 'handlers', action, name]);
      assert.is(denied.status, 2, denied.stderr);
      assert.is(denied.stderr.trim().split('\n').length, 1, denied.stderr);
      assert.match(denied.stderr, /^utap: /);
    }
    assert.ok(registeredNames().includes(name));

    const removed = await runUtap(['handlers', 'rm', name]);
    assert.is(removed.status, 0, removed.stderr);
    assert.not.ok(registeredNames().includes(name));
    assert.not.ok(fs.existsSync(registrationDir(name)));
    const again = await runUtap(['handlers', 'show', name]);
    assert.is(again.status, 2);
    assert.match(again.stderr, /^utap: no handlers are registered as 'utap-test-detach'/);
  } finally {
    clearName(name);
    if (!released) await traced.release();
  }
});

liveTest(test, '--name without --detach: registered while utap runs (show reads the live maps), removed when it ends', missing, async () => {
  const name = 'utap-test-live';
  clearName(name);
  const traced = await startWaiting(BINARY, ['500']);
  let seenWhileRunning = '';
  const running = runEngine(uprobeEngine, plan(false), {
    pid: traced.pid,
    handlerName: name,
    script: SCRIPT,
    onLog: (line) => {
      if (line.startsWith('handlers registered as')) seenWhileRunning = line;
    },
  });
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.match(seenWhileRunning, /handlers registered as utap-test-live \(\/sys\/fs\/bpf\/utap\/utap-test-live\/\)/);
    const listed = await runUtap(['handlers', 'list']);
    assert.match(listed.stdout, new RegExp(`^${name}\\s+root\\s+pid ${traced.pid}\\s+attached to utap ${process.pid}`, 'm'));
    const shown = await runUtap(['handlers', 'show', name]);
    assert.is(shown.stdout, 'calls 0 sum 0\n', shown.stderr);
    await traced.release();
    const run = await running;
    assert.is(run.status, 0);
    assert.is(run.stdout, 'calls 500 sum 124750\n');
    assert.not.ok(registeredNames().includes(name));
  } finally {
    clearName(name);
    traced.child.kill();
  }
});

liveTest(test, 'a name already registered, a bad name and --detach with -c are refused in one sentence', missing, async () => {
  const name = 'utap-test-taken';
  clearName(name);
  const first = await startWaiting(BINARY, ['10']);
  const second = await startWaiting(BINARY, ['10']);
  try {
    assert.is((await runEngine(uprobeEngine, plan(), { pid: first.pid, handlerName: name, detach: true })).status, 0);
    await rejects(() => runEngine(uprobeEngine, plan(), { pid: second.pid, handlerName: name, detach: true }), /handlers named 'utap-test-taken' are already registered/);
    await rejects(() => runEngine(uprobeEngine, plan(), { pid: second.pid, handlerName: '../x' }), /'\.\.\/x' is not a handler name/);
    await rejects(() => runEngine(uprobeEngine, plan(), { command: sh`${BINARY} 10`, handlerName: 'x', detach: true }), /--detach cannot leave handlers on a command utap starts/);
  } finally {
    clearName(name);
    await first.release();
    await second.release();
  }
});

// The access rule itself, run as an unprivileged user (nobody) against real processes.
liveTest(test, 'only a user who may trace the target may read or remove its handlers', missing, async () => {
  const asNobody = spawn('runuser', ['-u', 'nobody', '--', 'sleep', '30']);
  await new Promise((r) => setTimeout(r, 200));
  const nobodySleep = Number(fs.readFileSync(`/proc/${asNobody.pid}/task/${asNobody.pid}/children`, 'latin1').trim());
  try {
    const probe = `
      const { checkAccess } = require(${JSON.stringify(readableCopy('nobody').dist('tracer/engine/uprobe/registration.js'))});
      const meta = (pid) => ({ name: 'n', owner: { uid: 0, user: 'root' }, target: pid === undefined ? {} : { pid } });
      const tryIt = (m, owner) => { try { checkAccess(m, owner, 'read'); return 'ok'; } catch (e) { return e.message; } };
      console.log(JSON.stringify([tryIt(meta(${nobodySleep}), 0), tryIt(meta(1), 65534), tryIt(meta(999999), 65534), tryIt(meta(999999), 0), tryIt(meta(undefined), 0)]));`;
    const r = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, '-e', probe]);
    assert.is(r.status, 0, r.stderr);
    const [ownProcess, rootProcess, goneOwned, goneNotOwned, systemWide] = JSON.parse(r.stdout) as string[];
    assert.is(ownProcess, 'ok');
    assert.match(rootProcess, /only a user who may trace process 1 may/);
    assert.is(goneOwned, 'ok');
    assert.match(goneNotOwned, /only their owner \(root\) or root may/);
    assert.match(systemWide, /only their owner/);
  } finally {
    asNobody.kill();
  }
});

test.run();
