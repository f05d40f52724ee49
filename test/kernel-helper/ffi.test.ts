// kernel-helper/ffi.ts loads koffi's prebuilt native module directly (koffi's own loader costs
// ~6 ms of start-up): it must be the installed koffi version, work, and skip koffi's JS loader.
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

test.run();
