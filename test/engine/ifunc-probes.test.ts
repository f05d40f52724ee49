// Probes on IFUNC symbols (ifunc-location.ts) go where the calls go, against targets whose own
// output is the ground truth: runtime-c/ifunc-calls calls libc's strlen N times on a marker
// string, runtime-c/ifunc-user calls ifunc_add() of libifunc.so N times, whose resolver picks
// add_fast or add_slow by the command line. On both engines: strlen counted exactly with -c
// (resolved in utap's own process, which loads the same libc) and -p (read from the target);
// ifunc_add with -p on the implementation that process chose, with -c (its library not in utap)
// on each implementation the resolver names, with a warning; and -l says which.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapArmed } from '../support/utap-armed';
import { engineMissing, utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const CALLS = fixture('ifunc-calls');
const USER = fixture('ifunc-user');
const LIB = fixture('libifunc.so');
const STRLEN = 'global n\nprobe process.library("libc.so.6").function("strlen") { if (user_string(pointer_arg(1)) == "utap-ifunc-marker") n++ }\nprobe end { printf("marked %d\\n", n) }';
const ADD = `global n\nprobe process("${LIB}").function("ifunc_add") { n++ }\nprobe end { printf("ifunc_add %d\\n", n) }`;

for (const engine of ['uprobe', 'ptrace'] as const) {
  const missing = utapMissing(engine) ?? engineMissing(engine);

  liveTest(test, `${engine}: -c, strlen (an IFUNC) counted on the implementation, exactly`, missing, async () => {
    const r = await runUtap(['-v', '--engine', engine, '-c', sh`${CALLS} 700`, '-e', STRLEN]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^strlen_calls=700 sum=11900\n/);
    assert.match(r.stdout, /\nmarked 700\n$/);
    assert.match(r.stderr, /function\("strlen"\): ifunc: resolved to __strlen_\w+ in utap's own process/);
    assert.not.match(r.stderr, /warning/);
  });

  liveTest(test, `${engine}: -p, strlen resolved from the traced process's GOT and counted exactly`, missing, async () => {
    const target = await startWaiting(CALLS, ['300']);
    try {
      const run = utapArmed(['--engine', engine, '-p', String(target.pid), '-e', STRLEN]);
      await run.armed;
      const truth = await target.release();
      const r = await run.done;
      assert.is(truth.stdout, 'strlen_calls=300 sum=5100\n');
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, 'marked 300\n');
      assert.match(r.stderr, new RegExp(`ifunc: resolved to __strlen_\\w+ in process ${target.pid}\\n`));
    } finally {
      target.child.kill();
    }
  });

  liveTest(test, `${engine}: -p, an IFUNC of another library on the implementation that process chose`, missing, async () => {
    for (const which of ['fast', 'slow']) {
      const target = await startWaiting(USER, which === 'slow' ? ['90', 'slow'] : ['90']);
      try {
        const run = utapArmed(['--engine', engine, '-p', String(target.pid), '-e', `${ADD}\nprobe process("${LIB}").function("add_${which === 'fast' ? 'slow' : 'fast'}") { printf("wrong one\\n") }`]);
        await run.armed;
        const truth = await target.release();
        const r = await run.done;
        assert.is(truth.stdout, `fast=${which === 'fast' ? 90 : 0} slow=${which === 'slow' ? 90 : 0} sum=180\n`);
        assert.is(r.status, 0, r.stderr);
        assert.is(r.stdout, 'ifunc_add 90\n');
        assert.match(r.stderr, new RegExp(`ifunc: resolved to add_${which} in process ${target.pid}\\n`));
      } finally {
        target.child.kill();
      }
    }
  });

  liveTest(test, `${engine}: -c, an IFUNC utap cannot resolve is probed on each implementation, with a warning`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-c', sh`${USER} 40 slow`, '-e', ADD]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'fast=0 slow=40 sum=80\nifunc_add 40\n');
    assert.match(r.stderr, /^utap: warning: ifunc_add in [^"\n]*?libifunc\.so is an IFUNC and nothing here says which implementation a process uses: the probe is on each implementation its resolver may choose \(add_(slow|fast), add_(slow|fast)\); give -p PID/);
  });
}

liveTest(test, '-l: an IFUNC listed with what it resolves to, or may resolve to', utapMissing(), async () => {
  const plain = await runUtap(['-l', `process("${LIB}").function("ifunc_add")`]);
  assert.is(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^process\("[^"\n]*?libifunc\.so"\)\.function\("ifunc_add"\)  # ifunc: resolves at run time to one of add_(slow|fast), add_(slow|fast); give -p PID to see which\n$/);
  const target = await startWaiting(USER, ['5', 'slow']);
  try {
    const live = await runUtap(['-l', 'process.library("libifunc.so").function("ifunc_*")', '-p', String(target.pid)]);
    assert.is(live.stdout, `process("${LIB}").function("ifunc_add")  # ifunc: resolved to add_slow in process ${target.pid}\n`, live.stderr);
  } finally {
    await target.release();
  }
  const libc = await runUtap(['-l', 'process.library("libc.so.6").function("strlen")', '-c', sh`${CALLS}`]);
  assert.match(libc.stdout, /^process\("[^"\n]*?libc\.so\.6"\)\.function\("strlen"\)  # ifunc: resolved to __strlen_\w+ in utap's own process \(it loads the same file\)\n$/, libc.stderr);
  // A glob matches the IFUNC under its own name too (its address is the resolver's, which DWARF calls strlen_ifunc).
  const glob = await runUtap(['-l', 'process.library("libc.so.6").function("strl*")', '-c', sh`${CALLS}`]);
  assert.match(glob.stdout, /^process\("[^"\n]*?libc\.so\.6"\)\.function\("strlen"\)  # ifunc: resolved to __strlen_\w+ in utap's own process/m, glob.stderr);
  assert.match(glob.stdout, /\.function\("strlen_ifunc@[^"\n]+?"\)\n/, 'the resolver, under its own name');
});

liveTest(test, 'a glob over libc counts strlen calls on the implementation, under the name strlen', utapMissing('uprobe') ?? engineMissing('uprobe'), async () => {
  // strlen_ifunc (the resolver, which takes no argument) also matches: it runs once per process.
  const script = 'global n, resolver\nprobe process.library("libc.so.6").function("strl*") { if (ppfunc() == "strlen_ifunc") resolver++; else if (user_string(pointer_arg(1)) == "utap-ifunc-marker") n[ppfunc()]++ }\nprobe end { foreach (f in n) printf("%s %d\\n", f, n[f]); printf("resolver %d\\n", resolver < 3) }';
  const r = await runUtap(['-c', sh`${CALLS} 250`, '-e', script]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'strlen_calls=250 sum=4250\nstrlen 250\nresolver 1\n');
});

test.run();
