// The ptrace engine end to end on a real target, with plans built by hand (sites from nm):
// entry counts, return values with entry captures, -c and -p.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPlan } from '../../tracer/plan/plan';
import { ptraceEngine } from '../../tracer/engine/ptrace/ptrace-engine';
import type { EngineRunRequest } from '../../tracer/engine/engine';
import type { ProgramIR } from '../../tracer/ir/ir';
import { assign, bin, entry, ex, glob, incdec, L, lit, printf, ProgramBuilder, reg } from '../support/ir-builder';
import { fixture } from '../support/paths';
import { symbolResolver } from '../support/symbol-sites';
import { startTarget } from '../support/target-process';
import { sh } from '../support/shell';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-ptrace-'));

async function runEngine(program: ProgramIR, binary: string, target: { command?: string; pid?: number }): Promise<{ status: number; output: string }> {
  const outputFile = path.join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  const plan = buildPlan(program, { targetPid: target.pid, resolveProcessProbe: symbolResolver(binary, () => [reg('rdi')]) });
  const request: EngineRunRequest = {
    plan, session: { json: false, outputFile }, pid: target.pid, command: target.command, pin: false, guru: false, detach: false,
    log: () => undefined,
  };
  const status = await ptraceEngine.run(request);
  return { status, output: fs.readFileSync(outputFile, 'utf8') };
}

function countingProgram(): ProgramIR {
  const b = new ProgramBuilder();
  const count = b.scalar('count');
  b.probe(['process("counter").function("work")'], [], ex(incdec(L.global(count), 1, false)));
  const f = b.format('count=%d\n');
  b.probe(['end'], [], printf(f, [glob(count)]));
  return b.build();
}

test('-c: every call of work() is counted, and the program runs as untraced', async () => {
  const out = path.join(tmp, 'target-out');
  const { status, output } = await runEngine(countingProgram(), fixture('counter'), { command: sh`${fixture('counter')} 2000 > ${out}` });
  assert.is(status, 0);
  assert.is(output, 'count=2000\n');
  assert.is(fs.readFileSync(out, 'utf8'), 'calls=2000 sum=6003000 fib10=55\n');
});

test('.return: $return per call and the first argument captured at entry', async () => {
  const b = new ProgramBuilder();
  const sum = b.scalar('sum');
  const args = b.scalar('args');
  b.probe(['process("counter").function("work").return'], [],
    ex(assign(L.global(sum), reg('rax'), '+=')),
    ex(assign(L.global(args), entry(0), '+=')));
  const f = b.format('sum=%d args=%d\n');
  b.probe(['end'], [], printf(f, [glob(sum), glob(args)]));
  for (const binary of [fixture('counter'), fixture('counter-nopie')]) {
    const { status, output } = await runEngine(b.build(), binary, { command: sh`${binary} 500 > /dev/null` });
    assert.is(status, 0);
    assert.is(output, `sum=${3 * (500 * 499) / 2 + 3 * 500} args=${(500 * 499) / 2}\n`, binary);
  }
});

test('-p: attach to a running process, count, detach when it exits', async () => {
  const target = await startTarget(fixture('counter'), ['3000', 'wait']);
  const run = runEngine(countingProgram(), fixture('counter'), { pid: target.pid });
  await new Promise((r) => setTimeout(r, 300)); // let it attach
  target.send('go\n');
  const { status, output } = await run;
  assert.is(await target.exited, 0);
  assert.is(status, 0);
  assert.is(output, 'count=3000\n');
  assert.match(target.output(), /calls=3000 sum=\d+ fib10=55/);
});

test.run();
