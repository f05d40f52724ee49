// Live tests need real kernel features. Where one is missing the test says why and skips;
// under CI=true (this machine kind has every feature) a skip is a failure, so nothing is
// silently untested.
import type { Test } from 'uvu';

export const inCI = process.env.CI === 'true';
/** Set by test/run.ts for files of the unit tier. */
export const inUnitTier = process.env.UTAP_TEST_TIER === 'unit';

/**
 * Registers `name` on `suite`, or — when `missing` names an absent feature — registers a test
 * that skips with that reason (printed as `SKIP: ...`, which the runner lists) or fails in CI.
 */
export function liveTest(suite: Test, name: string, missing: string | undefined, fn: () => void | Promise<void>): void {
  if (inUnitTier) {
    // The runner's unit tier (`*.unit.test.ts`) promises no live features: a live test there is misfiled.
    suite(name, () => {
      throw new Error(`${name}: a live test in a unit-tier file; name the file *.test.ts (live tier) instead of *.unit.test.ts`);
    });
    return;
  }
  if (!missing) {
    suite(name, fn);
    return;
  }
  if (inCI) {
    suite(name, () => {
      throw new Error(`${name}: required feature missing in CI: ${missing}`);
    });
    return;
  }
  console.log(`SKIP: ${name}: ${missing}`);
  suite.skip(name, fn);
}
