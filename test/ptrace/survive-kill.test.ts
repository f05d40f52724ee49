// utap killed by SIGKILL at a random instant must leave its target running on, unharmed, with
// its original code. Real processes, repeated: a multi-threaded target (runtime-c/healer/
// survivor.c, nested and recursive calls, its own expected answer) traced with entry and
// .return probes; utap started with -p or -c and SIGKILLed mid-run (a random instant after the
// first hit), or while attaching / while the command starts (a random instant between utap's
// start and the time its first hit took in the mid-run tries). The target then runs on for a
// while untraced. A try is harmed when the target dies, stops or hangs, answers wrong, exits
// non-zero, or when any executable mapping of a file differs from that file (read through
// /proc/PID/mem). Prints tried / harmed per scenario, for every engine (inproc: jump patches,
// which the guardian puts back).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { koffi } from '../../kernel-helper/ffi';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const SURVIVOR = fixture('survivor');
const THREADS = 4;
/** the target runs at least this many rounds, then until the test writes OUT.stop */
const MIN_ROUNDS = 20;
const TRIES = Number(process.env.UTAP_SURVIVE_TRIES ?? 10);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-survive-'));

const probes = (engine: string) =>
  `global n; probe process("${SURVIVOR}").function("leaf") { if (!n++) printf("hit\\n") } ` +
  `probe process("${SURVIVOR}").function("middle").return, process("${SURVIVOR}").function("depth").return, ` +
  `process("${SURVIVOR}").function("outer").return { n++ } probe end { printf("n=%d ${engine}\\n", n) }`;

// -c targets outlive the utap that started them; as their subreaper this test gets them as
// children when utap dies, and so their exit status.
const libc = koffi.load('libc.so.6');
const prctl = libc.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
const waitpid = libc.func('int waitpid(int, _Out_ int32_t *status, int)');
const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function state(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Processes whose command line mentions `mark` (the -c shell or the target, after utap died). */
function processesWith(mark: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(mark)) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Executable file mappings whose bytes in memory differ from the file: '' when all match. */
function codeDiffers(pid: number): string {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp ([0-9a-f]+) \S+ \d+\s+(\/\S+)$/.exec(line);
      if (!m) continue;
      const start = parseInt(m[1], 16), end = parseInt(m[2], 16), offset = parseInt(m[3], 16);
      const file = fs.readFileSync(m[4]);
      const inMemory = Buffer.alloc(end - start);
      fs.readSync(mem, inMemory, 0, inMemory.length, start);
      const length = Math.min(inMemory.length, file.length - offset);
      const expected = file.subarray(offset, offset + length);
      if (!inMemory.subarray(0, length).equals(expected)) {
        const at = inMemory.findIndex((b, i) => i < length && b !== expected[i]);
        return `${m[4]} differs at 0x${(start + at).toString(16)} (0x${inMemory[at].toString(16)} instead of 0x${expected[at].toString(16)})`;
      }
    }
  } finally {
    fs.closeSync(mem);
  }
  return '';
}

/** How long utap took from its start to its first hit in the mid-run tries (ms), per engine and mode. */
const firstHitMs = new Map<string, number[]>();
function attachWindowMs(key: string): number {
  const sorted = [...(firstHitMs.get(key) ?? [])].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1] : 1500;
}

/** Each thread's allowed CPUs, by tid. */
function affinities(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1'));
    out.set(tid, m ? m[1] : '?');
  }
  return out;
}

interface Scenario {
  engine: 'ptrace' | 'uprobe' | 'inproc';
  mode: '-p' | '-c';
  /** --pin: the threads' own CPU affinities must be back too */
  pin?: boolean;
  /** attach: a random instant from utap's start; mid: a random instant after the first hit */
  when: 'attach' | 'mid';
}

interface Outcome {
  /** no target ever started (utap died before starting the command) */
  noTarget?: boolean;
  harm?: string;
}

async function tryOnce(s: Scenario, n: number): Promise<Outcome> {
  const out = path.join(tmp, `${s.engine}${s.pin ? '-pin' : ''}${s.mode}-${s.when}-${n}-`);
  const command = sh`${SURVIVOR} ${THREADS} ${MIN_ROUNDS} ${out}`;
  let target: ChildProcess | undefined;
  let targetExit: { code: number | null; signal: string | null } | undefined;
  let utap: ChildProcess | undefined;
  const pidOf = () => {
    try {
      return Number(/pid=(\d+)/.exec(fs.readFileSync(`${out}.pid`, 'latin1'))![1]);
    } catch {
      return 0;
    }
  };
  try {
    if (s.mode === '-p') {
      target = spawn(SURVIVOR, [String(THREADS), String(MIN_ROUNDS), out], { stdio: 'ignore' });
      target.on('exit', (code, signal) => (targetExit = { code, signal }));
      for (let i = 0; i < 200 && !pidOf(); i++) await sleep(5);
      for (let i = 0; i < 200 && fs.readdirSync(`/proc/${target.pid}/task`).length < THREADS + 1; i++) await sleep(5);
    }
    const before = s.pin && target ? affinities(target.pid!) : undefined;
    const args = [...(s.pin ? ['--pin'] : []), '--engine', s.engine, s.mode === '-p' ? '-p' : '-c', s.mode === '-p' ? String(target!.pid) : command, '-e', probes(s.engine)];
    utap = spawn(process.execPath, [utapBin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    utap.stdout!.on('data', (d) => (stdout += d));
    const utapDone = new Promise<void>((r) => utap!.on('exit', () => r()));
    const started = Date.now();
    if (s.when === 'mid') {
      for (let i = 0; i < 2000 && !stdout.includes('hit'); i++) await sleep(5);
      if (!stdout.includes('hit')) return { harm: 'utap never reported its first hit (so the test cannot kill it mid-run)' };
      firstHitMs.set(`${s.engine}${s.mode}`, [...(firstHitMs.get(`${s.engine}${s.mode}`) ?? []), Date.now() - started]);
      await sleep(Math.random() * 250);
    } else {
      // (utap's own start-up takes most of that time: kill in its last part; with -c the
      // command is started later still, just before its probes go in)
      const from = s.mode === '-c' ? 0.8 : 0.6;
      await sleep(attachWindowMs(`${s.engine}${s.mode}`) * (from + Math.random() * (1.05 - from)));
    }
    utap.kill('SIGKILL');
    await utapDone;
    // the target runs on untraced for a while, then finishes its round
    await sleep(300);
    fs.writeFileSync(`${out}.stop`, '');

    let pid = pidOf();
    if (s.mode === '-c' && !pid) {
      // the held shell (or nothing, if utap died before starting it)
      const held = processesWith(out);
      if (held.length === 0) return { noTarget: true };
      for (let i = 0; i < 400 && !pid; i++) {
        await sleep(5);
        pid = pidOf();
      }
      if (!pid) return { harm: `the command never started (shell state ${held.map(state).join(',')})` };
    }
    // the target finishes its rounds
    for (let i = 0; i < 2000 && !fs.existsSync(out); i++) {
      const st = state(pid);
      if (st === undefined || st === 'Z') break;
      if (st === 'T' || st === 't') {
        await sleep(200);
        if (state(pid) === 'T' || state(pid) === 't') return { harm: 'left stopped' };
      }
      await sleep(10);
    }
    if (!fs.existsSync(out)) {
      let how = targetExit ? JSON.stringify(targetExit) : '';
      if (!target) {
        const raw = new Int32Array(1);
        if (waitpid(pid, raw, WNOHANG) === pid) how = (raw[0] & 0x7f) !== 0 ? `killed by signal ${raw[0] & 0x7f}` : `exit ${(raw[0] >> 8) & 0xff}`;
      }
      let crash = '';
      try {
        crash = `: ${fs.readFileSync(`${out}.crash`, 'latin1').trim()}`;
      } catch {
        /* no report */
      }
      return { harm: `died or hung before its answer (${how || `state ${state(pid)}`})${crash}` };
    }
    const answer = fs.readFileSync(out, 'latin1');
    const m = /sum=(-?\d+) expected=(-?\d+)/.exec(answer);
    if (!m || m[1] !== m[2]) return { harm: `wrong answer: ${answer.trim()}` };
    const differs = codeDiffers(pid);
    if (before) {
      const after = affinities(pid);
      const changed = [...before].filter(([tid, cpus]) => after.has(tid) && after.get(tid) !== cpus);
      if (changed.length) return { harm: `CPU affinity left changed (--pin): ${changed.map(([tid, cpus]) => `${tid} ${cpus} → ${after.get(tid)}`).join(', ')}` };
    }
    fs.writeFileSync(`${out}.exit`, '');
    // its exit status: a child of this test (-p), or reparented to it (-c)
    let status: string | undefined;
    for (let i = 0; i < 1000 && status === undefined; i++) {
      if (target) {
        if (targetExit) status = targetExit.code === 0 ? 'ok' : `exit ${JSON.stringify(targetExit)}`;
      } else {
        const raw = new Int32Array(1);
        const r = waitpid(pid, raw, WNOHANG);
        if (r === pid) status = (raw[0] & 0x7f) === 0 && ((raw[0] >> 8) & 0xff) === 0 ? 'ok' : `wait status 0x${raw[0].toString(16)}`;
        else if (r < 0 && state(pid) === undefined) status = 'ok?';
      }
      if (status === undefined) await sleep(10);
    }
    if (differs) return { harm: `code changed: ${differs}` };
    if (status === undefined) return { harm: 'did not exit' };
    if (status !== 'ok' && status !== 'ok?') return { harm: status };
    return {};
  } finally {
    utap?.kill('SIGKILL');
    fs.writeFileSync(`${out}.stop`, '');
    fs.writeFileSync(`${out}.exit`, '');
    if (target && !targetExit) target.kill('SIGKILL');
    for (const pid of processesWith(out)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

async function scenario(s: Scenario): Promise<void> {
  let tried = 0, noTarget = 0;
  const harms: string[] = [];
  for (let n = 0; n < TRIES; n++) {
    const outcome = await tryOnce(s, n);
    if (outcome.noTarget) noTarget++;
    else tried++;
    if (outcome.harm) harms.push(outcome.harm);
  }
  const name = `${s.engine}${s.pin ? ' --pin' : ''} ${s.mode} killed ${s.when === 'attach' ? (s.mode === '-p' ? 'while attaching' : 'while starting the command') : 'mid-run'}`;
  console.log(`  ${name}: ${tried} tried, ${harms.length} harmed${noTarget ? ` (${noTarget} more killed before the command started)` : ''}`);
  assert.equal(harms, [], `${name}: ${harms.join('; ')}`);
}

const ptraceMissing = utapMissing('ptrace') ?? (fs.existsSync(SURVIVOR) ? undefined : `${SURVIVOR} is not built (make -C runtime-c)`);
const uprobeMissing = ptraceMissing ?? utapMissing('uprobe') ?? detectBpfFeatures().unavailable;

for (const engine of ['ptrace', 'uprobe', 'inproc'] as const) {
  for (const mode of ['-p', '-c'] as const) {
    for (const when of ['mid', 'attach'] as const) {
      const s: Scenario = { engine, mode, when };
      liveTest(test, `SIGKILL of utap (${engine} ${mode}, ${when}): the target runs on unharmed, its code as in its files`, engine === 'uprobe' ? uprobeMissing : ptraceMissing, () => scenario(s));
    }
  }
}

liveTest(test, 'SIGKILL of utap (ptrace --pin -p, mid): the target runs on unharmed, its own CPU affinities back', ptraceMissing, () =>
  scenario({ engine: 'ptrace', mode: '-p', when: 'mid', pin: true }),
);

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
