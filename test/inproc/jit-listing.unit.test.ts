// Golden listings of what the JIT makes of the generator's programs (each eBPF instruction beside
// its x86-64 bytes), for fixed made-up addresses, so a change to the JIT or the generator shows as
// a readable diff of test/inproc/golden/*.txt (UTAP_UPDATE_GOLDEN=1 rewrites them); and the
// helpers a site cannot call in-process, named.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { ProbeSiteIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { desugarProgram } from '../../tracer/ir/desugar';
import { compileScript } from '../../tracer/lang/compile';
import { compileSite } from '../../tracer/engine/inproc/jit/codegen-adapter';
import { jitProgram, JitError } from '../../tracer/engine/inproc/jit/bpf-jit';
import { helperRefusal, HELPERS } from '../../tracer/engine/inproc/jit/helpers';
import { jitListing } from '../../tracer/engine/inproc/jit/jit-listing';
import { repoRoot } from '../support/paths';

const GOLDEN = path.join(repoRoot, 'test', 'inproc', 'golden');
const UPDATE = process.env.UTAP_UPDATE_GOLDEN === '1';
const SYMBOLS = [...new Set([...HELPERS.values()].flatMap((p) => (p.kind === 'runtime' ? [p.symbol] : [])))].sort();
const OPTIONS = {
  areaBase: 0x3f0000000000n,
  runtimeAddress: (s: string) => 0x3e0000000000n + BigInt(SYMBOLS.indexOf(s) * 0x100),
  mapAddress: (fd: number) => 0x3f0000000000n + 0x500n + BigInt(fd * 64),
  funcIp: 0x401000n,
  cookie: 0n,
  // the state map and scalar globals are arrays: their lookups are inlined
  mapInfo: (fd: number) => (fd === 1 || fd >= 4 ? { type: U.BPF_MAP_TYPE_ARRAY, maxEntries: fd === 1 ? 4 : 1, valueStride: 8, dataAddress: 0x3f0000100000n + BigInt(fd << 12) } : undefined),
};
const NAMES = ['', 'state', 'ring', 'heap'];

function listing(text: string): string {
  const program = completeStatsUse(desugarProgram(compileScript({ text, file: 'l.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false })));
  const p = program.probes[0];
  const site: ProbeSiteIR = {
    id: 0, probe: 0, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler, []), kind: 'entry',
    binary: '/bin/true', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: [],
  };
  let ids = 1;
  const compiled = compileSite({ program, site, targetPid: 0, walltimeOffsetNs: 0n, nextRecordId: () => ids++, fds: { global: (g) => 4 + g, ring: 2, state: 1, heap: 3, entry: 0 } });
  const insns = compiled.main.insns;
  return jitListing(insns, jitProgram(insns, OPTIONS), { mapName: (fd) => `map[${NAMES[fd] ?? `global ${program.globals[fd - 4]?.name}`}]` });
}

function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, `${name}.txt`);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `${file} is missing: run with UTAP_UPDATE_GOLDEN=1 to write it`);
  assert.fixture(text, fs.readFileSync(file, 'utf8'));
}

test('a counter: global++ at each hit', () => {
  golden('counter', listing('global n; probe process("t").function("work") { n++ }'));
});

test('a division: q = 100 / $arg2 (the division-by-zero check and its error record)', () => {
  golden('division', listing('global q; probe process("t").function("work") { q = 100 / register("rsi") }'));
});

test('helpers with no in-process form are named; eBPF-to-eBPF calls refused', () => {
  assert.is(helperRefusal([I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem), I.BPF_EXIT_INSN()]), undefined);
  assert.is(helperRefusal([I.BPF_CALL_HELPER(U.BPF_FUNC_send_signal)]), undefined, 'send_signal runs in-process (kill of its own pid)');
  assert.match(helperRefusal([I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_task)]) ?? '', 'bpf_get_current_task');
  assert.match(helperRefusal([I.BPF_CALL_HELPER(999)]) ?? '', 'eBPF helper 999');
  assert.match(helperRefusal([{ ...I.BPF_CALL_HELPER(0), src: 1 }]) ?? '', 'eBPF-to-eBPF');
  assert.throws(() => jitProgram([I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_task), I.BPF_EXIT_INSN()], OPTIONS), (e: unknown) => e instanceof JitError && /bpf_get_current_task/.test((e as Error).message));
  // a jump out of the program is refused rather than emitted
  assert.throws(() => jitProgram([I.BPF_JMP_A(5), I.BPF_EXIT_INSN()], OPTIONS), /outside the program/);
});

test.run();
