// Separate debug files (build-id and debuglink, each place gdb looks, CRC and build-id checks),
// .gnu_debuglink itself, and SHF_COMPRESSED sections against objcopy's decompression.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from '../../symbolizer/crc32';
import { buildIdDebugPath, findDebugFile } from '../../symbolizer/debug-file';
import { fileCrc32, readDebugLink } from '../../symbolizer/debuglink';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { ElfFile } from '../../symbolizer/elf-file';
import { readBuildId } from '../../symbolizer/notes';
import { buildDir, fixture } from '../support/paths';
import { readelfBuildId } from './oracles';

const debugRoot = path.join(buildDir, 'debug');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-debugfile-'));

test('crc32 is zlib/gzip CRC-32', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array()), 0);
  const a = new TextEncoder().encode('hello ');
  const b = new TextEncoder().encode('world');
  assert.is(crc32(b, crc32(a)), crc32(new TextEncoder().encode('hello world')));
});

test('.gnu_debuglink names the debug file and carries its CRC', () => {
  const elf = ElfFile.open(fixture('args-debuglink'));
  const link = readDebugLink(elf)!;
  const dump = execFileSync('readelf', ['-p', '.gnu_debuglink', fixture('args-debuglink')], { encoding: 'utf8' });
  assert.ok(dump.includes(link.file), dump);
  assert.is(link.file, 'args-debuglink.debug');
  assert.is(fileCrc32(path.join(buildDir, '.debug', link.file)), link.crc);
  elf.close();
});

test('build-id lookup finds the debug file under the debug root', () => {
  const elf = ElfFile.open(fixture('args-buildid'));
  const id = readBuildId(elf)!;
  assert.is(id, readelfBuildId(fixture('args-buildid')));
  const r = findDebugFile(fixture('args-buildid'), elf, { debugDirectories: [debugRoot] });
  assert.equal(r.found, { path: buildIdDebugPath(debugRoot, id), how: 'build-id' });
  // Not in the default directory (which only has the system's).
  assert.is(findDebugFile(fixture('args-buildid'), elf, { debugDirectories: [tmp] }).found, undefined);
  elf.close();
});

test('libc: its debug file is found by build-id under /usr/lib/debug', () => {
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  const elf = ElfFile.open(libc);
  const id = readBuildId(elf)!;
  const expected = buildIdDebugPath('/usr/lib/debug', id);
  if (!fs.existsSync(expected)) {
    console.log('SKIP: libc6-dbg is not installed');
    return;
  }
  assert.equal(findDebugFile(libc, elf, { debugDirectories: ['/usr/lib/debug'] }).found, { path: expected, how: 'build-id' });
  elf.close();
});

/** Copies the debuglink fixture into a fresh tree and puts its debug file at `where` (relative to the tree or absolute). */
function debuglinkTree(name: string, place: (dir: string) => string): { binary: string; debugFile: string; root: string } {
  const root = path.join(tmp, name);
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const binary = path.join(bin, 'args-debuglink');
  fs.copyFileSync(fixture('args-debuglink'), binary);
  const debugFile = place(bin);
  fs.mkdirSync(path.dirname(debugFile), { recursive: true });
  fs.copyFileSync(path.join(buildDir, '.debug', 'args-debuglink.debug'), debugFile);
  return { binary, debugFile, root };
}

for (const [name, place] of [
  ['beside the binary', (bin: string) => path.join(bin, 'args-debuglink.debug')],
  ['in .debug/ beside the binary', (bin: string) => path.join(bin, '.debug', 'args-debuglink.debug')],
  ['under the debug root + the binary directory', (bin: string) => path.join(tmp, 'beside-root', 'usr-lib-debug', bin, 'args-debuglink.debug')],
] as const) {
  test(`debuglink: found ${name}`, () => {
    const t = debuglinkTree(name.replace(/\W+/g, '-'), place);
    const elf = ElfFile.open(t.binary);
    const r = findDebugFile(t.binary, elf, { debugDirectories: [path.join(tmp, 'beside-root', 'usr-lib-debug')] });
    assert.equal(r.found, { path: t.debugFile, how: 'debuglink' });
    elf.close();
  });
}

test('debuglink: a debug file with the wrong CRC is refused, with the reason', () => {
  const t = debuglinkTree('bad-crc', (bin) => path.join(bin, 'args-debuglink.debug'));
  fs.appendFileSync(t.debugFile, 'x');
  const elf = ElfFile.open(t.binary);
  const r = findDebugFile(t.binary, elf, { debugDirectories: [] });
  assert.is(r.found, undefined);
  assert.ok(r.refused.length === 1 && /CRC/.test(r.refused[0]), r.refused.join('; '));
  elf.close();
});

test('ElfBinary of a stripped file reads DWARF and .symtab from its debug file', () => {
  for (const [name, dirs] of [['args-buildid', [debugRoot]], ['args-debuglink', []]] as const) {
    const b = ElfBinary.open(fixture(name), { debugDirectories: [...dirs] });
    const dwarf = b.dwarf();
    assert.ok(dwarf, name);
    assert.ok(dwarf!.functionIndex().byName('ints_signed').length === 1, name);
    // static functions are only in the debug file's .symtab
    const full = ElfBinary.open(fixture('args-O2'));
    const statics = full.symbols().symbols.filter((s) => s.source === '.symtab' && s.binding === 0 && !s.name.includes('.') && !s.name.startsWith('_') && !/tm_clones|frame_dummy/.test(s.name));
    assert.ok(statics.length > 0);
    for (const s of statics) assert.ok(b.symbols().byName(s.name).length === 1, `${name}: ${s.name}`);
    full.close();
    b.close();
  }
  const plain = ElfBinary.open(fixture('args-stripped'));
  assert.is(plain.dwarf(), undefined);
  assert.ok(plain.symbols().byName('ints_signed').length === 1, 'dynamic symbols of a -rdynamic binary');
  plain.close();
});

test('SHF_COMPRESSED sections inflate to what objcopy --decompress-debug-sections writes', () => {
  const out = path.join(tmp, 'args-gz-plain');
  execFileSync('objcopy', ['--decompress-debug-sections', fixture('args-gz'), out]);
  const gz = ElfFile.open(fixture('args-gz'));
  const plain = ElfFile.open(out);
  const compressed = gz.sections.filter((s) => s.flags & 0x800n);
  assert.ok(compressed.length >= 3, 'the fixture has compressed sections');
  for (const s of compressed) {
    const p = plain.section(s.name)!;
    assert.ok(Buffer.from(gz.sectionData(s)!).equals(Buffer.from(plain.read(p.offset, p.size, s.name))), s.name);
  }
  gz.close();
  plain.close();
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
