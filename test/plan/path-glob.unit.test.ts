// process("/dir*/prog.*"): path patterns expand to the existing regular files they match, one
// component at a time; and -l lists a point over each of them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandPathPattern, isPathPattern } from '../../tracer/plan/path-glob';
import { BinaryCatalog } from '../../tracer/plan/binaries';
import { listLines } from '../../tracer/cli/list-command';
import { fixture } from '../support/paths';

test('a path pattern: the files it matches, sorted; directories and dot files only when named so', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-path-glob-'));
  try {
    for (const f of ['lib64/libc.so.6', 'lib/libc.so.6', 'lib/libc.so.x', 'lib/.libc.so.9', 'libexec/libc.so.7/inner', 'usr/libc.so.5']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), '');
    }
    assert.ok(isPathPattern(`${root}/lib*/libc.so.*`));
    assert.not.ok(isPathPattern('libc.so.*'));
    assert.not.ok(isPathPattern(`${root}/lib/libc.so.6`));
    assert.equal(expandPathPattern(`${root}/lib*/libc.so.*`), [`${root}/lib/libc.so.6`, `${root}/lib/libc.so.x`, `${root}/lib64/libc.so.6`]);
    assert.equal(expandPathPattern(`${root}/lib/libc.so.[0-9]`), [`${root}/lib/libc.so.6`]);
    assert.equal(expandPathPattern(`${root}/nothing*/x`), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('-l over a path pattern lists the point in each matching program; none matching is an error', () => {
  const catalog = new BinaryCatalog({});
  try {
    const lines = listLines(catalog, `process("${fixture('file-scope')}*").function("visit")`, false);
    assert.equal(lines.map((l) => /^process\("([^"]+)"\)/.exec(l)![1]), [fixture('file-scope'), fixture('file-scope-nopie')]);
    assert.throws(() => listLines(catalog, `process("${fixture('no-such-prog')}*").function("visit")`, false), /matches nothing/);
  } finally {
    catalog.close();
  }
});

test.run();
