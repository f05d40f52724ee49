// ubacktrace() in event mode on the uprobe engine: the kernel ships the registers and the top of
// the user stack at the hit, and utap unwinds that snapshot with the binary's CFI after the
// target has run on. Checked against the ptrace engine, which unwinds the stopped thread: the
// same frames (symbol+offset; addresses differ between runs by ASLR) for a recursive function
// (runtime-c/targets/recurse.c: depth(10) recursing down to depth(0), three rounds).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { startWaiting } from '../support/target-process';
import { utapArmed } from '../support/utap-armed';
import { utapMissing } from '../support/utap-features';

const missing = utapMissing('uprobe') ?? utapMissing('ptrace') ?? detectBpfFeatures().unavailable;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-event-bt-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SCRIPT = `global stacks
probe process("recurse").function("depth") {
  for (i = 0; i < 2; i++) {}
  if ($n == 0) {
    stacks[ubacktrace()]++
    printf("hit:\\n")
    print_ubacktrace()
  }
}
probe end {
  foreach ([s] in stacks) printf("%d from:\\n", stacks[s])
}
`;

/** The report without run-specific addresses: ` 0x55..: depth+0x2c/0x4b [path]` → `depth+0x2c/0x4b [path]`. */
function frames(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(' 0x') || /^(\d+ from|hit):$/.test(l)).map((l) => l.replace(/^ 0x[0-9a-f]+ : /, ''));
}

liveTest(test, 'uprobe event mode: ubacktrace() from the shipped stack gives the ptrace engine\'s frames', missing, async () => {
  fs.writeFileSync(path.join(tmp, 'bt.stp'), SCRIPT);
  // -p: utap reads the process's mappings when it attaches, so frames are symbolized even when
  // the records are handled after the short-lived target has exited.
  const run = async (engine: string) => {
    const target = await startWaiting(fixture('recurse'), ['3', '10']);
    const utap = utapArmed(['--engine', engine, '-p', String(target.pid), 'bt.stp'], tmp);
    await utap.armed;
    await target.release();
    return utap.done;
  };
  const u = await run('uprobe');
  const p = await run('ptrace');
  assert.is(u.status, 0, u.stderr);
  assert.is(p.status, 0, p.stderr);
  assert.match(u.stderr, /: event mode \(it has a loop\); the kernel .*ships every register and 16 KiB of the user stack for ubacktrace\(\)/);
  const got = frames(u.stdout);
  assert.equal(got, frames(p.stdout), u.stderr);
  // Three hits of depth(0), each: depth(0) and its ten callers depth(1..10), then main; one stack, three times.
  assert.is(got.filter((f) => f === 'hit:').length, 3, u.stdout);
  assert.is(got.filter((f) => f.startsWith('depth+')).length, 33, u.stdout);
  assert.is(got.filter((f) => f.startsWith('main+')).length, 3, u.stdout);
  assert.is(got[got.length - 1], '3 from:', u.stdout);
});

test.run();
