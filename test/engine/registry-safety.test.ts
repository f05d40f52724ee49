// The registry of named handlers against other users (kernel-helper/registry.ts). Each case runs
// in a private mount namespace with a bpffs of its own at /sys/fs/bpf (unshare -m), so the host's
// registrations are neither seen nor touched: utap mounts bpffs 0755, not bpffs's own 1777;
// /sys/fs/bpf/utap is root's and writable by nobody else; a registry folder or a NAME another user
// made is refused with one sentence, and nothing is registered there.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, utapCommand } from '../support/paths';
import { runCommand, type RunResult } from '../support/run-utap';
import { sh } from '../support/shell';

const SCRIPT = 'global w\nprobe process.function("work") { w++ }\nprobe end { printf("work=%d\\n", w) }';
const TRACED = 'calls=40 sum=2460 fib10=55\nwork=40\n';

/** Runs `shell` (sh) in a new private mount namespace where /sys/fs/bpf starts unmounted; $UTAP, $SCRIPT, $COUNTER and $COMMAND (counter 40, quoted for -c) are set. */
function inPrivateBpffs(shell: string): Promise<RunResult> {
  return runCommand('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/bpf 2>/dev/null; ' + shell], {
    env: { ...process.env, UTAP: utapCommand, SCRIPT, COUNTER: fixture('counter'), COMMAND: sh`${fixture('counter')} 40` },
    timeoutMs: 60_000,
  });
}

/** The lines of `text` after a line `== name`, up to the next such line. */
function section(text: string, name: string): string {
  const parts = text.split(/^== /m);
  const part = parts.find((p) => p.startsWith(`${name}\n`));
  return part === undefined ? '' : part.slice(name.length + 1);
}

test('utap mounts bpffs itself 0755 (not 1777) and makes /sys/fs/bpf/utap root 0755', async () => {
  if (!fs.existsSync('/sys/fs/bpf')) throw new Error('no /sys/fs/bpf on this kernel');
  const r = await inPrivateBpffs(`
    echo "== before"; mount | grep -c ' /sys/fs/bpf ' || true
    echo "== run"; "$UTAP" --engine uprobe --name sec-fresh -c "$COMMAND" -e "$SCRIPT" 2>&1; echo "rc=$?"
    echo "== modes"; stat -c '%a %u' /sys/fs/bpf /sys/fs/bpf/utap`);
  assert.is(r.status, 0, r.stderr);
  assert.is(section(r.stdout, 'before'), '0\n', 'the case starts without bpffs');
  assert.is(section(r.stdout, 'run'), `${TRACED}rc=0\n`);
  const [root, registry] = section(r.stdout, 'modes').trim().split('\n');
  const [rootMode, rootUid] = root.split(' ');
  assert.is(Number.parseInt(rootMode, 8) & 0o022, 0, `bpffs root mode ${rootMode} is writable by nobody but root`);
  assert.is(rootUid, '0');
  assert.is(registry, '755 0');
});

test("a /sys/fs/bpf/utap another user made first (bpffs mounted 1777 by someone else) is refused with one sentence", async () => {
  const r = await inPrivateBpffs(`
    mount -t bpf bpf /sys/fs/bpf && chmod 1777 /sys/fs/bpf
    runuser -u nobody -- mkdir -p /sys/fs/bpf/utap/sec-name
    echo "== run"; "$UTAP" --engine uprobe --name sec-name -c "$COMMAND" -e "$SCRIPT" 2>&1; echo "rc=$?"
    echo "== show"; "$UTAP" handlers show sec-name 2>&1; echo "rc=$?"
    echo "== left"; ls /sys/fs/bpf/utap/sec-name`);
  assert.is(r.status, 0, r.stderr);
  const sentence = 'utap: /sys/fs/bpf/utap is not safe to use (it belongs to uid 65534, not root): another user may have made it or what is in it; as root, look at it and remove it (rm -r /sys/fs/bpf/utap), then run again.\n';
  const run = section(r.stdout, 'run');
  assert.ok(run.endsWith(`${sentence}rc=2\n`), run);
  assert.not.match(run, /work=/, 'no handlers ran from it');
  assert.is(section(r.stdout, 'show'), `${sentence}rc=2\n`);
  assert.is(section(r.stdout, 'left'), '', 'nothing pinned in the other user\'s folder');
});

test("a NAME another user made or may enter in root's registry is refused; other names still register", async () => {
  const r = await inPrivateBpffs(`
    mount -t bpf -o mode=0755 bpf /sys/fs/bpf && mkdir -m 755 /sys/fs/bpf/utap
    mkdir -m 777 /sys/fs/bpf/utap/sec-name && chown nobody /sys/fs/bpf/utap/sec-name
    echo "== run"; "$UTAP" --engine uprobe --name sec-name -c "$COMMAND" -e "$SCRIPT" 2>&1; echo "rc=$?"
    echo "== show"; "$UTAP" handlers show sec-name 2>&1; echo "rc=$?"
    echo "== other"; "$UTAP" --engine uprobe --name sec-other -c "$COMMAND" -e "$SCRIPT" 2>&1; echo "rc=$?"`);
  assert.is(r.status, 0, r.stderr);
  const sentence =
    "utap: /sys/fs/bpf/utap/sec-name was not made by utap's registry (others than its owner (uid 65534) may use it (mode 0777)); as root, look at it and remove it (rm -r /sys/fs/bpf/utap/sec-name), or choose another name.\n";
  const run = section(r.stdout, 'run');
  assert.ok(run.endsWith(`${sentence}rc=2\n`), run);
  assert.is(section(r.stdout, 'show'), `${sentence}rc=2\n`);
  assert.is(section(r.stdout, 'other'), `${TRACED}rc=0\n`);
});

test.run();
