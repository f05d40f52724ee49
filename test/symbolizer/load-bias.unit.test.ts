// /proc/PID/maps and load bias in live processes: a PIE, a position-dependent executable, a
// shared library of ours and libc. The oracle is the process's own memory: the bytes at
// (link-time address + bias) must be the function's bytes at its file offset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { mappedFiles, mappingAt, parseMaps, readMaps } from '../../symbolizer/proc-maps';
import { fixture } from '../support/paths';

function startFixture(name: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(fixture(name), ['1000', '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /pid=(\d+)/.exec(text);
      if (m) resolve({ child, pid: Number(m[1]) });
    });
    child.on('error', reject);
  });
}

function readMemory(pid: number, address: bigint, length: number): Buffer {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    const b = Buffer.alloc(length);
    fs.readSync(fd, b, 0, length, address as unknown as number);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Checks that `names` are where bias says in process `pid`, comparing code bytes. */
function checkFunctions(pid: number, binary: ElfBinary, names: string[]): bigint {
  const maps = readMaps(pid);
  const bias = binary.loadBiasIn(maps);
  assert.ok(bias !== undefined, `${binary.path} is mapped`);
  for (const name of names) {
    const symbol = binary.symbols().byName(name)[0];
    assert.ok(symbol, name);
    const runtime = symbol.address + bias!;
    const mapping = mappingAt(maps, runtime);
    assert.ok(mapping && mapping.executable, `${name} lands in an executable mapping`);
    const offset = binary.fileOffset(symbol.address)!;
    assert.is(mapping!.offset + (runtime - mapping!.start), offset, `${name}: file offset through the mapping`);
    const length = Math.min(32, symbol.size);
    const inFile = Buffer.from(binary.elf.read(Number(offset), length, name));
    assert.ok(readMemory(pid, runtime, length).equals(inFile), `${name}: code bytes at run time`);
  }
  return bias!;
}

test('parseMaps reads every field, deleted files and anonymous mappings', () => {
  const maps = parseMaps([
    '55d0c2a00000-55d0c2a01000 r--p 00000000 fd:01 1234                       /usr/bin/x',
    '55d0c2a01000-55d0c2a02000 r-xp 00001000 fd:01 1234                       /usr/bin/x',
    '7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ',
    '7f0000100000-7f0000101000 r-xp 00002000 08:02 99    /tmp/lib with space.so (deleted)',
    '7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]',
  ].join('\n'));
  assert.is(maps.length, 5);
  assert.equal([maps[1].start, maps[1].end, maps[1].offset, maps[1].executable, maps[1].writable], [0x55d0c2a01000n, 0x55d0c2a02000n, 0x1000n, true, false]);
  assert.is(maps[2].path, '');
  assert.equal([maps[3].path, maps[3].deleted, maps[3].device, maps[3].inode], ['/tmp/lib with space.so', true, '08:02', 99]);
  assert.equal(mappedFiles(maps).map((f) => [f.path, f.mappings.length]), [['/usr/bin/x', 2], ['/tmp/lib with space.so', 1]]);
});

for (const [name, functions, pie] of [
  ['args-O0', ['ints_signed', 'main', 'pointers'], true],
  ['args-O0-nopie', ['ints_signed', 'main'], false],
] as const) {
  test(`${name}: load bias from /proc/PID/maps puts functions at their code`, async () => {
    const { child, pid } = await startFixture(name);
    try {
      const b = ElfBinary.open(fixture(name));
      const bias = checkFunctions(pid, b, [...functions]);
      if (!pie) assert.is(bias, 0n);
      else assert.ok(bias > 0n);
      b.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
}

test('uselib: the shared library and libc are found at their bias', async () => {
  const { child, pid } = await startFixture('uselib');
  try {
    const lib = ElfBinary.open(fixture('libfixture.so'));
    checkFunctions(pid, lib, ['lib_add', 'lib_greet']);
    const libcPath = mappedFiles(readMaps(pid)).find((f) => /\/libc\.so\.6$/.test(f.path))!.path;
    const libc = ElfBinary.open(libcPath);
    checkFunctions(pid, libc, ['malloc', 'printf', 'usleep']);
    // A file that is not mapped has no bias there.
    const other = ElfBinary.open(fixture('args-O0'));
    assert.is(other.loadBiasIn(readMaps(pid)), undefined);
    for (const b of [lib, libc, other]) b.close();
  } finally {
    child.kill('SIGKILL');
  }
});

test.run();
