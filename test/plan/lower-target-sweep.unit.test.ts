// Robustness: every parameter and local of every function of a large real library lowers to IR
// or to a one-sentence UtapError — never to an internal exception — at each kind of site.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfFile } from '../../symbolizer/elf-file';
import { CallFrameInfo } from '../../symbolizer/dwarf/cfi';
import { Dwarf } from '../../symbolizer/dwarf/dwarf';
import { UtapError } from '../../tracer/errors';
import { DEFAULT_LIMITS, type ProgramIR, type SiteKind, type SourceLoc } from '../../tracer/ir/ir';
import { TargetLowering } from '../../tracer/plan/lower-target';
import { libcDebugFile, paramsProgram, VARIANTS } from '../symbolizer/dwarf/programs';

const loc: SourceLoc = { file: 'sweep.stp', line: 1, column: 1 };

function sweep(debugFile: string, loadedFile: string): { lowered: number; refused: number; crashes: string[] } {
  const debug = ElfFile.open(debugFile);
  const loaded = debugFile === loadedFile ? debug : ElfFile.open(loadedFile);
  const dwarf = Dwarf.fromElf(debug)!;
  const cfi = CallFrameInfo.fromElf(loaded, debug);
  let lowered = 0;
  let refused = 0;
  const crashes: string[] = [];
  for (const f of dwarf.functionIndex().functions) {
    for (const inst of [...f.instances, ...f.inlined]) {
      const inlined = 'caller' in inst;
      const kinds: SiteKind[] = inlined ? ['entry', 'statement'] : ['entry', 'statement', 'return'];
      for (const kind of kinds) {
        const pc = kind === 'statement' && !inlined ? dwarf.afterPrologue(inst) : inst.entryPc;
        const program: ProgramIR = { globals: [], functions: [], probes: [], formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru: true, sources: {} };
        const lowering = new TargetLowering(program, { binary: loadedFile, dwarf, cfi, functionName: f.name, functionDie: inst.die, kind, pc, entryPc: inst.entryPc, vaddr: inst.entryPc, relocatable: true });
        const names = [...dwarf.variables(inst.die, pc).map((v) => v.name), '$parms', '$locals', '$vars', ...(kind === 'return' ? ['return', '$return'] : [])];
        for (const name of names) {
          for (const pretty of [undefined, '$' as const]) {
            try {
              lowering.expr({ op: 'target', type: 'long', ref: { name, path: [], atEntry: false, ...(pretty && { pretty }) }, loc });
              lowered++;
            } catch (e) {
              if (e instanceof UtapError && !e.message.includes('\n')) refused++;
              else crashes.push(`${f.name} ${kind} $${name}${pretty ?? ''}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
            }
          }
        }
      }
    }
  }
  debug.close();
  if (loaded !== debug) loaded.close();
  return { lowered, refused, crashes };
}

for (const variant of VARIANTS) {
  test(`${variant.name}: every variable of the test program lowers or is refused in one sentence`, () => {
    const exe = paramsProgram(variant);
    const r = sweep(exe, exe);
    assert.equal(r.crashes, []);
    assert.ok(r.lowered > 50, `${r.lowered} lowered`);
  });
}

const libc = libcDebugFile();
if (libc) {
  test('libc: every variable of every function lowers or is refused in one sentence', () => {
    const r = sweep(libc, '/lib/x86_64-linux-gnu/libc.so.6');
    console.log(`libc: ${r.lowered} lowered, ${r.refused} refused, ${r.crashes.length} internal errors`);
    assert.equal(r.crashes.slice(0, 10), []);
    assert.ok(r.lowered > 50000);
  });
} else {
  console.log('SKIP: libc lowering sweep: libc6-dbg is not installed');
}

test.run();
