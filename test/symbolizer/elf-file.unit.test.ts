import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../symbolizer/elf-file';
import { DecodeError } from '../../symbolizer/decode-error';
import { fixture } from '../support/paths';

test('section headers match readelf on a fixture', () => {
  const elf = ElfFile.open(fixture('hello'));
  const readelf = execFileSync('readelf', ['-W', '-S', fixture('hello')], { encoding: 'utf8' });
  const names = [...readelf.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]).filter((n) => n !== 'NULL');
  assert.equal(elf.sections.filter((s) => s.name).map((s) => s.name), names);
  elf.close();
});

test('a truncated file is a DecodeError', () => {
  const bytes = new Uint8Array(require('node:fs').readFileSync(fixture('hello')).subarray(0, 40));
  assert.throws(() => ElfFile.fromBytes(bytes), (e: unknown) => e instanceof DecodeError);
});

test.run();
