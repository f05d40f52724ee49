// .note.stapsdt markers read by utap against readelf -n (binutils) as the oracle: the runtime-c
// SDT target and Debian's python3.11 and postgres, each marker's pc, semaphore, provider, name
// and argument string.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfFile } from '../../symbolizer/elf-file';
import { readSdtMarkers } from '../../symbolizer/sdt-notes';
import { parseSdtArguments } from '../../symbolizer/sdt-args';
import { fixture } from '../support/paths';

interface Row { provider: string; name: string; pc: bigint; semaphore: bigint; args: string }

function readelf(path: string): Row[] {
  const out = spawnSync('readelf', ['-n', path], { encoding: 'latin1' }).stdout;
  const rows: Row[] = [];
  const re = /Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)\s+Arguments:[ ]?([^\n]*)/g;
  for (const m of out.matchAll(re)) rows.push({ provider: m[1], name: m[2], pc: BigInt(m[3]), semaphore: BigInt(m[4]), args: m[5].trim() });
  return rows;
}

const FILES = [fixture('sdt-target-O0'), fixture('sdt-target-O2'), '/usr/bin/python3.11', '/usr/lib/postgresql/15/bin/postgres'];

for (const file of FILES) {
  test(`${file}: the markers readelf -n lists, every argument string decoded`, () => {
    if (!fs.existsSync(file)) {
      if (process.env.CI === 'true') throw new Error(`${file} is missing`);
      console.log(`SKIP: ${file} is not installed`);
      return;
    }
    const want = readelf(file);
    assert.ok(want.length > 0, 'readelf lists markers');
    const elf = ElfFile.open(file);
    try {
      const got = readSdtMarkers(elf).map((m) => ({ provider: m.provider, name: m.name, pc: m.pc, semaphore: m.semaphore ?? 0n, args: m.args }));
      assert.equal(got, want);
      for (const m of got) parseSdtArguments(m.args);
    } finally {
      elf.close();
    }
  });
}

test('the runtime-c target: four plain markers and one with a semaphore in .probes', () => {
  const elf = ElfFile.open(fixture('sdt-target-O2'));
  const markers = readSdtMarkers(elf);
  assert.equal(markers.map((m) => m.name).sort(), ['constants', 'element', 'global', 'guarded', 'tick']);
  const guarded = markers.find((m) => m.name === 'guarded')!;
  const probes = elf.section('.probes')!;
  assert.ok(guarded.semaphore! >= probes.addr && guarded.semaphore! < probes.addr + BigInt(probes.size));
  assert.ok(markers.filter((m) => m.name !== 'guarded').every((m) => m.semaphore === undefined));
});

test.run();
