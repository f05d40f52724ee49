// package.json's `bin` is the shell launcher bin/utap (what npm links into a bin folder, and what
// bin/utap's comment about following symlinks is for), which hands over to bin/utap.js.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/paths';

test("package.json's bin is bin/utap, an executable shell launcher that runs bin/utap.js", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin, { utap: 'bin/utap' });
  const launcher = path.join(repoRoot, pkg.bin.utap);
  fs.accessSync(launcher, fs.constants.X_OK);
  const text = fs.readFileSync(launcher, 'utf8');
  assert.ok(text.startsWith('#!/bin/sh\n'));
  assert.match(text, /exec node "\$here\/utap\.js" "\$@"/);
  assert.ok(fs.existsSync(path.join(repoRoot, 'bin', 'utap.js')));
});

test.run();
