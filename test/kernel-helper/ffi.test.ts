// kernel-helper/ffi.ts loads koffi's prebuilt native module directly (koffi's own loader costs
// ~6 ms of start-up): it must be the installed koffi version, work, and skip koffi's JS loader;
// the CLI bundle's copy of it (and of libc.ts) must reuse what launch-warm-up.ts loaded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { koffi } from '../../kernel-helper/ffi';

const installed = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('koffi')), 'package.json'), 'utf8')) as { version: string };

test('the native module is the installed koffi version and calls into libc', () => {
  assert.is((koffi as unknown as { version: string }).version, installed.version);
  const getpid = koffi.load('libc.so.6').func('int getpid(void)');
  assert.is(getpid(), process.pid);
});

test("koffi's JS loader was not needed on this glibc machine", () => {
  const loaderFiles = Object.keys(require.cache).filter((f) => f.includes(`${path.sep}koffi${path.sep}`) && f.endsWith('.cjs'));
  assert.equal(loaderFiles, []);
});

/** A second copy of a dist/ module, as the CLI bundle holds one beside launch-warm-up's. */
function secondCopy<T>(file: string): T {
  const resolved = require.resolve(file);
  const first = require.cache[resolved];
  delete require.cache[resolved];
  try {
    return require(resolved) as T;
  } finally {
    require.cache[resolved] = first;
  }
}

test('a second copy of ffi.ts and libc.ts takes the koffi and the libc functions of the first', () => {
  const libc = require('../../kernel-helper/libc') as typeof import('../../kernel-helper/libc');
  assert.ok(secondCopy<typeof import('../../kernel-helper/ffi')>('../../kernel-helper/ffi').koffi === koffi);
  const copy = secondCopy<typeof import('../../kernel-helper/libc')>('../../kernel-helper/libc');
  assert.ok(copy !== libc, 'a second module instance');
  assert.ok(copy.sys === libc.sys);
  assert.is(copy.sys.getpagesize(), 4096);
});

test.run();
