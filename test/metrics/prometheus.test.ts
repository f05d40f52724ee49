// The metrics endpoints scraped by a real Prometheus: `utap --metrics` during a trace on both
// engines (a target with a known latency distribution, checked through PromQL), a million-hit run
// scraped every 100 ms that still counts every hit, and `utap handlers serve` over registered
// handlers that outlived their utap. promtool checks each exposition.
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { httpGet, Prometheus, prometheusMissing, promtoolCheck } from '../support/prometheus';
import { runUtap } from '../support/run-utap';
import { startTarget } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { readableCopy } from '../support/readable-copy';

const missingProm = prometheusMissing();
const missingBpf = detectBpfFeatures().unavailable;

/** The script of the latency test: a counter, a log histogram, a statistics array keyed by the sleep. */
const LATENCY_SCRIPT = `global calls, latency, latency_by_sleep, entry
probe process.function("timed_call") { entry[tid()] = gettimeofday_us() }
probe process.function("timed_call").return {
  calls++
  d = gettimeofday_us() - entry[tid()]
  latency <<< d
  latency_by_sleep[$us] <<< d
  delete entry[tid()]
}
probe end {
  printf("calls=%d\\n", calls)
  print(@hist_log(latency))
  foreach ([sleep+] in latency_by_sleep) printf("sleep=%d count=%d\\n", sleep, @count(latency_by_sleep[sleep]))
}
`;

interface ServingUtap {
  child: ChildProcess;
  /** HOST:PORT of its metrics endpoint. */
  address: Promise<string>;
  /** Resolves once the probes are in (or utap ended). */
  armed: Promise<void>;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

/** utap -v in the background, with the address its --metrics/--listen endpoint took (port 0 picks one). */
function serving(args: string[]): ServingUtap {
  const child = spawn(process.execPath, [utapBin, '-v', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  let onAddress: (a: string) => void = () => undefined;
  let onArmed: () => void = () => undefined;
  const address = new Promise<string>((r) => (onAddress = r));
  const armed = new Promise<void>((r) => (onArmed = r));
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    const m = /at http:\/\/([0-9.]+:\d+)\/metrics/.exec(stderr);
    if (m) onAddress(m[1]);
    if (/probes armed|^utap: ptrace: \w+ probe /m.test(stderr)) onArmed();
  });
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => {
      onAddress('');
      onArmed();
      resolve({ status, stdout, stderr });
    }),
  );
  // Every wait is bounded: a utap that never gets there fails the test with what it said.
  const bounded = <T>(what: string, promise: Promise<T>): Promise<T> =>
    Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`utap did not report ${what} within 30 s: ${stderr}`)), 30_000).unref())]);
  return { child, address: bounded('its metrics address', address), armed: bounded('its probes armed', armed), done };
}

/** The HOST:PORT a `handlers serve` child says it listens on (bounded wait). */
function addressOf(child: ChildProcess): Promise<string> {
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen address within 30 s: ${said}`)), 30_000);
    child.stderr!.on('data', (d) => {
      said += d;
      const m = /http:\/\/([0-9.]+:\d+)\/metrics/.exec(said);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('close', () => reject(new Error(`exited: ${said}`)));
  });
}

/** Kills `child` (its whole process group when it leads one) and lets go of its pipes. */
function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL'); // not a group leader
    }
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

async function waitOutput(target: { output(): string }, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(target.output())) {
    if (Date.now() > deadline) throw new Error(`target did not print ${pattern}: ${target.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Why a --metrics test on `engine` cannot run here, or undefined. */
function missingFor(engine: 'ptrace' | 'uprobe'): string | undefined {
  return utapMissing(engine) ?? missingProm ?? (engine === 'uprobe' ? missingBpf : undefined);
}

/** Waits until `utap` serves metrics and has its probes in, then starts a Prometheus scraping it. */
async function scrapedOnceArmed(utap: ServingUtap): Promise<{ address: string; prometheus: Prometheus }> {
  const address = await utap.address;
  if (!address) assert.unreachable(`utap did not serve metrics: ${(await utap.done).stderr}`);
  await utap.armed;
  return { address, prometheus: await Prometheus.start([address]) };
}

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = missingFor(engine);
  liveTest(test, `--metrics on the ${engine} engine: a known latency distribution, as Prometheus scraped it`, missing, async () => {
    const target = await startTarget(fixture('latency'), ['1300:20', '5000:10', 'hold', 'wait']);
    const utap = serving(['--engine', engine, '-p', String(target.pid), '--metrics', '127.0.0.1:0', '-e', LATENCY_SCRIPT]);
    let prometheus: Prometheus | undefined;
    try {
      const armed = await scrapedOnceArmed(utap);
      prometheus = armed.prometheus;
      const address = armed.address;
      target.send('go\n');
      await waitOutput(target, /^done$/m);
      // Every call is in, and stays in: the target holds still until told to exit.
      const calls = await prometheus.waitFor('utap_calls_total', (s) => s[0]?.value === 30);
      assert.equal(calls.map((s) => s.value), [30], 'the counter as Prometheus stored it');
      assert.ok(await prometheus.targetsUp(), 'every scrape of utap succeeded');
      assert.is(await prometheus.value('utap_latency_count'), 30);
      // A call lasts at least its sleep: nothing below 1024 µs, at least the ten 5000 µs calls at 4096 or more.
      assert.is(await prometheus.value('utap_latency_bucket{le="1023"}'), 0);
      const below4096 = await prometheus.value('utap_latency_bucket{le="4095"}');
      assert.ok(below4096 !== undefined && below4096 <= 20, `le=4095 holds at most the twenty 1300 µs calls (${below4096})`);
      assert.is(await prometheus.value('utap_latency_bucket{le="+Inf"}'), 30);
      assert.ok((await prometheus.value('utap_latency_sum'))! >= 20 * 1300 + 10 * 5000);
      assert.ok((await prometheus.value('utap_latency_min'))! >= 1300);
      assert.ok((await prometheus.value('utap_latency_max'))! >= 5000);
      // Keyed statistics carry the foreach variable's name as their label.
      assert.is(await prometheus.value('utap_latency_by_sleep_count{sleep="1300"}'), 20);
      assert.is(await prometheus.value('utap_latency_by_sleep_count{sleep="5000"}'), 10);
      assert.ok((await prometheus.value('histogram_quantile(0.99, utap_latency_bucket)'))! >= 4096, 'p99 lies among the 5000 µs calls');
      // The exposition itself passes promtool's checks (format and lint).
      const scraped = await httpGet(`http://${address}/metrics`);
      assert.match(scraped.contentType, /^text\/plain; version=0\.0\.4/);
      const checked = promtoolCheck(scraped.body);
      assert.is(checked.status, 0, checked.output);
      assert.match(scraped.body, /^# HELP utap_calls_total .*<input>:1:8/m);
      assert.match(scraped.body, /^# TYPE utap_latency histogram$/m);
      assert.match(scraped.body, /^# TYPE utap_latency_by_sleep summary$/m);

      target.send('bye\n');
      const run = await utap.done;
      assert.is(run.status, 0, run.stderr);
      assert.match(run.stdout, /^calls=30$/m);
      assert.match(run.stdout, /^sleep=1300 count=20\nsleep=5000 count=10$/m);
    } finally {
      kill(utap.child);
      target.kill();
      await prometheus?.stop();
    }
  });
}

const HITS_SCRIPT = 'global hits\nprobe process.function("hit") { hits++ }\nprobe end { printf("hits=%d\\n", hits) }\n';

for (const [engine, hits] of [['uprobe', 1_000_000], ['ptrace', 20_000]] as const) {
  const missing = missingFor(engine);
  liveTest(test, `--metrics on the ${engine} engine: scraped every 100 ms through ${hits} hits, every hit counted`, missing, async () => {
    const target = await startTarget(fixture('uprobe-hits'), [String(hits), 'wait']);
    const utap = serving(['--engine', engine, '-p', String(target.pid), '--metrics', '127.0.0.1:0', '-e', HITS_SCRIPT]);
    let prometheus: Prometheus | undefined;
    try {
      const armed = await scrapedOnceArmed(utap);
      prometheus = armed.prometheus;
      // Let scrapes come in before the hits start, then all through them.
      await prometheus.waitFor('utap_hits_total', (s) => s.length === 1);
      target.send('go\n');
      assert.is(await target.exited, 0);
      assert.match(target.output(), new RegExp(`calls ${hits} `));
      const run = await utap.done;
      assert.is(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^hits=${hits}$`, 'm'), 'the scrapes cost no hit');
      const seen = await prometheus.query('max_over_time(utap_hits_total[5m])');
      assert.ok(seen.length === 1 && seen[0].value <= hits, `Prometheus saw at most ${hits} (${seen[0]?.value})`);
      const scrapes = await prometheus.value('count_over_time(up[5m])');
      assert.ok((scrapes ?? 0) >= 2, `Prometheus scraped during the run (${scrapes} scrapes)`);
    } finally {
      kill(utap.child);
      target.kill();
      await prometheus?.stop();
    }
  });
}

liveTest(test, 'utap handlers serve: registered handlers that outlived their utap, scraped by Prometheus; others\' are not served', utapMissing('uprobe') ?? missingProm ?? missingBpf, async () => {
  const name = 'utap-metrics-test';
  await runUtap(['handlers', 'rm', name]);
  const target = await startTarget(fixture('uprobe-hits'), ['3000', 'wait']);
  let server: ServingUtap | undefined;
  let stranger: ChildProcess | undefined;
  let prometheus: Prometheus | undefined;
  try {
    const script = 'global calls, args\nprobe process.function("hit") { calls++; args <<< $i }\nprobe end { printf("calls %d args %d\\n", calls, @count(args)) }\n';
    const registered = await runUtap(['--engine', 'uprobe', '-p', String(target.pid), '--name', name, '--detach', '-e', script]);
    assert.is(registered.status, 0, registered.stderr);
    target.send('go\n');
    assert.is(await target.exited, 0);

    server = serving(['handlers', 'serve', '--listen', '127.0.0.1:0']);
    const address = await server.address;
    if (!address) assert.unreachable(`handlers serve did not start: ${(await server.done).stderr}`);
    prometheus = await Prometheus.start([address]);
    const calls = await prometheus.waitFor('utap_utap_metrics_test_calls_total', (s) => s[0]?.value === 3000);
    assert.equal(calls.map((s) => s.value), [3000]);
    assert.is(await prometheus.value('utap_utap_metrics_test_args_count'), 3000);
    assert.is(await prometheus.value('utap_utap_metrics_test_args_sum'), (2999 * 3000) / 2);
    assert.is(await prometheus.value('utap_utap_metrics_test_args_max'), 2999);
    const body = (await httpGet(`http://${address}/metrics`)).body;
    const checked = promtoolCheck(body);
    assert.is(checked.status, 0, checked.output);
    // Reading leaves the maps as they were: `show` still prints the full count.
    const shown = await runUtap(['handlers', 'show', name]);
    assert.is(shown.stdout, 'calls 3000 args 3000\n', shown.stderr);
    assert.is((await httpGet(`http://${address}/nothing`)).status, 404);

    // A user who may not read these handlers (they belong to root, the target is gone) gets none of them.
    // In its own process group: runuser's child (utap) goes with it when the group is killed.
    stranger = spawn('runuser', ['-u', 'nobody', '--', process.execPath, readableCopy('nobody').utapBin, '-v', 'handlers', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const strangerAddress = await addressOf(stranger);
    const theirs = await httpGet(`http://${strangerAddress}/metrics`);
    assert.is(theirs.status, 200);
    assert.not.match(theirs.body, /utap_metrics_test/);
  } finally {
    if (stranger) kill(stranger);
    if (server) kill(server.child);
    target.kill();
    await prometheus?.stop();
    await runUtap(['handlers', 'rm', name]);
  }
});

test.run();
