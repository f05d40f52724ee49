// Bad input through the real CLI: endless and huge script files, absurd -D limits, control
// characters in what an error echoes. Each gets one sentence and exit 1 (2 when the kernel
// refuses), bounded in time and memory, never an internal error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { MAX_SCRIPT_BYTES } from '../../tracer/lang/read-source';
import { visibleText } from '../../tracer/source-excerpt';
import { liveTest } from '../support/live';
import { fixture, utapCommand } from '../support/paths';
import { runCommand, runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-bad-input-'));
const bounded = { timeoutMs: 30_000 };

function noInternalError(stderr: string): void {
  assert.not.match(stderr, /internal error|Maximum call stack|RangeError|    at /);
}

test('/dev/zero as the script: refused as larger than 1 MiB, exit 1', async () => {
  const r = await runUtap(['/dev/zero'], bounded);
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr, `utap: script file '/dev/zero' is larger than ${MAX_SCRIPT_BYTES} bytes (1 MiB), the most utap reads; is it the right file? A larger script can be split into tapset files (-I DIR).\n`);
});

test('an endless FIFO as the script (a writer that never stops): refused, and -p/-c runs too', async () => {
  const fifo = path.join(dir, 'endless.stp');
  execFileSync('mkfifo', [fifo]);
  for (const extra of [[], ['-c', 'true']]) {
    const writer = spawn('sh', ['-c', sh`exec yes 'probe begin { exit() }' > ${fifo}`], { stdio: 'ignore' });
    try {
      const r = await runUtap([...extra, fifo], bounded);
      assert.is(r.status, 1, r.stderr);
      assert.match(r.stderr, /^utap: script file '.*endless\.stp' is larger than 1048576 bytes/);
    } finally {
      writer.kill('SIGKILL');
    }
  }
});

test('a script through a pipe (/dev/stdin) still reads whole', async () => {
  const r = await runCommand('sh', ['-c', sh`printf 'probe begin { println("piped"); exit() }\\n' | ${utapCommand} /dev/stdin`], bounded);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'piped\n');
});

test('a 5 MB script file is refused by the size limit, exit 1; a directory is named as one', async () => {
  const big = path.join(dir, 'big.stp');
  const line = 'probe begin { x = 1 }\n';
  fs.writeFileSync(big, line.repeat(Math.ceil(5_000_000 / line.length)));
  const r = await runUtap([big], bounded);
  assert.is(r.status, 1);
  assert.match(r.stderr, /is larger than 1048576 bytes \(1 MiB\)/);
  const d = await runUtap([dir], bounded);
  assert.is(d.status, 1);
  assert.match(d.stderr, /^utap: cannot read script file '.*': it is a directory\.\n$/);
});

test('a script just under the limit (24,000 chained functions) compiles and runs', async () => {
  const lines = ['function f0(x) { return x }'];
  let size = lines[0].length + 1;
  for (let i = 1; ; i++) {
    const l = `function f${i}(x) { y = f${i - 1}(x); return y + 1 }`;
    if (size + l.length + 1 > MAX_SCRIPT_BYTES - 200) break;
    lines.push(l);
    size += l.length + 1;
  }
  lines.push('probe begin { println(f5(1)); exit() }');
  const file = path.join(dir, 'chain.stp');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const r = await runUtap([file], { timeoutMs: 120_000 });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '6\n');
});

test('one handler of 200,000 statements (800 KB) runs: its temporaries are shared, not one per statement', async () => {
  const file = path.join(dir, 'long-handler.stp');
  fs.writeFileSync(file, `probe begin {\n${'x++\n'.repeat(200_000)}println(x); exit() }\n`);
  const r = await runUtap(['-D', 'MAXACTION=1000000', file], { timeoutMs: 120_000 });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '200000\n');
});

const RANGES: Array<[string, number, number]> = [
  ['MAXSTRINGLEN', 2, 1_048_576],
  ['MAXMAPENTRIES', 1, 1_000_000_000],
  ['MAXACTION', 1, 1_000_000_000],
  ['MAXNESTING', 1, 1000],
  ['MAXACTION_INTERRUPTIBLE', 1, 1_000_000_000],
];

for (const [name, min, max] of RANGES) {
  test(`-D ${name}: ${min} and ${max} run; ${min - 1}, ${max + 1} and 1e12 are one sentence, exit 1`, async () => {
    for (const ok of [min, max]) {
      const r = await runUtap(['-D', `${name}=${ok}`, '-e', 'probe begin { exit() } probe end { println(7) }'], bounded);
      assert.is(r.stderr, '', `${name}=${ok}`);
      assert.is(r.stdout, '7\n');
    }
    for (const bad of [String(min - 1), String(max + 1), '1000000000000']) {
      const r = await runUtap(['-D', `${name}=${bad}`, '-e', 'probe begin { exit() }'], bounded);
      assert.is(r.status, 1);
      assert.is(r.stderr, `utap: -D ${name}=${bad}: the value must be a whole number from ${min} to ${max}.\n`);
    }
  });
}

test('-D MAXSTRINGLEN=1048576 holds a string doubled past it, cut to the limit', async () => {
  const r = await runUtap(['-D', 'MAXSTRINGLEN=1048576', '-e', 'probe begin { s = "x"; for (i = 0; i < 40; i++) s = s . s; println(strlen(s)); exit() }'], bounded);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '1048575\n');
});

test('-D MAXNESTING=1000 with recursion that runs out of stack first: the MAXNESTING runtime error, exit 1', async () => {
  const locals = Array.from({ length: 300 }, (_, i) => `a${i} = x + ${i};`).join(' ');
  const sum = Array.from({ length: 300 }, (_, i) => `a${i}`).join(' + ');
  const script = `function f(x) { ${locals} return x > 0 ? f(x - 1) + (${sum}) : 0 }\nprobe begin { println(f(999)); exit() }`;
  const r = await runUtap(['-D', 'MAXNESTING=1000', '-D', 'MAXACTION=100000000', '-e', script], bounded);
  noInternalError(r.stderr);
  if (r.status === 0) return; // a machine whose stack holds 1000 such frames: nothing ran out
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ERROR: MAXNESTING exceeded: the stack ran out \d+ script function calls deep; lower -D MAXNESTING near [^\n]* at <input>:2:13\n/);
});

liveTest(test, 'uprobe engine, -D MAXMAPENTRIES=1000000000: the kernel refuses the map; exit 2 naming the array and the largest size', detectBpfFeatures().unavailable, async () => {
  const r = await runUtap(['--engine', 'uprobe', '-D', 'MAXMAPENTRIES=1000000000', '-c', sh`${fixture('counter')} 3`, '-e', 'global calls; probe process.function("work") { calls[$i]++ } probe end { println(calls[1]) }'], { timeoutMs: 60_000 });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^utap: the kernel refuses array 'calls' as a BPF map of 1000000000 entries \(-D MAXMAPENTRIES=1000000000, E2BIG\); the most it accepts here is (\d+): lower it, or use --engine ptrace\.\n$/);
  const largest = Number(/accepts here is (\d+)/.exec(r.stderr)![1]);
  assert.ok(largest > 2048 && largest < 1_000_000_000, String(largest));
  // and the ptrace engine takes the same limit: its arrays grow as keys are stored
  const p = await runUtap(['--engine', 'ptrace', '-D', 'MAXMAPENTRIES=1000000000', '-c', sh`${fixture('counter')} 3`, '-e', 'global calls; probe process.function("work") { calls[$i]++ } probe end { println(calls[1]) }'], { timeoutMs: 60_000 });
  assert.is(p.stderr, '');
  assert.is(p.stdout, 'calls=3 sum=18 fib10=55\n1\n');
});

test('control characters in the excerpt and the message are escaped; the caret stays under the column', async () => {
  const file = path.join(dir, 'esc.stp');
  fs.writeFileSync(file, 'probe begin {\n  x = "a\x1b[31mred" \x1b[2J + 1\n}\n');
  const r = await runUtap([file], bounded);
  assert.is(r.status, 1);
  assert.not.ok(r.stderr.includes('\x1b'), JSON.stringify(r.stderr));
  const [first, line, caret] = r.stderr.split('\n');
  assert.is(first, `${file}:2:19: error: '\\x1b' is not part of the script language here.`);
  assert.is(line, '  x = "a\\x1b[31mred" \\x1b[2J + 1');
  assert.is(caret.indexOf('^'), line.indexOf('\\x1b[2J'));
});

test('error("...") with an ESC sequence and a script name with one: escaped in the runtime error and the file message', async () => {
  const r = await runUtap(['-e', 'probe begin { error("bad \\x1b[2J\\a thing") }'], bounded);
  assert.is(r.status, 1);
  assert.is(r.stderr.split('\n')[0], "ERROR: bad \\x1b[2J\\x07 thing near identifier 'error' at <input>:1:15");
  const missing = await runUtap([path.join(dir, 'no\x1b[2Jfile.stp')], bounded);
  assert.is(missing.status, 1);
  assert.ok(missing.stderr.includes('no\\x1b[2Jfile.stp'), missing.stderr);
  assert.not.ok(missing.stderr.includes('\x1b'));
});

test('a number of a million digits: refused at once, quoted by its start only', async () => {
  const file = path.join(dir, 'huge-number.stp');
  fs.writeFileSync(file, `probe begin { x = ${'9'.repeat(1_000_000)} }\n`);
  const r = await runUtap([file], bounded);
  assert.is(r.status, 1);
  const [first, line] = r.stderr.split('\n');
  assert.is(first, `${file}:1:19: error: the number 99999999999999999999999999999999... (1000000 characters) does not fit in a 64-bit long.`);
  assert.ok(line.length < 200, line);
});

test('visibleText escapes C0 (but tab and newline), DEL and C1 controls, and nothing else', () => {
  assert.is(visibleText('a\tb\nc\x00\x1b\x7f\u009b\u00a0é'), 'a\tb\nc\\x00\\x1b\\x7f\\x9b\u00a0é');
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
