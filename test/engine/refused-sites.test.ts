// Sites the kernel's uprobes refuse (refused-sites.ts), against runtime-c/refused, whose own
// output is the ground truth: locked_add() (LOCK prefix) and vex_load() (vmovd, VEX opcode 0x6e)
// cannot carry a uprobe, plain_step() can. The prediction from the bytes is checked against the
// kernel itself (a real uprobe on each), then the ways a run meets such a site: `auto` places it
// with a ptrace sidecar beside the uprobes (-c and -p, exit() from its handler), or runs all on
// the in-process engine (next in auto's order) when the sidecar would put many sites in event
// mode; `--engine uprobe` leaves a glob's refused sites out with one warning, and refuses a probe
// none of whose sites it can place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { BPF_EXIT_INSN, BPF_MOV64_IMM } from '../../kernel-helper/insn';
import { loadProgram } from '../../kernel-helper/program';
import { attachUprobe } from '../../kernel-helper/uprobe';
import * as U from '../../kernel-helper/uapi';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { uprobeRefusal } from '../../tracer/engine/uprobe/refused-sites';
import * as fs from 'node:fs';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapArmed } from '../support/utap-armed';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable;
const REFUSED = fixture('refused');
const PER_FUNCTION = (pattern: string) => `global n\nprobe process("${REFUSED}").function("${pattern}") { n[ppfunc()]++ }\nprobe end { foreach (f+ in n) printf("%s %d\\n", f, n[f]) }`;

test('uprobeRefusal: the prefixes and opcodes the kernel refuses, and ordinary code it takes', () => {
  const bytes = (hex: string) => Uint8Array.from(hex.split(' ').map((h) => parseInt(h, 16)));
  assert.match(uprobeRefusal(bytes('f0 48 ff 07'))!, /LOCK prefix/);
  assert.match(uprobeRefusal(bytes('c5 f9 6e c6'))!, /VEX-encoded opcode 0x6e/);
  assert.match(uprobeRefusal(bytes('3e ff e0'))!, /DS \(notrack\) segment prefix/);
  assert.match(uprobeRefusal(bytes('66 2e 0f 1f 84 00 00 00 00 00'))!, /CS segment prefix/);
  assert.match(uprobeRefusal(bytes('8e d0'))!, /loads %ss/);
  assert.match(uprobeRefusal(bytes('66 e8 00 00'))!, /relative branch with an operand-size prefix/);
  assert.match(uprobeRefusal(bytes('cc'))!, /opcode 0xcc/);
  for (const ok of ['55', 'f3 0f 1e fa', '48 89 e5', 'c5 fd 74 0f', 'e8 00 00 00 00', '0f 05', '41 57', '66 0f 1f 44 00 00', '64 48 8b 04 25 28 00 00 00']) {
    assert.is(uprobeRefusal(bytes(ok)), undefined, ok);
  }
});

liveTest(test, 'the prediction agrees with the kernel on every function of the refused target', missing, async () => {
  const target = await startWaiting(REFUSED, ['1']);
  const program = loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: 'utap_check', insns: [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()] });
  const binary = ElfBinary.open(REFUSED);
  const fd = fs.openSync(REFUSED, 'r');
  try {
    const refusedByKernel: string[] = [];
    const predicted: string[] = [];
    for (const s of binary.symbols().symbols) {
      const offset = s.source === 'plt' ? undefined : binary.fileOffset(s.address);
      if (offset === undefined) continue;
      const code = Buffer.alloc(16);
      fs.readSync(fd, code, 0, 16, Number(offset));
      if (uprobeRefusal(code)) predicted.push(s.name);
      try {
        attachUprobe({ path: REFUSED, offset, retprobe: false, pid: target.pid, cpu: -1, programFd: program.fd }).close();
      } catch {
        refusedByKernel.push(s.name);
      }
    }
    assert.equal(predicted.sort(), ['locked_add', 'locked_bump', 'vex_load']);
    assert.equal(refusedByKernel.sort(), predicted);
  } finally {
    fs.closeSync(fd);
    binary.close();
    program.close();
    await target.release();
  }
});

liveTest(test, 'auto -c: the refused sites placed by a ptrace sidecar, the others by uprobes, every function counted as the program says', missing, async () => {
  const r = await runUtap(['-v', '-c', sh`${REFUSED} 40`, '-e', PER_FUNCTION('*')]);
  assert.is(r.status, 0, r.stderr);
  const truth = /^plain=40 locked=80 vex=(\d+) /.exec(r.stdout);
  assert.ok(truth, r.stdout);
  assert.match(r.stdout, /\nplain_step 40\n/);
  assert.match(r.stdout, /\nlocked_add 80\n/);
  assert.match(r.stdout, /\nmain 1\n/);
  if (truth![1] !== '0') assert.match(r.stdout, new RegExp(`\\nvex_load ${truth![1]}\\n`));
  assert.match(r.stderr, /probe process\("[^"\n]*?refused"\)\.function\("locked_add"\) at [^"\n]*?refused\+0x[0-9a-f]+: the kernel refuses a uprobe there: its instruction \(f0 48 ff 07\) has a LOCK prefix\n/);
  assert.match(r.stderr, /function\("vex_load"\) at [^"\n]*?refused\+0x[0-9a-f]+: the kernel refuses a uprobe there: its instruction \(c5 f9 6e c7, VEX-encoded opcode 0x6e\)/);
  assert.match(r.stderr, /engine: the ptrace engine places those 3 sites beside the uprobe engine\nutap: engine: uprobe \(auto\)/);
  assert.match(r.stderr, /function\("locked_add"\) at [^"\n]+?: placed by the ptrace engine \(its instruction \(f0 48 ff 07\) has a LOCK prefix\), its handler run by utap/);
  assert.match(r.stderr, /function\("plain_step@[^"\n]+?"\) at [^"\n]+?: event mode \(it shares global n with a probe the ptrace engine places/);
  assert.match(r.stderr, /probes armed for process \d+; 3 sites placed by the ptrace engine/);
  assert.match(r.stdout, /\nlocked_bump 40\n/);
  assert.not.match(r.stderr, /warning/);
});

liveTest(test, 'auto -p: the sidecar attaches beside the uprobes; kernel handlers and ptrace-placed sites count into one global', missing, async () => {
  const target = await startWaiting(REFUSED, ['25']);
  try {
    const script = `global n\nprobe process("${REFUSED}").function("plain_step"), process("${REFUSED}").function("locked_add") { n[ppfunc()]++ }\nprobe end { foreach (f+ in n) printf("%s %d\\n", f, n[f]) }`;
    const run = utapArmed(['-p', String(target.pid), '-e', script]);
    await run.armed;
    const truth = await target.release();
    const r = await run.done;
    assert.match(truth.stdout, /^plain=25 locked=50 /);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'locked_add 50\nplain_step 25\n');
    assert.match(r.stderr, /1 site placed by the ptrace engine/);
  } finally {
    target.child.kill();
  }
});

liveTest(test, 'auto: a ptrace-placed .return site gets its entry values ($by at the call) and its $vars', missing, async () => {
  const script = `global s, c, t\nprobe process("${REFUSED}").function("locked_bump").return { s += $by; c++ }\nprobe process("${REFUSED}").function("locked_bump").call { t += $by }\nprobe end { printf("s=%d c=%d t=%d\\n", s, c, t) }`;
  const r = await runUtap(['-v', '-c', sh`${REFUSED} 30`, '-e', script]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^plain=30 locked=60 vex=\d+ total=\d+ bumped=435\ns=435 c=30 t=435\n$/);
  assert.match(r.stderr, /function\("locked_bump@[^"\n]+?"\)\.return at [^"\n]+?: placed by the ptrace engine/);
});

liveTest(test, 'auto: exit() in a ptrace-placed handler ends the run; the target runs on unharmed', missing, async () => {
  const script = `global n, p\nprobe process("${REFUSED}").function("locked_add") { if (++n == 5) exit() }\nprobe process("${REFUSED}").function("plain_step") { p++ }\nprobe end { printf("n=%d p=%d\\n", n, p) }`;
  const r = await runUtap(['-c', sh`${REFUSED} 30`, '-e', script]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^n=5 p=3\n/m);
  assert.match(r.stdout, /^plain=30 locked=60 /m, 'the target finished its work');
});

liveTest(test, 'auto: when the refused sites would put many sites in event mode, the in-process engine runs it all', missing, async () => {
  const script = 'global n\nprobe process.library("libc.so.6").function("__str*") { n++ }\nprobe end { printf("hits %d\\n", n > 0) }';
  const r = await runUtap(['-v', '-c', sh`${fixture('ifunc-calls')} 3`, '-e', script]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /hits 1\n/);
  assert.match(r.stderr, /engine: uprobe not used: with those \d+ sites placed by ptrace, \d+ sites sharing their globals would run in event mode, a perf event each \(more than 64\); an engine that places every site itself runs the script\nutap: engine: inproc \(auto\)/);
});

liveTest(test, '--engine uprobe: a glob places every other site and says in one warning which it could not', missing, async () => {
  const r = await runUtap(['--engine', 'uprobe', '-c', sh`${REFUSED} 40`, '-e', PER_FUNCTION('*')]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^plain=40 locked=80 /);
  assert.match(r.stdout, /\nplain_step 40\n/);
  assert.match(r.stdout, /\nmain 1\n/);
  assert.not.match(r.stdout, /locked_add|locked_bump|vex_load/);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
  assert.is(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /^utap: warning: the kernel refuses uprobes at 3 probe sites of \d+, left unprobed: locked_bump \(its instruction \(f0 48 01 37\) has a LOCK prefix\); locked_add \(its instruction \(f0 48 ff 07\) has a LOCK prefix\); vex_load \(its instruction \(c5 f9 6e c7, VEX-encoded opcode 0x6e\) [^)]*\); the ptrace engine can place such sites/);
});

liveTest(test, '--engine uprobe: one explicit refused function is an error naming its instruction', missing, async () => {
  const r = await runUtap(['--engine', 'uprobe', '-c', sh`${REFUSED} 4`, '-e', PER_FUNCTION('locked_add')]);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^utap: the kernel refuses a uprobe at probe process\("[^"\n]*?refused"\)\.function\("locked_add"\), locked_add \([^"\n]*?refused\+0x[0-9a-f]+\): its instruction \(f0 48 ff 07\) has a LOCK prefix; the ptrace engine can place/);
  assert.not.match(r.stderr, /\n./, 'one line');
});

test.run();
