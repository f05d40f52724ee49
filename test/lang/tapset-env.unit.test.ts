// SYSTEMTAP_TAPSET names one more tapset folder, as for SystemTap: its macro files (.stpm), with
// preprocessor conditionals deciding which macros exist, and its .stp files are found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runUtap } from '../support/run-utap';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-tapset-env-'));
fs.writeFileSync(path.join(dir, 'sizes.stpm'), '%( 2 > 1 %?\n@define kept %( 40 + 2 %)\n%:\n@define dropped %( 0 %)\n%)\n');
fs.writeFileSync(path.join(dir, 'twice.stp'), 'function twice(n) { return 2 * n }\n');
const env = { ...process.env, SYSTEMTAP_TAPSET: dir };

test('a macro on the live side of a tapset conditional is defined, and a function of the folder is found', async () => {
  const r = await runUtap(['-e', 'probe begin { println(@kept, " ", twice(4)); exit() }'], { env });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '42 8\n');
});

test('a macro on the dead side is not', async () => {
  const r = await runUtap(['--stop-after', 'parse', '-e', 'probe begin { println(@dropped) }'], { env });
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:23: error: @dropped is not something utap knows/);
});

test('without the variable, neither is known', async () => {
  const { SYSTEMTAP_TAPSET: _, ...rest } = env;
  const r = await runUtap(['--stop-after', 'parse', '-e', 'probe begin { println(@kept) }'], { env: rest });
  assert.is(r.status, 1);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
