// Golden listings of the eBPF the code generator emits for a few representative handlers,
// compiled without a kernel (map fds are made-up numbers the printer names), so a change to code
// generation shows as a readable diff of test/bpf-codegen/golden/*.txt. The programs are desugared
// first (tracer/ir/desugar.ts), as planning does.
// UTAP_UPDATE_GOLDEN=1 rewrites the files from what the generator emits now.
// runner-tags: golden
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Expr, ProbeSiteIR, ProgramIR, SiteKind } from '../../tracer/ir/ir';
import { desugarProgram } from '../../tracer/ir/desugar';
import { handlerNeeds } from '../../tracer/ir/needs';
import { compileEventProgram, compileSite, type CompileOptions, type MapFds } from '../../tracer/bpf-codegen/site-compiler';
import { printProgram } from '../../kernel-helper/insn-printer';
import type { RecordSpec } from '../../tracer/bpf-codegen/records';
import {
  assign, bin, cmp, ctx, entry, ex, iff, incdec, L, lit, local, printf, ProgramBuilder, reg, statsAdd, string, uread, ustr, glob, un,
} from '../support/ir-builder';
import { repoRoot } from '../support/paths';

const GOLDEN = path.join(repoRoot, 'test', 'bpf-codegen', 'golden');
const UPDATE = process.env.UTAP_UPDATE_GOLDEN === '1';

/** Made-up fds: a global's map is 100 + its index. */
const FDS: MapFds = { global: (i) => 100 + i, ring: 1, state: 2, heap: 3, entry: 4 };
const FIXED = new Map<number, string>([[1, 'ring'], [2, 'state'], [3, 'heap'], [4, 'entry'], [5, 'site strings'], [6, 'tgids']]);

function site(program: ProgramIR, probe: number, kind: SiteKind, captures: Expr[] = []): ProbeSiteIR {
  const p = program.probes[probe];
  return {
    id: 0, probe, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler, captures), kind,
    binary: '/usr/bin/target', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: kind === 'return' ? captures : [],
  };
}

/** The listing of every program compiled for a site, with its records. */
function listing(program: ProgramIR, s: ProbeSiteIR, extra: Partial<CompileOptions> = {}): string {
  let ids = 0;
  const compiled = compileSite({ program, site: s, fds: FDS, nextRecordId: () => ids++, targetPid: 0, walltimeOffsetNs: 0n, ...extra });
  const mapName = mapNamer(program);
  const parts: string[] = [];
  if (compiled.entry) parts.push(`; entry program (captures: ${compiled.entryValueSize} bytes)\n${printProgram(compiled.entry.insns, { mapName })}`);
  parts.push(`; ${s.kind === 'return' ? 'return' : 'site'} program (heap: ${compiled.main.heap.size} bytes${compiled.main.sleepable ? ', sleepable' : ''})\n${printProgram(compiled.main.insns, { mapName })}`);
  // A record's loc is left out: the builder numbers lines file-wide, so it moves when a test is added.
  for (const r of compiled.records) parts.push(`; record ${JSON.stringify(r, (k, v) => (k === 'loc' ? undefined : typeof v === 'bigint' ? `${v}n` : v))}\n`);
  return parts.join('\n');
}

const mapNamer = (program: ProgramIR) => (fd: number) => `map[${FIXED.get(fd) ?? `global ${program.globals[fd - 100]?.name ?? fd}`}]`;

function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, `${name}.txt`);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `${file} is missing: run with UTAP_UPDATE_GOLDEN=1 to write it`);
  assert.fixture(text, fs.readFileSync(file, 'utf8'));
}

test('a counter: global++ at each hit', () => {
  const b = new ProgramBuilder();
  const hits = b.scalar('hits');
  b.probe(['process("t").function("work")'], [], ex(incdec(L.global(hits), 1, false)));
  const program = desugarProgram(b.build());
  golden('counter', listing(program, site(program, 0, 'entry')));
});

test('a system-call probe: counts[$syscall] += $arg3 at raw_syscalls:sys_enter, the traced-process check first', () => {
  const b = new ProgramBuilder();
  const counts = b.array('counts', ['long']);
  b.probe(['process("t").syscall'], [], ex(assign(L.element(counts, [reg('orig_rax')]), reg('rdx'), '+=')));
  const program = b.build();
  golden('syscall-enter', listing(program, site(program, 0, 'syscall'), { fds: { ...FDS, tgids: 6 } }));
});

test('a keyed array: counts[tid(), $arg1] += 1', () => {
  const b = new ProgramBuilder();
  const counts = b.array('counts', ['long', 'long']);
  b.probe(['process("t").function("work")'], [], ex(assign(L.element(counts, [ctx('tid'), reg('rdi')]), lit(1), '+=')));
  const program = desugarProgram(b.build());
  golden('keyed-array', listing(program, site(program, 0, 'entry')));
});

test('statistics with @hist_log: sizes <<< $arg2', () => {
  const b = new ProgramBuilder();
  const sizes = b.stats('sizes');
  const decl = program0(b, sizes);
  b.probe(['process("t").function("work")'], [], statsAdd({ global: sizes }, reg('rsi')));
  decl.stats = { count: true, sum: true, min: true, max: true, avg: true, hist: [{ kind: 'log' }] };
  const program = desugarProgram(b.build());
  golden('stats-hist-log', listing(program, site(program, 0, 'entry')));
});

test('a .return site with an entry capture: elapsed[$arg1] = gettimeofday_ns() - @entry(gettimeofday_ns())', () => {
  const b = new ProgramBuilder();
  const elapsed = b.array('elapsed', ['long']);
  b.probe(['process("t").function("work").return'], [],
    ex(assign(L.element(elapsed, [entry(1)]), bin('-', ctx('monotonic_ns'), entry(0)))));
  const program = desugarProgram(b.build());
  golden('return-entry-capture', listing(program, site(program, 0, 'return', [ctx('monotonic_ns'), reg('rdi')])));
});

test('a printf record: printf("%s %d %d\\n", execname(), pid(), $return)', () => {
  const b = new ProgramBuilder();
  const f = b.format('%s %d %d\n', ['string', 'long', 'long']);
  b.probe(['process("t").function("work").return'], [], printf(f, [ctx('execname', 'string'), ctx('pid'), reg('rax')]));
  const program = desugarProgram(b.build());
  golden('printf-record', listing(program, site(program, 0, 'return')));
});

test('a string read: name = user_string($arg1); last[tid()] = name', () => {
  const b = new ProgramBuilder();
  const last = b.array('last', ['long'], 'string');
  b.probe(['process("t").function("work")'], [string('name')],
    ex(assign(L.local(0), ustr(reg('rdi')), '=', 'string')),
    ex(assign(L.element(last, [ctx('tid')]), local(0, 'string'), '=', 'string')));
  const program = desugarProgram(b.build({ maxStringLen: 64 }));
  golden('string-read', listing(program, site(program, 0, 'entry')));
  golden('string-read-sleepable', listing(program, site(program, 0, 'entry'), { sleepable: true }));
});

test('a branch and arithmetic: if ($arg1 > limit) ratio = ($arg1 / $arg2) << 2 ^ -$arg1 % 7', () => {
  const b = new ProgramBuilder();
  const limit = b.scalar('limit');
  const ratio = b.scalar('ratio');
  b.probe(['process("t").function("work")'], [],
    iff(cmp('>', reg('rdi'), glob(limit)),
      ex(assign(L.global(ratio), bin('^', bin('<<', bin('/', reg('rdi'), reg('rsi')), lit(2)), bin('%', un('-', reg('rdi')), lit(7)))))));
  const program = desugarProgram(b.build());
  golden('branch-arithmetic', listing(program, site(program, 0, 'entry')));
});

test('a shared (uprobe_multi) return program: pp() and the record id from the attach cookie', () => {
  const b = new ProgramBuilder();
  const f = b.format('%s %d\n', ['string', 'long']);
  b.probe(['process("t").function("work").return'], [], printf(f, [ctx('pp', 'string'), bin('-', ctx('monotonic_ns'), entry(0))]));
  const program = desugarProgram(b.build({ maxStringLen: 128 }));
  golden('shared-return', listing(program, site(program, 0, 'return', [ctx('monotonic_ns')]), { shared: { siteStrings: 5 } }));
});

test('an event-mode program: registers, context values, two hoisted reads and a stack copy shipped in one record', () => {
  const b = new ProgramBuilder();
  b.probe(['process("t").function("work")'], []);
  const program = desugarProgram(b.build({ maxStringLen: 64 }));
  let ids = 0;
  const options: CompileOptions = { program, site: site(program, 0, 'entry'), fds: FDS, nextRecordId: () => ids++, targetPid: 0, walltimeOffsetNs: 0n };
  const records: RecordSpec[] = [];
  const compiled = compileEventProgram(options, {
    kind: 'event', regs: ['rdi', 'rsi', 'rsp'], context: ['uid', 'execname'], reads: [uread(reg('rdi'), 8), ustr(reg('rsi'))], entryInKernel: false, stackBytes: 1024,
  }, records);
  const text = `; event program (heap: ${compiled.heap.size} bytes)\n${printProgram(compiled.insns, { mapName: mapNamer(program) })}`;
  golden('event-program', text + records.map((r) => `\n; record ${JSON.stringify(r, (k, v) => (k === 'loc' || k === 'expr' ? undefined : typeof v === 'bigint' ? `${v}n` : v))}\n`).join(''));
});

/** The stats declaration of global `index` (its uses are set by hand, as the front end would). */
function program0(b: ProgramBuilder, index: number): Extract<ProgramBuilder['globals'][number], { kind: 'stats' }> {
  const decl = b.globals[index];
  if (decl.kind !== 'stats') throw new Error('not a stats global');
  return decl;
}

test.run();
