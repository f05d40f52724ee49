// Without privilege (run as the user nobody): `--engine uprobe` refuses in one sentence with
// exit status 2, and `auto` falls back to the in-process engine and says so under -v.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { readableCopy } from '../support/readable-copy';
import { runCommand } from '../support/run-utap';

const missing = detectBpfFeatures().unavailable;

/**
 * Asks chooseEngine, as nobody, for `choice` on a plan with a process probe; prints what it
 * decided. nobody runs the modules and reads the traced program from a copy it can read.
 */
function chooseAsNobody(choice: string, point = 'process.function("hit")'): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const copy = readableCopy('nobody');
  const load = (module: string) => `require(${JSON.stringify(copy.dist(module))})`;
  const script = `
    const { chooseEngine } = ${load('tracer/engine/choose.js')};
    const { buildPlan } = ${load('tracer/plan/plan.js')};
    const { ex, incdec, L, ProgramBuilder } = ${load('test/support/ir-builder.js')};
    const { fixtureResolver } = ${load('test/support/fixture-resolver.js')};
    const { reportFailure } = ${load('tracer/cli/main.js')};
    const b = new ProgramBuilder();
    const n = b.scalar('n');
    b.probe([${JSON.stringify(point)}], [], ex(incdec(L.global(n), 1, false)));
    const plan = buildPlan(b.build(), { resolveProcessProbe: fixtureResolver(${JSON.stringify(copy.fixture('uprobe-hits'))}) });
    const log = [];
    try {
      const engine = chooseEngine('${choice}', { plan, pid: process.pid, session: { json: false, targetPid: process.pid }, pin: false, guru: false, detach: false, log: (m) => log.push(m) });
      console.log(JSON.stringify({ engine: engine.name, log }));
    } catch (error) {
      process.exitCode = reportFailure(error);
    }`;
  return runCommand('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script]);
}

liveTest(test, '--engine uprobe without privilege: one sentence, exit status 2', missing, async () => {
  const r = await chooseAsNobody('uprobe');
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'utap: the uprobe engine cannot run here: loading BPF programs needs root or CAP_BPF with CAP_PERFMON, which this user does not have; use --engine auto to fall back to another engine.\n');
});

liveTest(test, '--engine auto without privilege falls back to the in-process engine (a counting handler runs natively) and says why under -v', missing, async () => {
  const r = await chooseAsNobody('auto');
  assert.is(r.status, 0, r.stderr);
  const decided = JSON.parse(r.stdout) as { engine: string; log: string[] };
  assert.is(decided.engine, 'inproc');
  assert.equal(decided.log, [
    'engine: uprobe not usable: loading BPF programs needs root or CAP_BPF with CAP_PERFMON, which this user does not have',
    'engine: inproc (auto)',
  ]);
});

liveTest(test, '--engine auto without privilege keeps a .return probe on the ptrace engine (the in-process engine would stop twice per call) and says why', missing, async () => {
  const r = await chooseAsNobody('auto', 'process.function("hit").return');
  assert.is(r.status, 0, r.stderr);
  const decided = JSON.parse(r.stdout) as { engine: string; log: string[] };
  assert.is(decided.engine, 'ptrace');
  assert.ok(decided.log.some((l) => /inproc not usable: .*\.return probe/.test(l)), decided.log.join('\n'));
});

test.run();
