// ElfBinary.describe: address → symbol+offset and file:line, against addr2line (line) and nm
// (symbol), on fixtures and on libc through its separate debug file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { fixture } from '../support/paths';
import { addr2line, nmCode } from './oracles';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

// The oracle file is the one holding the symbols and DWARF (the debug file for a stripped binary).
for (const [file, oracleFile] of [
  [fixture('args-O0'), fixture('args-O0')],
  [fixture('args-O2'), fixture('args-O2')],
  [fixture('multi-O2'), fixture('multi-O2')],
  [fixture('libfixture.so'), fixture('libfixture.so')],
  [fixture('args-debuglink'), fixture('.debug/args-debuglink.debug')], // stripped: symbols and lines from its debug file
] as const) {
  test(`${file}: describe() gives addr2line's file:line and the symbol nm puts there`, () => {
    const b = ElfBinary.open(file);
    const functions = nmCode(oracleFile).filter((s) => s.kind === 'T' || s.kind === 't');
    const addresses = functions.flatMap((s) => [s.address, s.address + 3n]);
    const theirs = addr2line(oracleFile, addresses);
    let compared = 0;
    addresses.forEach((address, i) => {
      const info = b.describe(address);
      assert.ok(info.symbol, `0x${address.toString(16)} has a symbol`);
      if (i % 2 === 0) assert.is(info.symbol!.offset, 0n);
      if (theirs[i].line === 0) return;
      assert.ok(info.line, `0x${address.toString(16)}: addr2line says ${theirs[i].file}:${theirs[i].line}`);
      assert.is(info.line!.line, theirs[i].line, `0x${address.toString(16)}`);
      assert.ok(theirs[i].file.endsWith(info.line!.path.replace(/^\.\//, '')) || info.line!.path.endsWith(theirs[i].file), `${info.line!.path} vs ${theirs[i].file}`);
      compared++;
    });
    assert.ok(compared > 5, `${compared} lines compared`);
    b.close();
  });
}

if (fs.existsSync(LIBC)) {
  test('libc: describe() of sampled exported functions matches addr2line on the debug file', () => {
    const b = ElfBinary.open(LIBC);
    const debugPath = b.debugFile().found?.path;
    if (!debugPath) {
      console.log('SKIP: libc6-dbg is not installed');
      return;
    }
    const functions = nmCode(LIBC, true).filter((_, i) => i % 40 === 0);
    const addresses = functions.map((s) => s.address + 1n);
    const theirs = addr2line(debugPath, addresses);
    let compared = 0;
    addresses.forEach((address, i) => {
      const info = b.describe(address);
      assert.ok(info.symbol, `0x${address.toString(16)}`);
      if (theirs[i].line === 0) return;
      assert.is(info.line?.line, theirs[i].line, `0x${address.toString(16)} ${functions[i].name}`);
      compared++;
    });
    assert.ok(compared > 10, `${compared} compared`);
    b.close();
  });
}

test.run();
