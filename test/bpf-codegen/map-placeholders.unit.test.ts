// map-placeholders.ts: a program compiled before its scratch and entry maps exist gets their real
// fds afterwards, in every map reference and nowhere else (the uprobe_multi path compiles each
// site once that way).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLACEHOLDER_FD, withMapFds } from '../../tracer/bpf-codegen/map-placeholders';
import { compileSite } from '../../tracer/bpf-codegen/site-compiler';
import { printProgram } from '../../kernel-helper/insn-printer';
import { desugarProgram } from '../../tracer/ir/desugar';
import type { ProbeSiteIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { ctx, ex, incdec, L, ProgramBuilder, reg } from '../support/ir-builder';

test('placeholders of the scratch, entry map and entry scratch become the real fds; nothing else changes', () => {
  const b = new ProgramBuilder();
  const n = b.array('n', ['long']);
  b.probe(['process("t").function("work").return'], [], ex(incdec(L.element(n, [ctx('tid')]), 1, false)));
  const program = desugarProgram(b.build());
  const p = program.probes[0];
  const captures = [reg('rdi')];
  const site: ProbeSiteIR = {
    id: 0, probe: 0, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler, captures), kind: 'return',
    binary: '/usr/bin/target', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: captures,
  };
  let ids = 0;
  const compiled = compileSite({
    program, site, nextRecordId: () => ids++, targetPid: 0, walltimeOffsetNs: 0n, shared: { siteStrings: 5 },
    fds: { global: (i) => 100 + i, ring: 1, state: 2, heap: PLACEHOLDER_FD.heap, entry: PLACEHOLDER_FD.entry, entryHeap: PLACEHOLDER_FD.entryHeap },
  });
  const names = new Map<number, string>([[1, 'ring'], [2, 'state'], [5, 'site strings'], [100, 'global n'], [30, 'heap'], [31, 'entry'], [32, 'entry heap']]);
  const mapName = (fd: number) => `map[${names.get(fd) ?? `fd ${fd}`}]`;
  const fds = new Map<number, number>([[PLACEHOLDER_FD.heap, 30], [PLACEHOLDER_FD.entry, 31], [PLACEHOLDER_FD.entryHeap, 32]]);
  const main = withMapFds(compiled.main, fds);
  const entry = withMapFds(compiled.entry!, fds);
  const before = printProgram(compiled.main.insns, { mapName });
  const after = printProgram(main.insns, { mapName });
  assert.match(before, /map\[fd -2\]/, 'compiled with the placeholder');
  assert.not.match(after, /map\[fd -/, 'no placeholder left');
  assert.match(after, /map\[heap\]/);
  assert.match(after, /map\[entry\]/);
  assert.match(printProgram(entry.insns, { mapName }), /map\[entry heap\]/);
  // Only the map references changed: the same listing with the placeholders' names swapped.
  assert.is(after, before.replace(/map\[fd -2\]/g, 'map[heap]').replace(/map\[fd -3\]/g, 'map[entry]'));
  assert.is(main.insns.length, compiled.main.insns.length);
  assert.equal(compiled.main.insns, compileSite({
    program, site, nextRecordId: (() => { let i = 0; return () => i++; })(), targetPid: 0, walltimeOffsetNs: 0n, shared: { siteStrings: 5 },
    fds: { global: (i) => 100 + i, ring: 1, state: 2, heap: PLACEHOLDER_FD.heap, entry: PLACEHOLDER_FD.entry, entryHeap: PLACEHOLDER_FD.entryHeap },
  }).main.insns, 'the input is left alone');
});

test.run();
