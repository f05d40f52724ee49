// The stop signals (tracer/runtime/stop-signals.ts) on each engine, through the real command
// line: SIGINT, SIGTERM and SIGHUP sent to a utap attached with -p end the run through the end
// probes with status 0, the --json exit record names the signal, and the process, let go
// afterwards, runs to its own correct end (every probe was taken out).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { startWaiting } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { utapArmed } from '../support/utap-armed';
import { STOP_SIGNALS } from '../../tracer/runtime/stop-signals';

const HITS = fixture('uprobe-hits');
const SCRIPT = 'global n\nprobe process.function("hit") { n++ }\nprobe end { printf("end %d\\n", n) }';

for (const engine of ['ptrace', 'uprobe'] as const) {
  for (const signal of STOP_SIGNALS) {
    liveTest(test, `${engine}: ${signal} ends the run through the end probes, status 0, reason ${signal}; the process goes on untouched`, utapMissing(engine), async () => {
      const target = await startWaiting(HITS, ['300']);
      try {
        const run = utapArmed(['--engine', engine, '--json', '-p', String(target.pid), '-e', SCRIPT]);
        await run.armed;
        run.child.kill(signal);
        const r = await run.done;
        assert.is(r.status, 0, r.stderr);
        const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; reason?: string; text?: string });
        assert.equal(records.find((x) => x.type === 'exit')?.reason, signal, r.stdout);
        assert.ok(r.stdout.includes('end 0'), r.stdout);
        const truth = await target.release();
        assert.is(truth.code, 0);
        assert.match(truth.stdout, /^calls 300 sum 44850 /);
      } finally {
        target.child.kill('SIGKILL');
      }
    });
  }
}

test.run();
