// The session driver's contract (tracer/runtime/session-driver.ts), on real sessions of
// hand-built programs in this process: a stop signal held from before begin ends the run through
// end(); pending() runs before every timer and every stop; the target's exit through a pidfd and
// through the /proc fallback; a -c child's status and warning reach end(); a throwing callback
// rejects the run and leaves no signal listener behind. Signals go to this very process, which
// the StopSignals under test catch.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../tracer/plan/plan';
import { openSession } from '../../tracer/runtime/open-session';
import type { Session } from '../../tracer/runtime/session';
import { driveSession, processAlive, watchProcessExit, type DrivenSession, type TargetOutcome } from '../../tracer/runtime/session-driver';
import { STOP_SIGNALS, StopSignals, stopSignalCode, stopSignalOf } from '../../tracer/runtime/stop-signals';
import { program } from '../support/driver-child';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-driver-'));
let files = 0;

/** A session of one of driver-child's programs, its output (JSON lines) in a file of its own. */
function sessionOf(name: string): { session: Session; output: () => string } {
  const file = path.join(dir, `out-${files++}`);
  const session = openSession(buildPlan(program(name)), { json: true, outputFile: file });
  return { session, output: () => fs.readFileSync(file, 'utf8') };
}

function exitReason(output: string): string {
  const exit = output.trim().split('\n').map((l) => JSON.parse(l) as { type: string; reason?: string }).find((r) => r.type === 'exit');
  return exit?.reason ?? 'none';
}

const listeners = () => STOP_SIGNALS.map((s) => process.listenerCount(s));

test('stop signal codes round-trip; 0 is none', () => {
  for (const s of STOP_SIGNALS) assert.is(stopSignalOf(stopSignalCode(s)), s);
  assert.is(stopSignalOf(0), undefined);
});

test('a signal that came before forward() is held and delivered at once, the first one only', () => {
  const before = listeners();
  const signals = new StopSignals();
  process.kill(process.pid, 'SIGHUP');
  process.kill(process.pid, 'SIGINT');
  return new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => {
    assert.is(signals.pending, 'SIGHUP');
    const got: string[] = [];
    signals.forward((s) => got.push(s));
    assert.equal(got, ['SIGHUP']);
    signals.close();
    assert.equal(listeners(), before);
  });
});

for (const signal of STOP_SIGNALS) {
  test(`${signal} held during begin ends the run through end(), reason ${signal}`, async () => {
    const before = listeners();
    const { session, output } = sessionOf('ticker');
    const signals = new StopSignals();
    session.begin();
    process.kill(process.pid, signal);
    await new Promise((r) => setTimeout(r, 50));
    const outcomes: TargetOutcome[] = [];
    const status = await driveSession({ session, signals, timers: session.plan.timers, end: (o) => (outcomes.push(o), session.finish(o.status)) });
    session.close();
    assert.is(status, 0);
    assert.equal(outcomes, [{ status: 0 }]);
    assert.is(exitReason(output()), signal);
    assert.equal(listeners(), before);
  });
}

/** A session whose timer() and stop() calls are logged, around the real one. */
function logged(session: Session, log: string[]): DrivenSession {
  return {
    get running() {
      return session.running;
    },
    timer: (i) => (log.push('timer'), session.timer(i)),
    flush: () => session.flush(),
    stop: (reason) => (log.push(`stop ${reason}`), session.stop(reason)),
  };
}

test('pending() runs before every timer', async () => {
  const { session, output } = sessionOf('count-to-3');
  const log: string[] = [];
  session.begin();
  const status = await driveSession({ session: logged(session, log), signals: new StopSignals(), timers: session.plan.timers, pending: () => log.push('pending'), end: (o) => session.finish(o.status) });
  session.close();
  assert.is(status, 0);
  // (a tick may come a little early and fire nothing: then 'pending' stands alone)
  assert.is(log.filter((l) => l === 'timer').length, 3);
  log.forEach((l, i) => l === 'timer' && assert.is(log[i - 1], 'pending'));
  assert.is(exitReason(output()), 'exit');
});

test('pending() runs before the stop', async () => {
  const { session, output } = sessionOf('ticker');
  const log: string[] = [];
  const signals = new StopSignals();
  session.begin();
  process.kill(process.pid, 'SIGINT');
  await new Promise((r) => setTimeout(r, 50));
  const status = await driveSession({ session: logged(session, log), signals, timers: session.plan.timers, pending: () => log.push('pending'), end: (o) => session.finish(o.status) });
  session.close();
  assert.is(status, 0);
  assert.equal(log, ['pending', 'stop SIGINT']);
  assert.is(exitReason(output()), 'SIGINT');
});

test('the target process exiting ends the run (pidfd)', async () => {
  const { session, output } = sessionOf('ticker');
  const sleeper = spawn('sleep', ['0.3']);
  try {
    session.begin();
    const status = await driveSession({ session, signals: new StopSignals(), timers: session.plan.timers, target: () => ({ pid: sleeper.pid! }), end: (o) => session.finish(o.status) });
    session.close();
    assert.is(status, 0);
    assert.is(exitReason(output()), 'target-exited');
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('watchProcessExit: by pidfd and by polling /proc, once each; a process already gone at once', async () => {
  for (const pidfd of [true, false]) {
    const sleeper = spawn('sleep', ['0.2']);
    try {
      let calls = 0;
      await new Promise<void>((resolve) => {
        watchProcessExit(sleeper.pid!, () => {
          calls++;
          setTimeout(resolve, 250);
        }, { pidfd, pollMs: 20 });
      });
      assert.is(calls, 1, `pidfd: ${pidfd}`);
      assert.not.ok(processAlive(sleeper.pid!));
    } finally {
      sleeper.kill('SIGKILL');
    }
  }
  const gone = spawn('true');
  await new Promise((r) => gone.on('exit', r));
  await new Promise((r) => setTimeout(r, 50)); // reaped by Node by now
  for (const pidfd of [true, false]) {
    let calls = 0;
    watchProcessExit(gone.pid!, () => calls++, { pidfd });
    assert.is(calls, 1, `already gone, pidfd: ${pidfd}`);
  }
});

test("a child target: its status and SystemTap's warning reach end()", async () => {
  const { session } = sessionOf('ticker');
  session.begin();
  const child = spawn('/bin/sh', ['-c', 'exit 3']);
  const outcomes: TargetOutcome[] = [];
  const status = await driveSession({ session, signals: new StopSignals(), timers: session.plan.timers, target: () => ({ child, command: 'exit 3' }), end: (o) => (outcomes.push(o), session.finish(o.status)) });
  session.close();
  assert.is(status, 3);
  assert.equal(outcomes, [{ status: 3, warning: 'Warning: child process exited with status 3' }]);
});

test('a throwing event callback rejects the run; nothing is left listening', async () => {
  const before = listeners();
  const { session } = sessionOf('ticker');
  session.begin();
  let ended = false;
  let stopped = false;
  const run = driveSession({
    session,
    signals: new StopSignals(),
    timers: session.plan.timers,
    sources: (callback) => {
      setTimeout(callback(() => {
        throw new Error('a utap bug');
      }), 10);
      return () => (stopped = true);
    },
    end: () => ((ended = true), 0),
  });
  await run.then(() => assert.unreachable('resolved'), (error: Error) => assert.is(error.message, 'a utap bug'));
  session.close();
  assert.ok(stopped, 'sources stopped');
  assert.not.ok(ended, 'end() is for runs that end, not for bugs');
  assert.equal(listeners(), before);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
