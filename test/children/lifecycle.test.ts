// process.begin / .end / .thread.begin / .thread.end with SystemTap's meaning, on both engines
// (SystemTap's testsuite: systemtap.base/proc_exec.exp, utrace_p5.exp): a process begins when
// it starts running the program (forked by a process running it, exec'd into it, or running it
// when utap attached) and ends when it stops (exit, or exec of another program); threads other
// than the main one begin and end on their own. pid(), tid() and execname() are the process's.
// Ground truth from the targets themselves (runtime-c/targets/threads.c, prefork.c,
// exec-chain.c).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';
import { utapCommand } from '../support/paths';
import { detectBpfFeatures } from '../../kernel-helper/features';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-lifecycle-'));
const PREFORK = fixture('prefork');
const CHAIN = fixture('exec-chain');
const COUNTER = fixture('counter');
const THREADS = fixture('threads');
const q = (p: string) => JSON.stringify(p);

const ENGINES = ['ptrace', 'uprobe'] as const;
const missing = (engine: (typeof ENGINES)[number]) => utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);

for (const engine of ENGINES) {
  liveTest(test, `${engine}: thread.begin and thread.end once per thread, with each thread's tid; process.begin and .end once`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-threads`);
    const script = `global pb, pe; probe process.thread.begin { printf("tb %d %d\\n", pid(), tid()) } probe process.thread.end { printf("te %d %d\\n", pid(), tid()) } ` +
      `probe process.begin { pb++ } probe process.end { pe++ } probe end { printf("pb=%d pe=%d\\n", pb, pe) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${THREADS} 5 100 > ${out}`]);
    assert.is(status, 0, stderr);
    const tids = [...fs.readFileSync(out, 'utf8').matchAll(/tid=(\d+)/g)].map((m) => m[1]).sort();
    assert.is(tids.length, 5);
    const lines = stdout.trim().split('\n');
    const pids = new Set(lines.filter((l) => l.startsWith('t')).map((l) => l.split(' ')[1]));
    assert.is(pids.size, 1, 'every thread event is the target process\'s');
    assert.equal(lines.filter((l) => l.startsWith('tb ')).map((l) => l.split(' ')[2]).sort(), tids);
    assert.equal(lines.filter((l) => l.startsWith('te ')).map((l) => l.split(' ')[2]).sort(), tids);
    assert.is(lines[lines.length - 1], 'pb=1 pe=1');
  });

  liveTest(test, `${engine}: an exec chain: each exec ends the old program's process and begins the new one's, all in one pid`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-chain`);
    const script = `probe process(${q(CHAIN)}).begin { printf("chain begin %d\\n", pid()) } probe process(${q(CHAIN)}).end { printf("chain end %d\\n", pid()) } ` +
      `probe process(${q(COUNTER)}).begin { printf("counter begin %d %s\\n", pid(), execname()) } probe process(${q(COUNTER)}).end { printf("counter end %d\\n", tid()) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${CHAIN} 2 ${COUNTER} 3 > ${out}`]);
    assert.is(status, 0, stderr);
    const pid = /pid=(\d+)/.exec(fs.readFileSync(out, 'utf8'))![1];
    assert.is(stdout, `chain begin ${pid}\nchain end ${pid}\n`.repeat(3) + `counter begin ${pid} counter\ncounter end ${pid}\n`);
  });

  liveTest(test, `${engine}: prefork: process("PATH").begin and .end for the parent and each forked worker, named as the program`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-prefork`);
    const script = `global b, e; probe process(${q(PREFORK)}).begin { b[pid()]++; if (execname() != "prefork") printf("bad execname %s\\n", execname()) } ` +
      `probe process(${q(PREFORK)}).end { e[pid()]++ } probe end { foreach (p in b) printf("%d %d %d\\n", p, b[p], e[p]) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${PREFORK} 4 10 > ${out}`]);
    assert.is(status, 0, stderr);
    assert.is(fs.readFileSync(out, 'utf8'), 'workers=4 calls=10 total=40 spawned=4 failed=0\n');
    const rows = stdout.trim().split('\n');
    assert.is(rows.length, 5, stdout);
    for (const row of rows) assert.match(row, /^\d+ 1 1$/);
  });

  liveTest(test, `${engine}: vfork + exec: each worker begins at its vfork, ends at its exec, and begins again in the exec'd image`, missing(engine), async () => {
    const script = `global b, e; probe process(${q(PREFORK)}).begin { b++ } probe process(${q(PREFORK)}).end { e++ } probe end { printf("b=%d e=%d\\n", b, e) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${PREFORK} 3 2 vfork`]);
    assert.is(status, 0, stderr);
    assert.is(stdout, 'workers=3 calls=2 total=6 spawned=3 failed=0\nb=7 e=7\n');
  });

  liveTest(test, `${engine}: a script run by its interpreter: the shell's fork child begins and ends as the shell, then runs the program`, missing(engine), async () => {
    const file = path.join(tmp, `${engine}-script.sh`);
    fs.writeFileSync(file, `#!/bin/sh\n${sh`${COUNTER} 2`} > /dev/null\n`, { mode: 0o755 });
    const script = 'probe process.begin { printf("begin %s\\n", execname()) } probe process.end { printf("end %s\\n", execname()) }';
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${file}`]);
    assert.is(status, 0, stderr);
    const name = path.basename(file).slice(0, 15);
    assert.is(stdout, `begin ${name}\nbegin ${name}\nend ${name}\nbegin counter\nend counter\nend ${name}\n`);
  });
}

liveTest(test, 'uprobe: printf in a kernel handler and lifecycle probes in one script: each output where it belongs', missing('uprobe'), async () => {
  const script = `probe process(${q(PREFORK)}).function("spawn_worker").return { printf("ret %d\\n", $return == 0) } probe process.begin { printf("begin\\n") }`;
  const { status, stdout, stderr } = await runUtap(['--engine', 'uprobe', '-e', script, '-c', sh`${PREFORK} 3 2`]);
  assert.is(status, 0, stderr);
  const lines = stdout.trim().split('\n').filter((l) => !l.startsWith('workers=')).sort();
  assert.equal(lines, ['begin', 'begin', 'begin', 'begin', 'ret 0', 'ret 0', 'ret 0', 'ret 1', 'ret 1', 'ret 1']);
});

liveTest(test, 'ptrace: target_set_pid() (tapset/target_set.stp) knows the target and every worker it forked', missing('ptrace'), async () => {
  const script = `global outside, inside; probe process(${q(PREFORK)}).function("handle") { if (target_set_pid(pid())) inside++; else outside++ } ` +
    'probe end { printf("inside=%d outside=%d\\n", inside, outside); target_set_report() }';
  const { status, stdout, stderr } = await runUtap(['--engine', 'ptrace', '-e', script, '-c', sh`${PREFORK} 3 5`]);
  assert.is(status, 0, stderr);
  // every process has ended by the end probe, so the set is empty again (process.end)
  assert.is(stdout, 'workers=3 calls=5 total=15 spawned=3 failed=0\ninside=15 outside=0\ntarget set:\n');
});

liveTest(test, 'ptrace: process.begin runs on the stopped thread: register("rip") is its pc, uaddr() the same', missing('ptrace'), async () => {
  const script = 'probe process.begin { printf("rip=%s same=%d\\n", register("rip") != 0 ? "set" : "zero", register("rip") == uaddr()) }';
  const { status, stdout, stderr } = await runUtap(['--engine', 'ptrace', '-e', script, '-c', sh`${COUNTER} 1`]);
  assert.is(status, 0, stderr);
  assert.match(stdout, /^rip=set same=1$/m);
});

liveTest(test, 'uprobe: process("PATH").begin and .end without -p/-c see every process that runs PATH, one running already included', missing('uprobe'), async () => {
  // a copy of its own, so that no other process on the machine runs it meanwhile
  const copy = path.join(tmp, 'counter-copy');
  fs.copyFileSync(COUNTER, copy);
  fs.chmodSync(copy, 0o755);
  const script = `global b, e, w; probe process(${q(copy)}).begin { b++ } probe process(${q(copy)}).end { e++ } probe process(${q(copy)}).function("work") { w++ } probe end { printf("b=%d e=%d w=%d\\n", b, e, w) }`;
  // one process runs it already when utap starts: it begins then, as in SystemTap
  const early = spawn(copy, ['2', 'wait'], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise((r) => early.stdout.once('data', r));
  const utap = spawn(utapCommand, ['-v', '--engine', 'uprobe', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  utap.stdout.on('data', (d) => (stdout += d));
  utap.stderr.on('data', (d) => (stderr += d));
  try {
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('probes armed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(stderr.includes('probes armed'), stderr);
    for (const n of [3, 4, 5]) {
      await new Promise<void>((resolve, reject) => spawn(copy, [String(n)], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))));
    }
    early.stdin.end('go\n');
    await new Promise((r) => early.on('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    utap.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => utap.on('close', resolve));
    assert.is(status, 0, stderr);
    assert.is(stdout, 'b=4 e=4 w=14\n');
  } finally {
    utap.kill('SIGKILL');
    early.kill('SIGKILL');
  }
});

liveTest(test, '-l prints lifecycle points in canonical form, and pp() in their handlers is that text', missing('ptrace'), async () => {
  const listed = await runUtap(['-l', `process(${q(COUNTER)}).thread.begin`]);
  assert.is(listed.status, 0, listed.stderr);
  assert.is(listed.stdout, `process(${q(COUNTER)}).thread.begin\n`);
  const bare = await runUtap(['-l', 'process.end']);
  assert.is(bare.stdout, 'process.end\n');
  const { status, stdout, stderr } = await runUtap(['--engine', 'ptrace', '-e', `probe process(${q(COUNTER)}).end, process.begin { println(pp()) }`, '-c', sh`${COUNTER} 1`]);
  assert.is(status, 0, stderr);
  assert.is(stdout, `process.begin\ncalls=1 sum=3 fib10=55\nprocess(${q(COUNTER)}).end\n`);
});

liveTest(test, 'ptrace: process("PATH").begin without -p/-c is refused in one sentence', missing('ptrace'), async () => {
  const { status, stdout, stderr } = await runUtap(['--engine', 'ptrace', '-e', `probe process(${q(COUNTER)}).begin { println(pid()) }`]);
  assert.is(status, 2);
  assert.is(stdout, '');
  assert.is(stderr.trim().split('\n').length, 1, stderr);
  assert.match(stderr, /give -p PID or -c COMMAND/);
});

test.run();
