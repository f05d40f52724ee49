// Event mode reads target memory at the hit: the handlers here have a loop (so they run in
// userspace on the uprobe engine) and read strings, longs and struct fields of every call of
// handle() in runtime-c/targets/overwrite.c, which overwrites all of that memory right after
// each call returns — a read done when utap handles the record would see other bytes. Checked
// against the target's own ground truth, and against the ptrace engine (same output, same
// errors). A read the kernel cannot do at the hit (its address comes from a local the loop changes)
// is refused.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap, type RunResult } from '../support/run-utap';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? utapMissing('ptrace') ?? detectBpfFeatures().unavailable;
const TARGET = fixture('overwrite');
const CALLS = 12;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-event-reads-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(engine: string, name: string, script: string, extra: string[] = []): Promise<RunResult> {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, script);
  return runUtap(['--engine', engine, ...extra, '-c', sh`${TARGET} ${CALLS}`, name], { cwd: tmp });
}

/** The target's own lines, `call ...`, and the handler's, `got ...` (same stdout, any interleaving). */
function lines(stdout: string, prefix: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(`${prefix} `)).map((l) => l.slice(prefix.length + 1));
}

// At the call: $name (a string), $n (a register), $it->id (a 4-byte field), $it->label (a string
// through a pointer field), $it->inner->value (a nested chain), $it->inner->tag (a char array).
// Call 5's inner pointer and call 7's label pointer fault: the branches that read them are not
// taken for those calls.
const AT_CALL = `
probe process("overwrite").function("handle") {
  for (i = 0; i < 3; i++) {}
  if ($it->id != 5 && $it->id != 7)
    printf("got %d name=%s n=%d id=%d label=%s value=%d tag=%s\\n", $it->id, user_string($name), $n, $it->id, user_string($it->label), $it->inner->value, user_string($it->inner->tag))
  else if ($it->id == 5)
    printf("got %d name=%s n=%d id=%d label=%s value=- tag=-\\n", $it->id, user_string($name), $n, $it->id, user_string($it->label))
  else
    printf("got %d name=%s n=%d id=%d label=- value=%d tag=%s\\n", $it->id, user_string($name), $n, $it->id, $it->inner->value, user_string($it->inner->tag))
}
`;

// At the return: the pointers are entry values ($it->label, $it->inner, $name captured at the
// call), the memory they point at is read at the return (before main overwrites it), as the
// ptrace engine does; the kernel keeps the entry values for the return program.
const AT_RETURN = `
probe process("overwrite").function("handle").return {
  for (i = 0; i < 3; i++) {}
  id = $it->id
  if (id == 5)
    printf("got %d name=%s n=%d id=%d label=%s value=- tag=-\\n", id, user_string($name), $n, id, user_string($it->label))
  else if (id == 7)
    printf("got %d name=%s n=%d id=%d label=- value=%d tag=%s\\n", id, user_string($name), $n, id, user_long($it->inner), user_string($it->inner + 8))
  else
    printf("got %d name=%s n=%d id=%d label=%s value=%d tag=%s\\n", id, user_string($name), $n, id, user_string($it->label), user_long($it->inner), user_string($it->inner + 8))
  if ($return != id + $n) printf("bad return %d\\n", $return)
}
`;

for (const [what, script] of [['at the call', AT_CALL], ['at the return, with entry values', AT_RETURN]] as const) {
  liveTest(test, `uprobe event mode ${what}: every read is the target's memory at the hit, though the target overwrites it right after`, missing, async () => {
    const r = await run('uprobe', 'reads.stp', script, ['-v']);
    assert.is(r.status, 0, r.stderr);
    assert.not.match(r.stderr, /ERROR/);
    assert.match(r.stderr, /: event mode \(it has a loop\); the kernel .*reads at the hit and ships .*user_string at reads\.stp:\d+:\d+/);
    if (script === AT_RETURN) assert.match(r.stderr, /keeps the entry values in a map from the function entry/);
    const truth = lines(r.stdout, 'call');
    assert.is(truth.length, CALLS, r.stdout);
    assert.equal(lines(r.stdout, 'got'), truth);
    assert.not.match(r.stdout, /bad return/);
    // The ptrace engine gives the same lines.
    const p = await run('ptrace', 'reads.stp', script);
    assert.is(p.status, 0, p.stderr);
    assert.equal(lines(p.stdout, 'got'), truth);
  });
}

// A taken branch that reads through a bad pointer: the error the ptrace engine reports, with
// what the handler printed before it.
const FAULTS: Array<[string, string, RegExp]> = [
  ['a long through a bad pointer', 'if ($it->id == 5) printf("inner %d\\n", $it->inner->value)\n  else printf("got %d %s\\n", $it->id, user_string($it->label))', /^ERROR: read fault at 0x10 \(8 bytes\) near [^\n]* at fault\.stp:3:/m],
  ['a string through a bad pointer', 'if ($it->id == 7) printf("label %s\\n", user_string($it->label))\n  else printf("got %d\\n", $it->id)', /^ERROR: user string copy fault -14 at 0x18 near [^\n]* at fault\.stp:3:/m],
];
for (const [what, body, error] of FAULTS) {
  liveTest(test, `uprobe event mode: ${what} in a taken branch is the ptrace engine's runtime error`, missing, async () => {
    const script = `probe process("overwrite").function("handle") {\n  for (i = 0; i < 2; i++) {}\n  ${body}\n}\n`;
    const u = await run('uprobe', 'fault.stp', script);
    const p = await run('ptrace', 'fault.stp', script);
    assert.is(u.status, 1, u.stderr);
    assert.match(u.stderr, error);
    assert.is(u.stderr, p.stderr);
    assert.is(p.status, 1);
    assert.equal(lines(u.stdout, 'got'), lines(p.stdout, 'got'));
    assert.ok(lines(u.stdout, 'got').length >= 5, u.stdout);
  });
}

liveTest(test, 'uprobe event mode: script functions read through their parameters at the hit, call by call, as on ptrace', missing, async () => {
  const script = `function label(it) { return user_string(user_long(it + 8)) }
function named(p) { s = user_string(p); return s . "!" }
probe process("overwrite").function("handle") {
  if ($it->id != 7) printf("got %d label=%s name=%s\\n", $it->id, label($it), named($name))
}
`;
  const u = await run('uprobe', 'functions.stp', script, ['-v']);
  const p = await run('ptrace', 'functions.stp', script);
  assert.is(u.status, 0, u.stderr);
  assert.match(u.stderr, /event mode \(it calls a script function\); the kernel reads at the hit and ships/);
  const truth = lines(u.stdout, 'call').filter((l) => !l.includes('label=-')).map((l) => {
    const [, name, id, label] = /^\d+ name=(\S+) n=\S+ id=(\d+) label=(\S+)/.exec(l)!;
    return `${id} label=${label} name=${name}!`;
  });
  assert.equal(lines(u.stdout, 'got'), truth);
  assert.equal(lines(u.stdout, 'got'), lines(p.stdout, 'got'));
});

liveTest(test, 'uprobe event mode: a local set once before the read is read through at the hit; one set in a loop is refused with one sentence, and auto runs it on ptrace', missing, async () => {
  const once = 'probe process("overwrite").function("handle") {\n  p = $name\n  for (i = 0; i < 2; i++) {}\n  printf("got %s\\n", user_string(p))\n}\n';
  const u = await run('uprobe', 'once.stp', once);
  assert.is(u.status, 0, u.stderr);
  assert.equal(lines(u.stdout, 'got'), lines(u.stdout, 'call').map((l) => /name=(\S+)/.exec(l)![1]));
  const script = 'probe process("overwrite").function("handle") {\n  p = $name\n  for (i = 0; i < 2; i++) { p++ }\n  printf("got %s\\n", user_string(p))\n}\n';
  const refused = await run('uprobe', 'local.stp', script);
  assert.is(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /runs in event mode \(it has a loop\) and its user_string at local\.stp:4:\d+ takes its address from a local variable, which exists only when utap runs the handler, too late to read the target's memory; use --engine ptrace/);
  assert.not.match(refused.stderr, /\n\s+at /);
  const a = await run('auto', 'local.stp', script);
  assert.is(a.status, 0, a.stderr);
  assert.equal(lines(a.stdout, 'got'), lines(a.stdout, 'call').map((l) => /name=(\S+)/.exec(l)![1].slice(2)));
});

test.run();
