// symbolizer/ifunc.ts against real files and processes: libc's strlen (an IFUNC libc itself calls
// through an IRELATIVE slot) and runtime-c's libifunc.so (an IFUNC only its users import), with
// readelf/objdump's view as the oracle for slots and resolver code.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { ifuncCandidates, ifuncSymbolAt, importedSlotValues, irelativeSlots, resolvedIfunc } from '../../symbolizer/ifunc';
import { readMaps } from '../../symbolizer/proc-maps';
import { fixture } from '../support/paths';
import { startWaiting } from '../support/target-process';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

function resolverCandidates(binary: ElfBinary, name: string): string[] {
  const symbol = binary.symbols().byName(name).find((s) => s.type === 10)!;
  const code = binary.elf.read(Number(binary.fileOffset(symbol.address)), symbol.size, 'resolver');
  return ifuncCandidates(binary.symbols(), code, symbol.address).map((s) => s.name).sort();
}

test('libc strlen: its IRELATIVE slot is the one readelf shows, and utap\'s own process has it filled', () => {
  const libc = ElfBinary.open(LIBC);
  try {
    const strlen = libc.symbols().byName('strlen').find((s) => s.type === 10);
    assert.ok(strlen, 'strlen is an IFUNC');
    assert.ok(ifuncSymbolAt(libc.symbols(), 'strlen', strlen!.address));
    const slots = irelativeSlots(libc.elf, strlen!.address);
    const readelf = execFileSync('readelf', ['-rW', LIBC], { encoding: 'latin1' }).split('\n')
      .filter((l) => /R_X86_64_IRELATIVE\s+([0-9a-f]+)$/.exec(l.trim())?.[1] === strlen!.address.toString(16))
      .map((l) => BigInt(`0x${l.trim().split(/\s+/)[0]}`));
    assert.equal(slots, readelf);
    const bias = libc.loadBiasIn(readMaps(process.pid))!;
    const chosen = resolvedIfunc(libc.elf, strlen!.address, process.pid, bias);
    assert.ok(chosen !== undefined);
    assert.match(libc.symbols().describe(chosen!)!, /^__strlen_(sse2|avx2|avx2_rtm|evex|evex512)$/);
    assert.ok(resolverCandidates(libc, 'strlen').includes(libc.symbols().describe(chosen!)!));
  } finally {
    libc.close();
  }
});

test('resolver code: the implementations it loads with rip-relative lea', () => {
  const lib = ElfBinary.open(fixture('libifunc.so'));
  try {
    assert.equal(resolverCandidates(lib, 'ifunc_add'), ['add_fast', 'add_slow']);
    const add = lib.symbols().byName('ifunc_add')[0];
    assert.equal(irelativeSlots(lib.elf, add.address), [], 'the library does not call it itself');
  } finally {
    lib.close();
  }
});

test('an IFUNC only imported: the importing executable\'s GOT slot holds the chosen implementation', async () => {
  const target = await startWaiting(fixture('ifunc-user'), ['3', 'slow']);
  const lib = ElfBinary.open(fixture('libifunc.so'));
  try {
    const maps = readMaps(target.pid);
    const bias = lib.loadBiasIn(maps)!;
    const values = importedSlotValues(target.pid, 'ifunc_add', maps, lib.path).map((v) => lib.symbols().describe(v - bias));
    assert.equal(values, ['add_slow']);
  } finally {
    lib.close();
    await target.release();
  }
});

test.run();
