// The raw command-line guess of tracer/cli/launch-warm-up.ts: a trace of a process (-p/-c), not on
// ptrace, whose script names a probe other than begin/end/error/timer/never. Its list of options
// that take a value, and every option it looks for, must agree with main.ts's option table.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LONG_WITH_VALUE, mayPlaceUprobes, OPTIONS_READ, SHORT_WITH_VALUE } from '../../tracer/cli/launch-warm-up';
import { buildProgram } from '../../tracer/cli/main';

const PROCESS_PROBE = 'probe process.function("hit") { n++ }';

test("the options that take a value are main.ts's, long and short", () => {
  const options = buildProgram().options;
  const withValue = options.filter((o) => o.required || o.optional);
  assert.equal([...LONG_WITH_VALUE].sort(), withValue.flatMap((o) => (o.long ? [o.long] : [])).sort());
  assert.equal([...SHORT_WITH_VALUE].sort(), withValue.flatMap((o) => (o.short ? [o.short.slice(1)] : [])).sort());
});

test("every option the guess looks for is one of main.ts's (or commander's own -h, --help)", () => {
  const known = new Set(buildProgram().options.flatMap((o) => [o.short, o.long]));
  known.add('-h').add('--help');
  for (const names of Object.values(OPTIONS_READ)) for (const name of names) assert.ok(known.has(name), name);
  assert.ok(buildProgram().helpInformation().includes('-h, --help'));
});

test('-p or -c with process probes, in every spelling of the options', () => {
  for (const argv of [
    ['-p', '42', '-e', PROCESS_PROBE],
    ['-p42', '-e', PROCESS_PROBE],
    ['--pid=42', `--script=${PROCESS_PROBE}`],
    ['--pid', '42', '--engine', 'uprobe', '-e', PROCESS_PROBE],
    ['-c', 'ls -l', '-v', '-e', PROCESS_PROBE],
    ['-e', 'probe libpq.query { n++ }', '-p', '42'],
  ]) assert.ok(mayPlaceUprobes(argv), argv.join(' '));
});

test('no guess without a process, on ptrace, for listing, help and handlers, or for a script of begin/end/timer probes', () => {
  for (const argv of [
    ['-e', PROCESS_PROBE],
    ['--engine', 'ptrace', '-p', '42', '-e', PROCESS_PROBE],
    ['--engine=ptrace', '-p', '42', '-e', PROCESS_PROBE],
    ['-p', '42', '-l', 'process.function("*")'],
    ['-p', '42', '--help'],
    ['handlers', 'show', 'x'],
    ['-p', '42', '-e', 'probe begin { exit() }'],
    ['-p', '42', '-e', 'probe timer.s(1), end { println(1) }'],
    ['-c', 'sleep 1', '-e', 'probe never { }'],
  ]) assert.not.ok(mayPlaceUprobes(argv), argv.join(' '));
});

test('a script file is read (after the values of options that take one); a missing file is no guess', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-hint-'));
  try {
    const probes = path.join(dir, 'probes.stp');
    const timers = path.join(dir, 'timers.stp');
    fs.writeFileSync(probes, `global n\n${PROCESS_PROBE}\n`);
    fs.writeFileSync(timers, 'probe timer.ms(100) { exit() }\n');
    assert.ok(mayPlaceUprobes(['-o', 'out.txt', '-p', '42', probes, 'arg1']));
    assert.ok(mayPlaceUprobes(['-D', 'MAXMAPENTRIES=10', '-c', 'ls', '--', probes]));
    assert.not.ok(mayPlaceUprobes(['-p', '42', timers]));
    assert.not.ok(mayPlaceUprobes(['-p', '42', path.join(dir, 'missing.stp')]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
