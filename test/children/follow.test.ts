// Children of a traced process are traced with the same probes, on both engines: a prefork
// server's workers (fork, and vfork + exec), an exec chain into another probed program, a
// shell running programs in its children (-c "sh -c 'a; b'"), a target attached with -p before
// it forks. Each target prints its own ground truth (runtime-c/targets/prefork.c, exec-chain.c,
// counter.c) and the counts must equal it exactly. A probe whose program no traced process ran
// is named in a warning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { startWaiting } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { detectBpfFeatures } from '../../kernel-helper/features';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-children-'));
const PREFORK = fixture('prefork');
const CHAIN = fixture('exec-chain');
const COUNTER = fixture('counter');
const q = (p: string) => JSON.stringify(p);

const ENGINES = ['ptrace', 'uprobe'] as const;
const missing = (engine: (typeof ENGINES)[number]) => utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);

for (const engine of ENGINES) {
  liveTest(test, `${engine}: -c prefork: every worker's handle() calls counted, and spawn_worker returns once in the parent and once in each child`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-prefork`);
    const script = `global h, r; probe process(${q(PREFORK)}).function("handle") { h++ } probe process(${q(PREFORK)}).function("spawn_worker").return { r++ } probe end { printf("h=%d r=%d\\n", h, r) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${PREFORK} 6 400 > ${out}`]);
    assert.is(status, 0, stderr);
    assert.is(fs.readFileSync(out, 'utf8'), 'workers=6 calls=400 total=2400 spawned=6 failed=0\n');
    assert.is(stdout, 'h=2400 r=12\n');
  });

  liveTest(test, `${engine}: -c prefork with vfork + exec: the exec'd workers are traced`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-vfork`);
    const script = `global h; probe process(${q(PREFORK)}).function("handle") { h++ } probe end { printf("h=%d\\n", h) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${PREFORK} 5 300 vfork > ${out}`]);
    assert.is(status, 0, stderr);
    assert.is(fs.readFileSync(out, 'utf8'), 'workers=5 calls=300 total=1500 spawned=5 failed=0\n');
    assert.is(stdout, 'h=1500\n');
  });

  liveTest(test, `${engine}: -p on a prefork server before it forks: the workers it forks later are counted`, missing(engine), async () => {
    const target = await startWaiting(PREFORK, ['4', '250']);
    const script = `global h; probe process(${q(PREFORK)}).function("handle") { h++ } probe end { printf("h=%d\\n", h) }`;
    const run = runUtap(['--engine', engine, '-e', script, '-p', String(target.pid)]);
    await new Promise((r) => setTimeout(r, 1500)); // attached (utap has no "armed" signal on stdout)
    const { stdout: truth, code } = await target.release();
    const { status, stdout, stderr } = await run;
    assert.is(code, 0);
    assert.is(truth, 'workers=4 calls=250 total=1000 spawned=4 failed=0\n');
    assert.is(status, 0, stderr);
    assert.is(stdout, 'h=1000\n');
  });

  liveTest(test, `${engine}: an exec chain into another probed program: each image's probes, then the new program's`, missing(engine), async () => {
    const out = path.join(tmp, `${engine}-chain`);
    const script = `global s, w; probe process(${q(CHAIN)}).function("step") { s++ } probe process(${q(COUNTER)}).function("work") { w++ } probe end { printf("s=%d w=%d\\n", s, w) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${CHAIN} 3 ${COUNTER} 40 > ${out}`]);
    assert.is(status, 0, stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /^step 3 pid=\d+\nstep 2 pid=\d+\nstep 1 pid=\d+\nstep 0 pid=\d+\ncalls=40 /);
    assert.is(stdout, 's=4 w=40\n');
  });

  liveTest(test, `${engine}: usymname() in followed children: each exec'd image and each fork child symbolized in its own address space`, missing(engine), async () => {
    const script = `global s; probe process(${q(CHAIN)}).function("step"), process(${q(PREFORK)}).function("handle") { s[usymname(uaddr())]++ } probe end { foreach (k+ in s) printf("%s %d\\n", k, s[k]) }`;
    const out = path.join(tmp, `${engine}-symbols`);
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`${CHAIN} 3 ${PREFORK} 3 2 > ${out}`]);
    assert.is(status, 0, stderr);
    assert.is(stdout, 'handle 6\nstep 4\n');
  });

  liveTest(test, `${engine}: -c "sh -c 'a; b'": the programs the shell runs in its children are traced`, missing(engine), async () => {
    const script = `global w; probe process(${q(COUNTER)}).function("work") { w++ } probe end { printf("w=%d\\n", w) }`;
    const line = sh`${COUNTER} 30 > /dev/null; ${COUNTER} 12 > /dev/null`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`sh -c ${line}`]);
    assert.is(status, 0, stderr);
    assert.is(stdout, 'w=42\n');
    assert.not.match(stderr, /warning/);
  });

  liveTest(test, `${engine}: a probe whose program never ran in a traced process is named in a warning, not a silent zero`, missing(engine), async () => {
    const script = `global w; probe process(${q(COUNTER)}).function("work") { w++ } probe end { printf("w=%d\\n", w) }`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', 'sh -c "true; true"']);
    assert.is(status, 0, stderr);
    assert.is(stdout, 'w=0\n');
    assert.ok(stderr.includes(`utap: warning: no traced process ran ${COUNTER}, so probe process("${COUNTER}").function("work@`), stderr);
  });
}

liveTest(test, 'ptrace: a probe in a shared library fires in the children too (libc\'s usleep, called only by the workers)', missing('ptrace'), async () => {
  const script = 'global u; probe process.library("libc.so.6").function("usleep") { u++ } probe end { printf("u=%d\\n", u) }';
  const out = path.join(tmp, 'ptrace-usleep');
  const { status, stdout, stderr } = await runUtap(['--engine', 'ptrace', '-e', script, '-c', sh`${PREFORK} 3 4 1 > ${out}`]);
  assert.is(status, 0, stderr);
  assert.is(fs.readFileSync(out, 'utf8'), 'workers=3 calls=4 total=12 spawned=3 failed=0\n');
  assert.is(stdout, 'u=12\n');
});

liveTest(test, 'uprobe: a probe in a shared library keeps to the target, and the children it did not see are named in a warning', missing('uprobe'), async () => {
  const script = 'global u; probe process.library("libc.so.6").function("usleep") { u++ } probe end { printf("u=%d\\n", u) }';
  const { status, stdout, stderr } = await runUtap(['--engine', 'uprobe', '-e', script, '-c', sh`${PREFORK} 3 4 1`]);
  assert.is(status, 0, stderr);
  assert.is(stdout, 'workers=3 calls=4 total=12 spawned=3 failed=0\nu=0\n');
  assert.match(stderr, /utap: warning: 3 processes forked below the target ran untraced by the probes in shared libraries \([^)]*libc\.so\.6\)/);
});

test.run();
