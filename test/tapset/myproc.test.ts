// is_myproc(): 1 in a process of the user running utap, 0 in another user's (a -c command that
// drops to the test user with setpriv before it execs the probed program), on both engines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { ensureTestUser, TEST_USER } from '../support/test-user';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('file-scope');
const SCRIPT = `probe process("${TARGET}").function("visit") { printf("mine %d uid %d\\n", is_myproc(), uid()) }`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined) ?? ensureTestUser();
  liveTest(test, `${engine}: is_myproc() is 1 in utap's user's process and 0 in another user's`, missing, async () => {
    const own = await runUtap(['--engine', engine, '-c', sh`${TARGET} 1`, '-e', SCRIPT]);
    assert.is(own.status, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`^mine 1 uid ${process.getuid!()}$`, 'm'));
    const uid = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout.trim();
    const other = await runUtap(['--engine', engine, '-c', sh`setpriv --reuid=${uid} --regid=${uid} --clear-groups ${TARGET} 1`, '-e', SCRIPT]);
    assert.is(other.status, 0, other.stderr);
    assert.match(other.stdout, new RegExp(`^mine 0 uid ${uid}$`, 'm'));
  });
}

test.run();
