// SDT markers (`process(...).mark(...)`) on both engines against runtime-c/sdt/sdt-target.c,
// built at -O0 (stack-slot arguments) and -O2 (registers, immediates, a RIP-relative global in a
// PIE, indexed memory): exact counts and sums of $arg1..$argN, $$parms/$$name/$$provider text,
// a semaphore-guarded marker that only runs while probed, and the semaphore back at 0 after utap
// detached from a -p process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, utapCommand } from '../support/paths';
import { runCommand, runUtap } from '../support/run-utap';
import { startTarget } from '../support/target-process';
import { utapArmed } from '../support/utap-armed';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';
import { readableCopy } from '../support/readable-copy';

const N = 100;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-sdt-'));
const SCRIPT = path.join(tmp, 'sdt.stp');
fs.writeFileSync(SCRIPT, `global n, s1, s2, s3, s4, c1, c2, parms, g, e1, e2, gn, gd, who
probe process(@1).mark("tick") { n++; s1 += $arg1; s2 += $arg2; s3 += $arg3; s4 += $arg4 }
probe process(@1).provider("utaptest").mark("constants") { c1 += $arg1; c2 += $arg2; parms = $$parms }
probe process(@1).mark("global") { g += $arg1 }
probe process(@1).provider("utap*").mark("elem*") { e1 += $arg1; e2 += $arg2 }
probe process(@1).mark("guarded") { gn++; gd += $arg1; who = $$provider . ":" . $$name }
probe end { printf("tick %d %d %d %d %d\\nconstants %d %d %s\\nglobal %d\\nelement %d %d\\nguarded %d %d %s\\n", n, s1, s2, s3, s4, c1, c2, parms, g, e1, e2, gn, gd, who) }
`);

/** What the script prints for i = 1..n (see sdt-target.c). */
function expected(n: number): string {
  let tick3 = 0, global = 0, counter = 1000, e1 = 0, e2 = 0;
  for (let i = 1; i <= n; i++) {
    tick3 += 3 * i;
    global += counter;
    counter += i;
    e1 += 100 * (i % 8);
    e2 += i % 8;
  }
  const sum = (n * (n + 1)) / 2;
  return [
    `tick ${n} ${sum} ${-sum} ${tick3} ${-sum}`,
    `constants ${5 * n} ${-7 * n} $arg1=0x5 $arg2=0xfffffffffffffff9`,
    `global ${global}`,
    `element ${e1} ${e2}`,
    `guarded ${n} ${10 * sum} utaptest:guarded`,
    '',
  ].join('\n');
}

async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  for (const build of ['O0', 'O2']) {
    const binary = fixture(`sdt-target-${build}`);
    liveTest(test, `${engine}, -c, sdt-target-${build}: every marker's hits and argument values, the guarded marker enabled by its semaphore`, missing, async () => {
      const r = await runUtap(['--engine', engine, SCRIPT, binary, '-c', sh`${binary} ${N}`], { timeoutMs: 60_000 });
      assert.is(r.status, 0, r.stderr);
      // The target's own account first: the semaphore was up on every iteration and while it ran.
      assert.ok(r.stdout.startsWith(`iterations=${N} guarded=${N}\nsemaphore=1\n`), r.stdout);
      assert.is(r.stdout.slice(r.stdout.indexOf('tick ')), expected(N));
    });
  }

  liveTest(test, `${engine}, -p: the semaphore is raised while attached and back at 0 after utap let go`, missing, async () => {
    const binary = fixture('sdt-target-O2');
    const target = await startTarget(binary, ['50', 'hold', 'wait']);
    const run = utapArmed(['--engine', engine, '-p', String(target.pid), SCRIPT, binary]);
    try {
      await run.armed;
      target.send('go\n');
      await waitFor('the target\'s account', () => /semaphore=\d+\n/.test(target.output()));
      assert.match(target.output(), /iterations=50 guarded=50\nsemaphore=1\n/);
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, expected(50));
      target.send('after\n');
      assert.is(await target.exited, 0);
      assert.match(target.output(), /semaphore_after=0\n/);
    } finally {
      run.child.kill('SIGKILL');
      target.kill();
    }
  });
}

{
  const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable;
  for (const multi of ['1', '0']) {
    liveTest(test, `uprobe, one handler for every marker ${multi === '1' ? 'through a uprobe_multi link (ref_ctr_offsets)' : 'as a perf event per site (UTAP_UPROBE_MULTI=0, config bits 32-63)'}: the guarded marker enabled`, missing, async () => {
      const binary = fixture('sdt-target-O2');
      const script = `global n\nprobe process("${binary}").mark("*") { n++ }\nprobe end { printf("hits %d\\n", n) }`;
      const r = await runUtap(['-v', '--engine', 'uprobe', '-e', script, '-c', sh`${binary} 40`], { timeoutMs: 60_000, env: { ...process.env, UTAP_UPROBE_MULTI: multi } });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, `iterations=40 guarded=40\nsemaphore=1\nhits ${5 * 40}\n`);
      if (multi === '1') assert.match(r.stderr, /5 sites in .* share one kernel handler through a uprobe_multi link/);
    });
  }
}

liveTest(test, 'ptrace without root (as nobody): the semaphore written through the target\'s memory, every guarded hit', utapMissing('ptrace'), async () => {
  // nobody may not read this checkout (a 0700 folder above it): utap and the program run from a readable copy
  const copy = readableCopy('nobody');
  const binary = copy.fixture('sdt-target-O2');
  const script = `global n, g\nprobe process("${binary}").mark("guarded") { n++; g += $arg1 }\nprobe end { printf("guarded %d %d\\n", n, g) }`;
  const r = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, copy.utapBin, '--engine', 'ptrace', '-e', script, '-c', sh`${binary} 20`], { timeoutMs: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'iterations=20 guarded=20\nsemaphore=1\nguarded 20 2100\n');
});

test('without a tracer the guarded marker never runs (its semaphore stays 0)', () => {
  const binary = fixture('sdt-target-O0');
  const plain = spawnSync(binary, ['20'], { encoding: 'latin1', timeout: 10_000 });
  assert.is(plain.stdout, 'iterations=20 guarded=0\nsemaphore=0\n');
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
