// Debian's python3.11 through its own SDT markers (provider `python`, semaphore-guarded, no debug
// info): a program that calls square() a known number of times, counted on both engines by
// function__entry / function__return filtered by user_string($arg2), with $arg1 (file) and $arg3
// (line). CPython 3.11 fires function__entry only on its tracing path, i.e. while a profile or
// trace function is set (Python-to-Python calls are inlined in the eval loop otherwise), so the
// program is run both ways: function__return counts every call either way, function__entry
// only with sys.setprofile active — the test pins that behaviour down so a change shows up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { runUtap } from '../support/run-utap';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const PYTHON = '/usr/bin/python3.11';
const CALLS = 777;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-python-sdt-'));
const PROGRAM = path.join(tmp, 'squares.py');
fs.writeFileSync(PROGRAM, [
  'import sys',
  'if len(sys.argv) > 2:',
  '    sys.setprofile(lambda *a: None)',
  '',
  'def square(k):',
  '    return k * k',
  '',
  'total = 0',
  'for i in range(int(sys.argv[1])):',
  '    total += square(i)',
  'print("calls", sys.argv[1], "total", total)',
  '',
].join('\n'));
const SCRIPT = `global e, r, where
probe process("${PYTHON}").mark("function__entry") { if (user_string($arg2) == "square") { e++; where = sprintf("%s:%d", user_string($arg1), $arg3) } }
probe process("${PYTHON}").provider("python").mark("function-return") { if (user_string($arg2) == "square") r++ }
probe end { printf("entry=%d return=%d at %s\\n", e, r, where) }`;

const pythonMissing = fs.existsSync(PYTHON) ? undefined : `${PYTHON} is not installed`;
const total = Array.from({ length: CALLS }, (_, i) => i * i).reduce((a, b) => a + b, 0);

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = pythonMissing ?? utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: python3.11 function__return counts every call of square(); function__entry only while profiling`, missing, async () => {
    const plain = await runUtap(['--engine', engine, '-e', SCRIPT, '-c', sh`${PYTHON} ${PROGRAM} ${CALLS}`], { timeoutMs: 60_000 });
    assert.is(plain.status, 0, plain.stderr);
    assert.is(plain.stdout, `calls ${CALLS} total ${total}\nentry=0 return=${CALLS} at \n`);
    const profiled = await runUtap(['--engine', engine, '-e', SCRIPT, '-c', sh`${PYTHON} ${PROGRAM} ${CALLS} profile`], { timeoutMs: 60_000 });
    assert.is(profiled.status, 0, profiled.stderr);
    assert.is(profiled.stdout, `calls ${CALLS} total ${total}\nentry=${CALLS} return=${CALLS} at ${PROGRAM}:5\n`);
  });
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
