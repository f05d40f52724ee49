// An ordinary user account for tests that check what utap does without root (root's tests only).
import { spawnSync } from 'node:child_process';

export const TEST_USER = 'utaptest';

/** Creates the account when missing; the reason it cannot, or undefined when it exists. */
export function ensureTestUser(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: cannot create a test user';
  if (spawnSync('id', ['-u', TEST_USER]).status === 0) return undefined;
  const r = spawnSync('useradd', ['-M', '-s', '/bin/sh', TEST_USER], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `useradd ${TEST_USER} failed: ${r.stderr.trim()}`;
}
