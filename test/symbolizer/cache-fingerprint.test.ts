// The content fingerprint of a cache entry (symbolizer/cache-fingerprint.ts) on real files: one
// byte changed in what a cached value is computed from changes it — kept whole for a small
// program, hashed for libc — while bytes no cached value reads (.text) do not.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contentFingerprint, type FingerprintPart } from '../../symbolizer/cache-fingerprint';
import { ElfFile } from '../../symbolizer/elf-file';
import { fixture } from '../support/paths';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

/** The fingerprint of `part` of the file `bytes`, written to a file in `dir` first. */
function fingerprintOf(dir: string, bytes: Buffer, part: FingerprintPart): string {
  const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, bytes);
  const elf = ElfFile.open(file);
  try {
    return contentFingerprint(elf, part);
  } finally {
    elf.close();
  }
}

/** A copy of `bytes` with one byte flipped in the middle of section `name`. */
function flippedIn(bytes: Buffer, name: string): Buffer {
  const section = ElfFile.fromBytes(bytes).section(name);
  assert.ok(section && section.size > 0, `${name} is there`);
  const copy = Buffer.from(bytes);
  copy[section.offset + (section.size >> 1)] ^= 0x01;
  return copy;
}

function withDir(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-fingerprint-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a small program: its bytes kept whole; one byte of .symtab or .debug_info changes it, one of .text does not', () => {
  withDir((dir) => {
    const bytes = fs.readFileSync(fixture('counter'));
    const symbols = fingerprintOf(dir, bytes, 'symbols');
    const dwarf = fingerprintOf(dir, bytes, 'dwarf');
    assert.match(symbols, /^raw:/);
    assert.match(dwarf, /^raw:/);
    assert.is.not(fingerprintOf(dir, flippedIn(bytes, '.symtab'), 'symbols'), symbols);
    assert.is.not(fingerprintOf(dir, flippedIn(bytes, '.debug_info'), 'dwarf'), dwarf);
    assert.is(fingerprintOf(dir, flippedIn(bytes, '.debug_info'), 'symbols'), symbols, 'DWARF is not what a symbol table is made from');
    assert.is(fingerprintOf(dir, flippedIn(bytes, '.text'), 'symbols'), symbols);
    assert.is(fingerprintOf(dir, flippedIn(bytes, '.text'), 'dwarf'), dwarf);
  });
});

test('libc: hashed (SHA-256); one byte of .dynsym, .dynstr or the section headers changes it', () => {
  withDir((dir) => {
    const bytes = fs.readFileSync(LIBC);
    const symbols = fingerprintOf(dir, bytes, 'symbols');
    assert.match(symbols, /^sha256:[0-9a-f]{64}$/);
    assert.is(fingerprintOf(dir, bytes, 'symbols'), symbols, 'the same bytes elsewhere: the same');
    assert.is.not(fingerprintOf(dir, flippedIn(bytes, '.dynsym'), 'symbols'), symbols);
    assert.is.not(fingerprintOf(dir, flippedIn(bytes, '.dynstr'), 'symbols'), symbols);
    const headers = Buffer.from(bytes);
    const shoff = Number(headers.readBigUInt64LE(0x28));
    headers[shoff + 64 + 24] ^= 0x10; // section 1's sh_addr
    assert.is.not(fingerprintOf(dir, headers, 'symbols'), symbols);
  });
});

test.run();
