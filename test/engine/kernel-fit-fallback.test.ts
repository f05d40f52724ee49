// The one case where the uprobe engine learns only by compiling that a site cannot have a kernel
// handler: kernel-fit.ts finds nothing eBPF cannot do in it, but with MAXSTRINGLEN=8192 its string
// locals and literals need more than the 32 KiB of per-CPU scratch a kernel handler has. The
// engine then runs it in event mode (kernel-handlers.ts), says so under -v with the reason, and
// the script's output is the program's own account — through a uprobe_multi link and through a
// perf event per site alike.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable;
const SCRIPT = `global n, last
probe process.function("work") { a = "first"; b = "second"; c = "third"; n++; last = c }
probe end { printf("n=%d last=%s\\n", n, last) }`;
const TOO_BIG = /probe process\("[^"]*counter"\)\.function\("work[^"]*"\) at [^:]+: event mode \(its strings and keys need more than the 32768 bytes of scratch a kernel handler has\)/;

for (const multi of ['1', '0']) {
  liveTest(test, `a handler too big for the kernel's scratch runs in event mode, with its reason, and counts right (UTAP_UPROBE_MULTI=${multi})`, missing, async () => {
    const r = await runUtap(['--engine', 'uprobe', '-v', '-D', 'MAXSTRINGLEN=8192', '-c', sh`${fixture('counter')} 50`, '-e', SCRIPT], { timeoutMs: 30_000, env: { ...process.env, UTAP_UPROBE_MULTI: multi } });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^calls=50 /m, 'the target ran');
    assert.match(r.stdout, /^n=50 last=third$/m);
    assert.match(r.stderr, TOO_BIG);
  });
}

test.run();
