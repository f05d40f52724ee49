// Everything the eBPF generator emits for the differential corpus, JITted: every probe body of
// every corpus script compiled as a function-entry site (where the generator gives it a kernel
// handler), then translated; the JIT must take all of it (a helper with no in-process form is
// the only acceptable refusal, and is named).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { desugarProgram } from '../../tracer/ir/desugar';
import { compileScript } from '../../tracer/lang/compile';
import { compileSite } from '../../tracer/engine/inproc/jit/codegen-adapter';
import { EventModeNeeded } from '../../tracer/bpf-codegen/event-mode';
import { kernelFit } from '../../tracer/bpf-codegen/kernel-fit';
import { jitProgram, JitError } from '../../tracer/engine/inproc/jit/bpf-jit';
import { corpusDir, loadCorpus } from '../support/corpus';

const OPTIONS = {
  areaBase: 0x3f0000000000n,
  runtimeAddress: () => 0x3e0000000000n,
  mapAddress: (fd: number) => 0x3f0000000000n + BigInt(fd * 64),
  funcIp: 0x401000n,
  cookie: 0n,
};

test('the JIT takes every kernel handler the generator makes of the corpus', () => {
  let programs = 0;
  let instructions = 0;
  const refused: string[] = [];
  for (const c of loadCorpus()) {
    let program: ProgramIR;
    try {
      program = completeStatsUse(desugarProgram(compileScript({ text: fs.readFileSync(path.join(corpusDir, c.script), 'latin1'), file: c.script, scriptArgs: ['1', '2', '3'], defines: [], includeDirs: [], guru: false })));
    } catch {
      continue; // the corpus's scripts that are meant to fail
    }
    program.probes.forEach((p, index) => {
      const site: ProbeSiteIR = {
        id: index, probe: index, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler, []), kind: 'entry',
        binary: '/bin/true', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: [],
      };
      if (kernelFit(program, site).mode !== 'kernel') return;
      let ids = 1;
      let insns;
      try {
        insns = compileSite({ program, site, targetPid: 0, walltimeOffsetNs: 0n, nextRecordId: () => ids++, fds: { global: (g: number) => 10 + g, ring: 2, state: 1, heap: 3, entry: 4 } }).main.insns;
      } catch (error) {
        if (error instanceof EventModeNeeded) return;
        throw error;
      }
      try {
        const { code } = jitProgram(insns, OPTIONS);
        assert.ok(code.length > insns.length, `${c.name} probe ${index}`);
        programs++;
        instructions += insns.length;
      } catch (error) {
        if (error instanceof JitError && error.index === -1) refused.push(`${c.name} probe ${index}: ${error.message}`);
        else throw new Error(`${c.name} probe ${index}: ${(error as Error).message}`);
      }
    });
  }
  assert.ok(programs >= 50, `${programs} programs JITted`);
  console.log(`${programs} corpus handlers (${instructions} eBPF instructions) JITted; refused: ${refused.length ? refused.join('; ') : 'none'}`);
});

test.run();
