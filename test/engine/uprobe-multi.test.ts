// Sites sharing one kernel handler through BPF_TRACE_UPROBE_MULTI links (shared-sites.ts): a glob
// over the functions of runtime-c/counter, whose own output is the ground truth (work() N times,
// fib() 177 times for fib(10), main() once). Counts per probefunc()/pp(), $return sums, -p
// restriction with a bystander, and registered (pinned) multi links, all against the ptrace
// engine's output where it applies.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { registrationDir } from '../../kernel-helper/registry';
import { uprobeMultiSupported } from '../../kernel-helper/uprobe-multi';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapArmed } from '../support/utap-armed';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable ?? (uprobeMultiSupported() ? undefined : 'this kernel has no uprobe_multi links (Linux 6.6+)');
const COUNTER = fixture('counter');
const PER_FUNCTION = 'global n\nprobe process.function("*") { n[probefunc()]++ }\nprobe end { foreach (f+ in n) printf("%s %d\\n", f, n[f]) }';

liveTest(test, 'function("*") on one uprobe_multi link: every function counted exactly, as on ptrace', missing, async () => {
  const uprobe = await runUtap(['-v', '--engine', 'uprobe', '-c', sh`${COUNTER} 200`, '-e', PER_FUNCTION]);
  const ptrace = await runUtap(['--engine', 'ptrace', '-c', sh`${COUNTER} 200`, '-e', PER_FUNCTION]);
  assert.is(uprobe.status, 0, uprobe.stderr);
  assert.match(uprobe.stdout, /^calls=200 sum=60300 fib10=55\n/);
  assert.match(uprobe.stdout, /\nfib 177\n/);
  assert.match(uprobe.stdout, /\nmain 1\n/);
  assert.match(uprobe.stdout, /\nwork 200\n/);
  assert.is(uprobe.stdout, ptrace.stdout);
  assert.match(uprobe.stderr, /utap: \d+ sites in .*\/counter \(.*\) share one kernel handler through a uprobe_multi link/);
});

liveTest(test, 'pp() and probefunc() of the hitting site, and $return of .return sites sharing a program', missing, async () => {
  const script = [
    'global n, r',
    'probe process.function("work"), process.function("fib") { n[probefunc(), pp()]++ }',
    'probe process.function("work").return, process.function("fib").return { r[probefunc()] += $return }',
    'probe end { foreach ([f+, p] in n) printf("%s %s %d\\n", f, p, n[f, p]); foreach (f+ in r) printf("%s returned %d\\n", f, r[f]) }',
  ].join('\n');
  const uprobe = await runUtap(['-v', '--engine', 'uprobe', '-c', sh`${COUNTER} 200`, '-e', script]);
  const ptrace = await runUtap(['--engine', 'ptrace', '-c', sh`${COUNTER} 200`, '-e', script]);
  assert.is(uprobe.status, 0, uprobe.stderr);
  assert.match(uprobe.stdout, /\nfib process\("[^"]*counter"\)\.function\("fib@[^"]*"\) 177\n/);
  assert.match(uprobe.stdout, /\nwork process\("[^"]*counter"\)\.function\("work@[^"]*"\) 200\n/);
  assert.match(uprobe.stdout, /\nwork returned 60300\n/, 'the sum counter printed');
  assert.is(uprobe.stdout, ptrace.stdout);
  assert.match(uprobe.stderr, /2 sites in .*\/counter \(work, fib\) share/);
  assert.match(uprobe.stderr, /2 return sites in .*\/counter \(work, fib\) share/);
});

liveTest(test, '-p PID on a uprobe_multi link: the traced process counted, a bystander running the same binary not', missing, async () => {
  const traced = await startWaiting(COUNTER, ['300']);
  const bystander = await startWaiting(COUNTER, ['50']);
  const run = utapArmed(['--engine', 'uprobe', '-p', String(traced.pid), '-e', 'global n\nprobe process.function("work"), process.function("fib") { n[probefunc()]++ }\nprobe end { foreach (f+ in n) printf("%s %d\\n", f, n[f]) }']);
  await run.armed;
  const [truth, other] = await Promise.all([traced.release(), bystander.release()]);
  const r = await run.done;
  assert.match(truth.stdout, /calls=300 /);
  assert.match(other.stdout, /calls=50 /);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'fib 177\nwork 300\n');
  assert.match(r.stderr, /share one kernel handler through a uprobe_multi link/);
});

liveTest(test, 'registered handlers on a uprobe_multi link: --name --detach, handlers show, handlers rm', missing, async () => {
  const name = 'utap-test-multi';
  fs.rmSync(registrationDir(name), { recursive: true, force: true });
  const traced = await startWaiting(COUNTER, ['120']);
  try {
    const r = await runUtap(['--engine', 'uprobe', '--name', name, '--detach', '-p', String(traced.pid), '-e', 'global n\nprobe process.function("work"), process.function("fib") { n[probefunc()]++ }\nprobe end { foreach (f+ in n) printf("%s %d\\n", f, n[f]) }']);
    assert.is(r.status, 0, r.stderr);
    assert.match(fs.readdirSync(registrationDir(name)).join(' '), /link_0/);
    await traced.release();
    const shown = await runUtap(['handlers', 'show', name]);
    assert.is(shown.stdout, 'fib 177\nwork 120\n', shown.stderr);
    const removed = await runUtap(['handlers', 'rm', name]);
    assert.is(removed.status, 0, removed.stderr);
    assert.not.ok(fs.existsSync(registrationDir(name)));
  } finally {
    fs.rmSync(registrationDir(name), { recursive: true, force: true });
    traced.child.kill();
  }
});

test.run();
