// The uprobe engine through the real command line: `-p PID` on a running process (a bystander
// running the same binary is not counted), and `--name --detach` then `utap handlers show|rm`.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { registrationDir } from '../../kernel-helper/registry';
import { uprobeMultiSupported } from '../../kernel-helper/uprobe-multi';
import { liveTest } from '../support/live';
import { fdTargets } from '../support/open-fds';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { utapArmed } from '../support/utap-armed';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable;
const HITS = fixture('uprobe-hits');
const SCRIPT = 'global n, s\nprobe process.function("hit") { n++; s <<< $i }\nprobe end { printf("n %d sum %d max %d\\n", n, @sum(s), @max(s)) }';

liveTest(test, 'utap --engine uprobe -p PID: every call of the traced process, none of a bystander\'s', missing, async () => {
  const traced = await startWaiting(HITS, ['300']);
  const bystander = await startWaiting(HITS, ['50']);
  const { child, armed, done } = utapArmed(['--engine', 'uprobe', '-p', String(traced.pid), '-e', SCRIPT]);
  await armed;
  const kinds = fdTargets(child.pid!);
  if (uprobeMultiSupported()) assert.ok(kinds.includes('anon_inode:bpf_link'), `one uprobe_multi link where the kernel has them: ${kinds.join(' ')}`);
  const [truth] = await Promise.all([traced.release(), bystander.release()]);
  const r = await done;
  assert.match(truth.stdout, /calls 300 sum 44850/);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'n 300 sum 44850 max 299\n');
  assert.match(r.stderr, /function\("hit@[^"]*"\) at .*: kernel handler \(eBPF\)/);
  assert.match(r.stderr, new RegExp(`probes armed for process ${traced.pid}`));
});

liveTest(test, 'kernels without uprobe_multi links (UTAP_UPROBE_MULTI=0): a perf event per site, entry and return, the traced process only', missing, async () => {
  const traced = await startWaiting(HITS, ['300']);
  const bystander = await startWaiting(HITS, ['50']);
  const script = 'global n, r\nprobe process.function("hit") { n++ }\nprobe process.function("hit").return { r += $return }\nprobe end { printf("n %d r %d\\n", n, r) }';
  process.env.UTAP_UPROBE_MULTI = '0';
  let run: ReturnType<typeof utapArmed>;
  try {
    run = utapArmed(['--engine', 'uprobe', '-p', String(traced.pid), '-e', script]);
  } finally {
    delete process.env.UTAP_UPROBE_MULTI;
  }
  await run.armed;
  const kinds = fdTargets(run.child.pid!);
  await Promise.all([traced.release(), bystander.release()]);
  const r = await run.done;
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'n 300 r 89700\n');
  assert.ok(kinds.filter((k) => k === 'anon_inode:[perf_event]').length >= 2, kinds.join(' '));
  assert.not.ok(kinds.includes('anon_inode:bpf_link'), kinds.join(' '));
});

liveTest(test, 'a full ring buffer: the records utap could not get are counted and reported, none lost silently; the run exits 1', missing, async () => {
  const calls = 300_000; // about twice what the 4 MiB ring holds of these records
  const traced = await startWaiting(HITS, [String(calls)]);
  const run = utapArmed(['--engine', 'uprobe', '-p', String(traced.pid), '-e', 'probe process.function("hit") { printf("%d\\n", $i) }']);
  await run.armed;
  run.child.kill('SIGSTOP'); // utap reads nothing while the target makes its calls
  try {
    const truth = await traced.release();
    assert.match(truth.stdout, new RegExp(`calls ${calls} `));
  } finally {
    run.child.kill('SIGCONT');
  }
  const r = await run.done;
  assert.is(r.status, 1, `incomplete output fails the run: ${r.stderr}`);
  const lost = /utap: warning: (\d+) records from the kernel handlers \(printf output, event-mode hits\) could not be sent: the 4 MiB ring buffer to utap was full/.exec(r.stderr);
  assert.ok(lost, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.ok(lines.length > 0 && Number(lost[1]) > 0);
  assert.is(lines.length + Number(lost[1]), calls);
  // What came through is the first calls, each once, in order: the ring filled and stayed full.
  assert.ok(lines.every((line, i) => Number(line) === i), 'a prefix of the calls');
});

liveTest(test, 'utap --name --detach -p PID, then utap handlers show and rm', missing, async () => {
  const name = 'utap-test-cli';
  fs.rmSync(registrationDir(name), { recursive: true, force: true });
  const traced = await startWaiting(HITS, ['120']);
  try {
    const r = await runUtap(['--engine', 'uprobe', '--name', name, '--detach', '-p', String(traced.pid), '-e', SCRIPT]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^utap: handlers 'utap-test-cli' keep collecting in process \d+; see them with: utap handlers show utap-test-cli/);
    await traced.release();
    const shown = await runUtap(['handlers', 'show', name]);
    assert.is(shown.stdout, 'n 120 sum 7140 max 119\n', shown.stderr);
    const removed = await runUtap(['handlers', 'rm', name]);
    assert.is(removed.status, 0, removed.stderr);
    assert.not.ok(fs.existsSync(registrationDir(name)));
  } finally {
    fs.rmSync(registrationDir(name), { recursive: true, force: true });
    traced.child.kill();
  }
});

liveTest(test, 'without -p/-c a process probe is system-wide: every process running the binary, on any CPU, counted exactly once', missing, async () => {
  const counter = fixture('counter');
  const script = `global n\nprobe process("${counter}").function("work") { n[pid()]++ }\nprobe end { foreach ([p+] in n) printf("%d\\n", n[p]) }`;
  const run = utapArmed(['--engine', 'uprobe', '-e', script]);
  await run.armed;
  const cpus = os.cpus().length;
  const runs = [[0, 120], [1, 45], [0, 7]];
  for (const [cpu, calls] of runs) {
    const r = spawnSync('taskset', ['-c', String(cpu % cpus), counter, String(calls)], { encoding: 'utf8' });
    assert.match(r.stdout, new RegExp(`calls=${calls} `));
  }
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.status, 0, r.stderr);
  // pids grow, so the sorted keys list the runs in order
  assert.is(r.stdout, runs.map(([, calls]) => `${calls}\n`).join(''));
});

test.run();
