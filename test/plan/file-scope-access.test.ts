// File-scope target access on both engines: `$global`, `@var("name")` and `@var("name@unit.c")`,
// `@uderef(size, address)`
// (two units each have a static `hidden`), `&@var(...)`, `@cast(pointer, "type")->member` through
// a void pointer, `@cast(...)$$`, and globals read at a .return (their value there, not at entry),
// in a PIE and a non-PIE build of runtime-c/targets/file-scope.c, against the values the target
// prints after each round.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap, type RunResult } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const ROUNDS = 3;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-file-scope-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(engine: string, binary: string, script: string): Promise<RunResult> {
  const file = path.join(tmp, 'access.stp');
  fs.writeFileSync(file, script);
  return runUtap(['--engine', engine, '-c', sh`${binary} ${ROUNDS}`, file, binary], { cwd: tmp });
}

const lines = (stdout: string, prefix: string): string[] => stdout.split('\n').filter((l) => l.startsWith(`${prefix} `));

const SCRIPT = (otherUnit: boolean) => `
probe process(@1).function("observe") {
  printf("entry round=%d counter=%d hidden=%d\\n", $round, $counter, @var("hidden"))
  ${otherUnit ? 'printf("other %d\\n", @var("hidden@file-scope-other.c"))' : ''}
  printf("cast name=%s corner=%d,%d sides=%d,%d,%d same=%d\\n", user_string(@cast($opaque, "shape_t")->name),
         @cast($opaque, "struct shape")->corner->x, @cast($opaque, "struct shape")->corner->y,
         @cast($opaque, "struct shape")->sides[0], @cast($opaque, "struct shape")->sides[1], @var("square")->sides[2],
         &@var("square") == $opaque)
  printf("pretty %s\\n", @cast($opaque, "struct shape")$$)
  printf("uderef %d %c\\n", @uderef(4, &@var("counter")), @uderef(1, @cast($opaque, "shape_t")->name))
}
probe process(@1).function("visit").return {
  printf("after round=%d counter=%d hidden=%d\\n", $round, $counter, @var("hidden@file-scope.c"))
}
`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  for (const build of ['file-scope', 'file-scope-nopie']) {
    liveTest(test, `${engine}, ${build}: globals, statics of either unit, @cast through a void pointer, as the target sees them`, missing, async () => {
      const pie = build === 'file-scope';
      const r = await run(engine, fixture(build), SCRIPT(pie));
      assert.is(r.status, 0, r.stderr);
      // The target prints `after round=N counter=C hidden=H other=O` after each visit(); the
      // return probe sees the same values, and the entry probe the ones of the round before.
      const truth = lines(r.stdout, 'after').filter((l) => l.includes('other='));
      assert.is(truth.length, ROUNDS, r.stdout);
      const seen = lines(r.stdout, 'after').filter((l) => !l.includes('other='));
      assert.equal(seen, truth.map((l) => l.replace(/ other=\d+$/, '')));
      const entries = lines(r.stdout, 'entry');
      assert.equal(entries, truth.map((l, i) => {
        const before = i === 0 ? 'counter=0 hidden=5' : /counter=\d+ hidden=\d+/.exec(truth[i - 1])![0];
        return `entry round=${i + 1} ${before}`;
      }));
      // @uderef(size, address): the counter through its address, the name's first byte
      assert.equal(lines(r.stdout, 'uderef'), entries.map((l) => `uderef ${/counter=(\d+)/.exec(l)![1]} s`));
      if (pie) assert.equal(lines(r.stdout, 'other'), truth.map((l) => `other ${/other=(\d+)/.exec(l)![1]}`));
      const [, name, x, y, s0, s1, s2] = /shape name=(\S+) corner=(\d+),(\d+) sides=(\d+),(\d+),(\d+)/.exec(r.stdout)!;
      assert.equal(lines(r.stdout, 'cast'), Array(ROUNDS).fill(`cast name=${name} corner=${x},${y} sides=${s0},${s1},${s2} same=1`));
      // SystemTap's text: decimal numbers, an array's first element and `...`
      assert.equal(lines(r.stdout, 'pretty'), Array(ROUNDS).fill(`pretty {.name="${name}", .corner={.x=${x}, .y=${y}}, .sides=[${s0}, ...]}`));
    });
  }
}

liveTest(test, 'a static the optimizer removed, a unit that defines none, a type no unit declares, another module: one sentence each', utapMissing('ptrace'), async () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['file-scope-nopie', 'printf("%d\\n", @var("hidden@file-scope-other.c"))', 2, /error: \$hidden has no location in the debug information of .+file-scope-nopie \(optimized out\)\.$/m],
    ['file-scope', 'printf("%d\\n", @var("counter@file-scope-other.c"))', 1, /error: @var\("counter@file-scope-other\.c"\): no compile unit of .+ matching file-scope-other\.c defines a global or static counter\.$/m],
    ['file-scope', 'printf("%d\\n", @cast($opaque, "struct circle")->r)', 1, /error: @cast\(\.\.\., "struct circle"\): the debug information of .+ declares no type struct circle\.$/m],
    ['file-scope', 'printf("%d\\n", @var("counter", "/usr/bin/ls"))', 2, /error: @var\("counter"\) names the module \/usr\/bin\/ls, but this probe is in .+file-scope; /m],
  ];
  for (const [build, body, status, message] of cases) {
    const r = await run('ptrace', fixture(build), `probe process(@1).function("visit") { ${body} }\n`);
    assert.is(r.status, status, `${body}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /);
  }
});

test.run();
