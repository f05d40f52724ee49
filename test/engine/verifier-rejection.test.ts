// A program the verifier rejects is reported as one UtapError naming the script line behind
// the failing instruction, with the end of the verifier's log; nothing is left loaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import * as I from '../../kernel-helper/insn';
import { UtapError } from '../../tracer/errors';
import { loadSiteProgram } from '../../tracer/engine/uprobe/kernel-handlers';
import { liveTest } from '../support/live';

const missing = detectBpfFeatures().unavailable;

liveTest(test, 'verifier rejection names the script line and shows the log', missing, () => {
  const loc = { file: 'count.stp', line: 7, column: 3 };
  const compiled = {
    // r0 = *(u64 *)(r2 + 0) with r2 never set: rejected at instruction 1.
    insns: [I.BPF_MOV64_IMM(0, 0), I.BPF_LDX_MEM(8, 0, 2, 0), I.BPF_EXIT_INSN()],
    locs: [undefined, loc, undefined],
    heap: { size: 0, fill: [] },
  };
  try {
    loadSiteProgram('process("x").function("f")', 'f', compiled);
    assert.unreachable('loaded');
  } catch (error) {
    assert.instance(error, UtapError);
    const e = error as UtapError;
    assert.is(e.status, 1);
    assert.match(e.message, /^count\.stp:7:3: error: the kernel's verifier rejected the handler of probe process\("x"\)\.function\("f"\) \(R2 !read_ok\)/);
    assert.match(e.message, /Verifier log/);
  }
});

test.run();
