// kernel-helper/uprobe-warmup.ts: a throwaway uprobe placed on the thread pool, restricted to this
// process, on a file nobody executes; released once the real uprobes are in. Its state must be
// shared by every copy of the module (tracer/cli/launch.ts loads one, the CLI bundle holds another).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fdTargets } from '../support/open-fds';

const missing = detectBpfFeatures().unavailable;

const warmUpModule = require.resolve('../../kernel-helper/uprobe-warmup');
type WarmUp = typeof import('../../kernel-helper/uprobe-warmup');

function freshCopy(): WarmUp {
  delete require.cache[warmUpModule];
  return require(warmUpModule) as WarmUp;
}

function perfEventFds(): number {
  return fdTargets('self').filter((target) => target === 'anon_inode:[perf_event]').length;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
}

liveTest(test, 'one throwaway uprobe, however often it is asked for, closed by release() from another copy of the module', missing, async () => {
  const before = perfEventFds();
  const first = freshCopy();
  first.warmUpUprobeRegistration();
  first.warmUpUprobeRegistration();
  const second = freshCopy();
  second.warmUpUprobeRegistration();
  await until(() => perfEventFds() === before + 1, 'the throwaway uprobe is open');
  await new Promise((r) => setTimeout(r, 50));
  assert.is(perfEventFds(), before + 1, 'only one');
  second.releaseUprobeWarmUp();
  await until(() => perfEventFds() === before, 'released and closed');
});

liveTest(test, 'release() before the kernel has answered still closes it; release() with nothing placed does nothing', missing, async () => {
  const before = perfEventFds();
  const warmUp = freshCopy();
  warmUp.releaseUprobeWarmUp();
  warmUp.warmUpUprobeRegistration();
  warmUp.releaseUprobeWarmUp();
  await new Promise((r) => setTimeout(r, 300));
  await until(() => perfEventFds() === before, 'closed');
});

test.run();
