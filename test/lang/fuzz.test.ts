// Fuzzing the front end: thousands of scripts mutated from examples/, test/corpus/ and tapset/
// (tokens and characters deleted, duplicated, swapped; random bytes with control characters,
// huge numbers, deep nesting and long chains inserted), with a fixed seed so a failure repeats.
//
// Every script goes through the front end in-process — lexer, parser, checker, lowering, the
// plan of begin/end/timer probes and the generated JavaScript of its handlers (nothing runs and
// nothing is traced: process probes stop at the plan, which has no resolver here) — in a worker
// thread with the main thread's stack size, watched so that a hang fails naming the script. A
// sample of a few dozen also runs through the real CLI (each ending with `probe begin { exit() }`,
// no target; every third with a -D limit in range, at an edge or absurd), bounded by a timeout. Allowed outcomes: success, or a UtapError with status 1 or 2
// whose text has no raw control characters; the CLI exits 0, 1 or 2, never with a signal or an
// internal error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';

const SEED = 0x5eed_2026;
const CASES = 3000;
const CLI_SAMPLE = 36;
/** The whole in-process run may take this long before it counts as a hang (2 loaded cores: ~15 s). */
const WORKER_BOUND_MS = 240_000;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKEN = /\s+|\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9a-fA-F]+|\d+|\$\$?[A-Za-z_0-9]*|@[A-Za-z_0-9]*|>>>=|<<<|>>>|<<=|>>=|[=!<>&|+\-*/%^.]=|&&|\|\||\+\+|--|->|<<|>>|[\s\S]/g;

const HUGE = ['99999999999999999999999999', '18446744073709551616', '0xffffffffffffffffffff', '-9223372036854775808', '9223372036854775808', '0777777777777777777777777', '1e999', '4294967296'];
const VOCABULARY = ['probe', 'global', 'function', 'foreach', 'in', 'limit', 'if', 'else', 'while', 'for', 'next', 'return', 'delete', 'private', '@count', '@hist_log', '@entry', '$var', '$$parms', '$1', '@1', '%{', '%(', '<<<', '?', ':', ';', '{', '}', '(', ')', '[', ']', ',', '"', '/*', 'begin', 'end', 'timer.ms(1)', 'process("x")', 'exit()', 'println', 'printf("%s%d%', 'sprintf', 'user_string', 'error'];
/** -D values the CLI sample adds to every third script: in range, at the edges, absurd. */
const DEFINES = ['MAXSTRINGLEN=2', 'MAXSTRINGLEN=1048576', 'MAXSTRINGLEN=1000000000', 'MAXACTION=1', 'MAXACTION=99999999999999999999', 'MAXNESTING=1000', 'MAXNESTING=0', 'MAXMAPENTRIES=1', 'MAXMAPENTRIES=-1', 'MAXACTION_INTERRUPTIBLE=x', 'OTHER=\x1b'];
const STRANGE = ['\x00', '\x1b', '\x1b[2J', '\x07', '\x7f', '\x9b', '\r', '\v', '\f', '\u202e', '\ufeff', '\ud800', 'é', '\u0301', '\\', '`', '~'];

export interface FuzzCase {
  source: string;
  mutations: string[];
  text: string;
}

/** The mutated scripts, the same on every run. */
export function fuzzCases(): FuzzCase[] {
  const files = [
    ...['examples', path.join('test', 'corpus'), 'tapset'].flatMap((d) =>
      fs.readdirSync(path.join(repoRoot, d)).filter((f) => f.endsWith('.stp')).sort().map((f) => path.join(d, f)),
    ),
  ];
  const sources = files.map((f) => ({ name: f, text: fs.readFileSync(path.join(repoRoot, f), 'latin1') }));
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const int = (n: number) => Math.floor(random() * n);

  const mutations: Array<[string, (tokens: string[]) => string[]]> = [
    ['delete a token', (t) => { t.splice(int(t.length), 1); return t; }],
    ['duplicate a token', (t) => { const i = int(t.length); t.splice(i, 0, t[i]); return t; }],
    ['swap two tokens', (t) => { const i = int(t.length), j = int(t.length); [t[i], t[j]] = [t[j], t[i]]; return t; }],
    ['delete characters', (t) => { const s = t.join(''); const i = int(s.length); return [s.slice(0, i) + s.slice(i + 1 + int(8))]; }],
    ['duplicate characters', (t) => { const s = t.join(''); const i = int(s.length); return [s.slice(0, i + 1 + int(8)) + s.slice(i)]; }],
    ['swap two characters', (t) => { const c = [...t.join('')]; const i = int(c.length), j = int(c.length); [c[i], c[j]] = [c[j], c[i]]; return [c.join('')]; }],
    ['insert random bytes', (t) => { const bytes = Array.from({ length: 1 + int(6) }, () => (random() < 0.5 ? pick(STRANGE) : String.fromCharCode(int(256)))).join(''); t.splice(int(t.length), 0, bytes); return t; }],
    ['insert a huge number', (t) => { const i = t.findIndex((x, k) => k >= int(t.length) && /^\d/.test(x)); t.splice(i >= 0 ? i : int(t.length), i >= 0 ? 1 : 0, pick(HUGE)); return t; }],
    ['insert a keyword or operator', (t) => { t.splice(int(t.length), 0, ` ${pick(VOCABULARY)} `); return t; }],
    ['nest parentheses deeply', (t) => { const n = pick([150, 250, 3000]); const i = int(t.length); t.splice(i, 1, `${'('.repeat(n)}${t[i] ?? '1'}${')'.repeat(random() < 0.8 ? n : int(n))}`); return t; }],
    ['nest blocks deeply', (t) => { const n = pick([90, 120, 2000]); const i = t.indexOf('{', int(t.length)); const at = i >= 0 ? i + 1 : int(t.length); t.splice(at, 0, `${'{'.repeat(n)} x = 1 ${'}'.repeat(n)}`); return t; }],
    ['prefix operators', (t) => { const i = int(t.length); t.splice(i, 0, pick(['-', '!', '~', '++']).repeat(pick([50, 300, 5000]))); return t; }],
    ['a long chain', (t) => { const i = t.findIndex((x, k) => k >= int(t.length) && /^\d/.test(x)); t.splice(i >= 0 ? i + 1 : int(t.length), 0, ` ${pick(['+', '-', '.', '*', '&&', '<', '?1:'])} 1`.repeat(pick([40, 900, 4000]))); return t; }],
    ['an else-if chain', (t) => { const i = t.indexOf('{', int(t.length)); const at = i >= 0 ? i + 1 : int(t.length); t.splice(at, 0, Array.from({ length: pick([50, 400]) }, (_, k) => `if (x == ${k}) x++`).join(' else ')); return t; }],
    ['cut the script short', (t) => t.slice(0, int(t.length))],
  ];

  const cases: FuzzCase[] = [];
  for (let n = 0; n < CASES; n++) {
    const source = sources[n % sources.length];
    let tokens: string[] = [...(source.text.match(TOKEN) ?? [])];
    const applied: string[] = [];
    for (let k = 1 + int(3); k > 0; k--) {
      const [name, mutate] = pick(mutations);
      tokens = mutate([...tokens]);
      applied.push(name);
    }
    cases.push({ source: source.name, mutations: applied, text: tokens.join('') });
  }
  return cases;
}

/** What one script does in the front end: 'ok', or the UtapError's status; throws anything else. */
export function frontEnd(text: string, defines: Array<{ name: string; value: string }> = []): { outcome: 'ok' | number; message?: string } {
  const { UtapError } = require('../../tracer/errors') as typeof import('../../tracer/errors');
  const { compileScript } = require('../../tracer/lang/compile') as typeof import('../../tracer/lang/compile');
  const { buildPlan } = require('../../tracer/plan/plan') as typeof import('../../tracer/plan/plan');
  const { Session } = require('../../tracer/runtime/session') as typeof import('../../tracer/runtime/session');
  const { MemorySink } = require('../../tracer/runtime/output-sink') as typeof import('../../tracer/runtime/output-sink');
  try {
    const program = compileScript({ text, file: 'fuzz.stp', scriptArgs: ['1', 'two'], defines, includeDirs: [], guru: false });
    // the plan without a resolver refuses process probes (status 2): nothing is traced
    const plan = buildPlan(program, {});
    new Session(plan, { output: new MemorySink(), errors: new MemorySink(), json: false });
    return { outcome: 'ok' };
  } catch (error) {
    if (error instanceof UtapError) return { outcome: error.status, message: error.message };
    throw error;
  }
}

interface Failure { index: number; why: string }

/** Worker side: runs every case, publishing the index it is at in `progress[0]`. */
function fuzzInWorker(): void {
  const progress = new Int32Array(workerData.progress as SharedArrayBuffer);
  const cases = fuzzCases();
  const failures: Failure[] = [];
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < cases.length; i++) {
    Atomics.store(progress, 0, i);
    try {
      const { outcome, message } = frontEnd(cases[i].text);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome !== 'ok' && outcome !== 1 && outcome !== 2) failures.push({ index: i, why: `exit status ${outcome}: ${message}` });
      else if (message && /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/.test(message)) failures.push({ index: i, why: `raw control character in: ${JSON.stringify(message.slice(0, 300))}` });
      else if (message && /internal error|Maximum call stack/.test(message)) failures.push({ index: i, why: message });
    } catch (error) {
      failures.push({ index: i, why: `${(error as Error)?.name}: ${(error as Error)?.message}\n${(error as Error)?.stack?.split('\n').slice(1, 6).join('\n')}` });
    }
  }
  parentPort!.postMessage({ failures, outcomes, count: cases.length });
}

if (!isMainThread && workerData?.fuzz) {
  fuzzInWorker();
} else {
  const cases = fuzzCases();
  const describe = (i: number) => `case ${i} (${cases[i].source}: ${cases[i].mutations.join(', ')}): ${JSON.stringify(cases[i].text.slice(0, 400))}`;

  test(`the generator is deterministic and makes ${CASES} distinct scripts from every source`, () => {
    const again = fuzzCases();
    assert.equal(again.map((c) => c.text), cases.map((c) => c.text));
    assert.ok(new Set(cases.map((c) => c.text)).size > CASES * 0.9);
    assert.ok(new Set(cases.map((c) => c.source)).size >= 30);
  });

  test(`${CASES} mutated scripts through the front end in-process: only success or exit 1/2, no internal error, no hang`, async () => {
    const progress = new SharedArrayBuffer(4);
    // the main thread's V8 stack (~1 MB): a worker's default 4 MB would hide overflows the CLI meets
    const worker = new Worker(__filename, { workerData: { fuzz: true, progress }, resourceLimits: { stackSizeMb: 1 } });
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await new Promise<{ failures: Failure[]; outcomes: Record<string, number>; count: number }>((resolve, reject) => {
        worker.on('message', resolve);
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`the fuzz worker exited (${code}) at ${describe(new Int32Array(progress)[0])}`)));
        timer = setTimeout(() => reject(new Error(`no answer after ${WORKER_BOUND_MS / 1000} s: hung at ${describe(new Int32Array(progress)[0])}`)), WORKER_BOUND_MS);
      });
      assert.is(result.count, CASES);
      if (result.failures.length) assert.unreachable(`${result.failures.length} failures; the first:\n${result.failures.slice(0, 3).map((f) => `${describe(f.index)}\n  → ${f.why}`).join('\n')}`);
      // the mutations reach past the lexer: some scripts still compile, most are refused
      assert.ok((result.outcomes.ok ?? 0) > CASES / 20, JSON.stringify(result.outcomes));
      assert.ok((result.outcomes['1'] ?? 0) > CASES / 4, JSON.stringify(result.outcomes));
    } finally {
      clearTimeout(timer);
      await worker.terminate();
    }
  });

  test(`${CLI_SAMPLE} of them through the real CLI (no target, begin ends it): exit 0, 1 or 2, bounded`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-fuzz-'));
    try {
      const step = Math.floor(CASES / (CLI_SAMPLE * 3));
      let ran = 0;
      for (let i = 7; i < CASES && ran < CLI_SAMPLE; i += step) {
        const text = `${cases[i].text}\nprobe begin { exit() }\n`;
        const define = ran % 3 === 2 ? DEFINES[Math.floor(ran / 3) % DEFINES.length] : undefined;
        const defines = define ? [{ name: define.slice(0, define.indexOf('=')), value: define.slice(define.indexOf('=') + 1) }] : [];
        // only scripts that can trace nothing (an optional process probe would be placed system-wide)
        let outcome: 'ok' | number;
        try {
          outcome = frontEnd(text, defines).outcome;
        } catch {
          outcome = 70; // the in-process test reports it
        }
        if (/process/.test(text)) continue;
        const file = path.join(dir, `case${i}.stp`);
        fs.writeFileSync(file, text, 'utf8');
        const r = await runUtap([...(define ? ['-D', define] : []), file], { timeoutMs: 20_000, cwd: dir });
        ran++;
        const where = `${define ? `-D ${define} ` : ''}${describe(i)}\nstderr: ${JSON.stringify(r.stderr.slice(0, 600))}`;
        assert.is(r.signal, null, `killed (hung?) ${where}`);
        assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `exit ${r.status} ${where}`);
        assert.not.match(r.stderr, /internal error|Maximum call stack|\n    at /, where);
        assert.not.match(r.stderr, /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, `raw control character on stderr: ${where}`);
        if (outcome !== 'ok') assert.is(r.status, outcome, `the CLI and the in-process front end disagree: ${where}`);
      }
      assert.ok(ran >= CLI_SAMPLE / 2, `only ${ran} sample scripts ran`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.run();
}
