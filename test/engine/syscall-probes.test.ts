// System-call probes on both engines, against runtime-c/targets/syscalls.c, which prints how many
// calls of which kind it made and what they returned: exact counts, $argN and $$parms at entry,
// $return at exit, syscall_name(), per-thread counts, -c and -p (and SystemTap's -x), the
// target unharmed (its own output and exit status as without utap).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { startWaiting } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { utapArmed } from '../support/utap-armed';

const TARGET = fixture('syscalls');
const N = 40;
const THREADS = 3;

// getpgid is 121, pwrite64 18, dup 32, getsid 124 (x86-64); the target's unknown call is 0xfff.
const SCRIPT = `
global getpgid, pwrite_bytes, pwrite_returned, names, getsid, nosys, nosys_return, parms, dup_return, execs
probe process("syscalls").syscall {
  if ($syscall == 121) getpgid++
  else if ($syscall == 18) pwrite_bytes += $arg3
  else if ($syscall == 124) getsid[tid()]++
  else if ($syscall == 0xfff) { nosys = $arg1 + $arg2 + $arg3 + $arg4 + $arg5 + $arg6; parms = $$parms }
  if ($syscall == 121 || $syscall == 32) names[syscall_name($syscall)]++
}
probe process("syscalls").syscall.return {
  if ($syscall == 18) pwrite_returned += $return
  else if ($syscall == 0xfff) nosys_return = $return
  else if ($syscall == 32) dup_return = $return
  else if (syscall_name($syscall) == "execve" && $return == 0) execs++
}
probe end {
  printf("getpgid %d pwrite %d/%d nosys %x %d dup %d execve %d\\n", getpgid, pwrite_bytes, pwrite_returned, nosys, nosys_return, dup_return, execs)
  printf("%s\\n", parms)
  foreach (n+ in names) printf("%s %d\\n", n, names[n])
  foreach (t in getsid) printf("thread %d\\n", getsid[t])
}`;

const TRUTH = `getpgid ${N} pwrite ${N} bytes ${(N * (N + 1)) / 2} nosys -38 dup -9 threads ${THREADS} getsid ${N * THREADS}\n`;
const EXPECTED = [
  `getpgid ${N} pwrite ${(N * (N + 1)) / 2}/${(N * (N + 1)) / 2} nosys 165 -38 dup -9 execve EXECS`,
  '$arg1=0x11 $arg2=0x22 $arg3=0x33 $arg4=0x44 $arg5=0x55 $arg6=0x66',
  'dup 1',
  `getpgid ${N}`,
  ...Array.from({ length: THREADS }, () => `thread ${N}`),
  '',
].join('\n');

const engines = [
  { engine: 'ptrace' as const, missing: utapMissing('ptrace') },
  { engine: 'uprobe' as const, missing: utapMissing('uprobe') ?? detectBpfFeatures().unavailable },
];

for (const { engine, missing } of engines) {
  liveTest(test, `${engine}: -c: exact counts, $argN, $$parms, $return and syscall_name() of a program's system calls, threads too`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-c', sh`${TARGET} ${N} ${THREADS}`, '-e', SCRIPT], { timeoutMs: 60_000 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, TRUTH + EXPECTED.replace('EXECS', '1')); // the command's own execve returns in it
  });

  liveTest(test, `${engine}: function probes and system-call probes in one script: both exact (breakpoint resumes keep the system-call stops)`, missing, async () => {
    const script = 'global n, e; probe process.function("work") { n++ } probe process.syscall { if (syscall_name($syscall) == "exit_group") e++ } probe end { printf("work %d exit_group %d\\n", n, e) }';
    const r = await runUtap(['--engine', engine, '-c', sh`${fixture('counter')} 300`, '-e', script]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /\nwork 300 exit_group 1\n$/);
  });

  liveTest(test, `${engine}: -x PID (SystemTap's -p): the running process's calls; it runs on unharmed`, missing, async () => {
    const target = await startWaiting(TARGET, [String(N), String(THREADS)]);
    const { armed, done } = utapArmed(['--engine', engine, '-x', String(target.pid), '-e', SCRIPT]);
    try {
      await armed;
      const truth = await target.release();
      const r = await done;
      assert.is(r.status, 0, r.stderr);
      assert.is(truth.stdout, TRUTH);
      assert.is(truth.code, 0);
      assert.is(r.stdout, EXPECTED.replace('EXECS', '0'));
    } finally {
      killQuietly(target.pid);
    }
  });
}

liveTest(test, 'both engines see the same calls of a -c program, by name, at entry and at return (not its shell\'s before the exec)', engines[0].missing ?? engines[1].missing, async () => {
  const script = 'global n, r; probe process.syscall { n[syscall_name($syscall)]++ } probe process.syscall.return { r[syscall_name($syscall)]++ } probe end { foreach (k+ in n) printf("%s %d;", k, n[k]); printf("\\n"); foreach (k+ in r) printf("%s %d;", k, r[k]); printf("\\n") }';
  const [ptrace, uprobe] = await Promise.all(['ptrace', 'uprobe'].map((engine) => runUtap(['--engine', engine, '-c', sh`${TARGET} 5`, '-e', script])));
  assert.is(ptrace.status, 0, ptrace.stderr);
  assert.is(uprobe.status, 0, uprobe.stderr);
  assert.match(ptrace.stdout, /getpgid 5;/);
  assert.match(ptrace.stdout, /\n.*execve 1;/); // its own execve's return, in it
  assert.not.match(ptrace.stdout, /^.*(?:dup2|fcntl|execve) \d+;.*\n.*\n$/); // at entry: none of the shell's
  assert.is(uprobe.stdout, ptrace.stdout);
});

liveTest(test, 'ptrace: ending the trace while the target runs on leaves it untraced and running (no system-call stops left behind)', utapMissing('ptrace'), async () => {
  const target = await startWaiting(TARGET, ['200000']);
  const { armed, done } = utapArmed(['--engine', 'ptrace', '-p', String(target.pid), '-e', 'global n; probe process.syscall { if (++n == 1000) exit() }']);
  try {
    await armed;
    const truth = target.release();
    const r = await done;
    assert.is(r.status, 0, r.stderr);
    const t = await truth;
    assert.is(t.code, 0);
    assert.match(t.stdout, /getpgid 200000 pwrite 200000/);
  } finally {
    killQuietly(target.pid);
  }
});

liveTest(test, 'uprobe: a handler reading what the tracepoint record lacks is refused in one sentence; auto then takes ptrace', engines[1].missing, async () => {
  const script = 'global n; probe process.syscall { if ($syscall == 121 && register("rsp") != 0) n++ } probe end { println(n) }';
  const refused = await runUtap(['--engine', 'uprobe', '-c', sh`${TARGET} 3`, '-e', script]);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /reads register rsp, which the kernel's system-call tracepoint does not give/);
  const auto = await runUtap(['-v', '-c', sh`${TARGET} 3`, '-e', script]);
  assert.is(auto.status, 0, auto.stderr);
  assert.match(auto.stderr, /engine: ptrace \(auto\)/);
  assert.match(auto.stdout, /\n3\n$/);
});

liveTest(test, 'a handler may not write $return; $arg1 means nothing in .syscall.return (SystemTap\'s rules)', utapMissing(), async () => {
  const write = await runUtap(['-g', '--engine', 'ptrace', '-c', sh`${TARGET} 1`, '-e', 'probe process.syscall.return { $return = 0 }']);
  assert.is(write.status, 1);
  assert.match(write.stderr, /\$return is read-only/);
  const arg = await runUtap(['--engine', 'ptrace', '-c', sh`${TARGET} 1`, '-e', 'probe process.syscall.return { println($arg1) }']);
  assert.is(arg.status, 1);
  assert.match(arg.stderr, /\$arg1 is not available here/);
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone: the usual case
  }
}

test.run();
