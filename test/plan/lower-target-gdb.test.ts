// Target variables lowered to IR read the right values in a live process: the program runs
// under gdb, stopped at each probe address; the lowered expressions run in the real runtime
// (Session) against the stopped process's registers (from gdb) and memory (/proc/PID/mem), and
// must equal both the values the source passes and what gdb prints for the same expression.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../symbolizer/elf-file';
import { CallFrameInfo } from '../../symbolizer/dwarf/cfi';
import { Dwarf } from '../../symbolizer/dwarf/dwarf';
import { DEFAULT_LIMITS, type Expr, type PlanIR, type ProbeSiteIR, type ProgramIR, type RegName, type SiteKind, type SourceLoc, type Stmt, type TargetRef } from '../../tracer/ir/ir';
import { TargetLowering } from '../../tracer/plan/lower-target';
import { MemorySink } from '../../tracer/runtime/output-sink';
import { Session } from '../../tracer/runtime/session';
import { UtapError } from '../../tracer/errors';
import { GdbMi, type MiValue } from '../support/gdb-mi';
import { mappedBase, StoppedProcess } from '../support/stopped-process';
import { NO_PIE, PARAMS_C, paramsProgram, VARIANTS } from '../symbolizer/dwarf/programs';

interface Check {
  /** SystemTap spelling: `$p->x`, `$arr[3]`, `$str` (string checks read user_string of it). */
  target: string;
  /** The same value as a gdb expression. */
  gdb: string;
  /** What the source passes, when a constant. */
  expected?: bigint | string;
  string?: boolean;
  /** Read this field from gdb's print of `gdb` instead (gdb 13 crashes on some member accesses of split structs). */
  gdbField?: string;
}

const LONG = (target: string, gdb: string, expected?: bigint): Check => ({ target, gdb: `(long)(${gdb})`, expected });
const STR = (target: string, gdb: string, expected: string): Check => ({ target, gdb, expected, string: true });

const CHECKS: Record<string, Check[]> = {
  take_ints: [
    LONG('$c', 'c', -3n), LONG('$uc', 'uc', 250n), LONG('$s', 's', -1234n), LONG('$us', 'us', 60000n),
    LONG('$i', 'i', -100000n), LONG('$u', 'u', 3000000000n), LONG('$l', 'l', -5000000000n),
    LONG('$ul', 'ul', BigInt.asIntN(64, 18000000000000000000n)), LONG('$ll', 'll', -7n),
  ],
  take_pointers: [
    STR('$str', 'str', 'hello'), LONG('$node->value', 'node->value', 42n), LONG('$node->next->value', 'node->next->value', 7n),
    STR('$node->label', 'node->label', 'first'), LONG('$node->pos->y', 'node->pos.y', 4n),
    LONG('$node->next->grid[1][2]', 'node->next->grid[1][2]', 6n), LONG('$ip[0]', 'ip[0]', 17n), LONG('$vp', 'vp'),
    LONG('$cb', 'cb'), LONG('$color', 'color', -3n), LONG('$ul', 'ul', 99n), LONG('&$node->next', '&node->next'),
  ],
  take_structs: [
    LONG('$p->x', 'p.x', -5n), LONG('$p->y', 'p.y', 9n), LONG('$f->a', 'f.a', 5n), LONG('$f->b', 'f.b', -3n),
    LONG('$f->c', 'f.c', 1n), { target: '$f->d', gdb: 'f', gdbField: 'd', expected: 123456789n }, LONG('$n->i', 'n.i', 0x41424344n),
    LONG('$list->next->value', 'list->next->value', 7n), STR('$list->label', 'list->label', 'first'),
    LONG('$arr[3]', 'arr[3]', 40n), LONG('$arr[0]', 'arr[0]', 10n),
  ],
};

interface Site {
  id: number;
  fn: string;
  kind: SiteKind;
  pc: bigint;
  entryPc: bigint;
  die: number;
  checks: Check[];
  /** For a return site: the id of its entry stop, whose captures it reads. */
  lowered: Array<{ check: Check; expr?: Expr; error?: UtapError }>;
  entryCaptures: Expr[];
}

const loc: SourceLoc = { file: 'test.stp', line: 1, column: 1 };

function parseTarget(text: string): TargetRef {
  const m = /^(&)?\$(\$?\w+)((?:->\w+|\[\d+\])*)(\$*)$/.exec(text);
  if (!m) throw new Error(`bad target ${text}`);
  const path = [...m[3].matchAll(/->(\w+)|\[(\d+)\]/g)].map((x) =>
    x[1] ? { kind: 'member' as const, name: x[1] } : { kind: 'index' as const, index: { op: 'long' as const, type: 'long' as const, value: BigInt(x[2]), loc } },
  );
  return { name: m[2], path, atEntry: false, ...(m[1] && { addressOf: true }), ...(m[4] && { pretty: m[4] as '$' | '$$' }) };
}

function emptyProgram(): ProgramIR {
  return { globals: [], functions: [], probes: [], formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru: false, sources: {} };
}

/** gdb's answer for a check: a bigint, a string (for char pointers), or undefined (optimized out, error). */
function gdbValue(text: string | undefined, check: Check): bigint | string | undefined {
  if (text === undefined) return undefined;
  if (check.gdbField) {
    const m = new RegExp(`\\b${check.gdbField} = (-?\\d+)`).exec(text);
    return m ? BigInt(m[1]) : undefined;
  }
  if (check.string) {
    const m = /"((?:[^"\\]|\\.)*)"/.exec(text);
    return m ? m[1] : undefined;
  }
  const m = /^-?\d+/.exec(text);
  return m ? BigInt(m[0]) : undefined;
}

function registers(names: string[], values: MiValue): Partial<Record<RegName, bigint>> {
  const out: Partial<Record<RegName, bigint>> = {};
  for (const v of values as Array<{ number: string; value: string }>) {
    const name = names[Number(v.number)];
    if (/^0x[0-9a-f]+$/i.test(v.value) || /^-?\d+$/.test(v.value)) out[name as RegName] = BigInt.asUintN(64, BigInt(v.value));
  }
  return out;
}

for (const variant of [...VARIANTS, NO_PIE]) {
  test(`${variant.name}: lowered $params read what gdb and the source say, at entry and after the prologue`, async () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const cfi = CallFrameInfo.fromElf(elf);
    const index = dwarf.functionIndex();
    const program = emptyProgram();
    const sites: Site[] = [];
    const addSite = (fn: string, kind: SiteKind, pc: bigint, entryPc: bigint, die: number, checks: Check[]): Site => {
      const site: Site = { id: sites.length, fn, kind, pc, entryPc, die, checks, lowered: [], entryCaptures: [] };
      const lowering = new TargetLowering(program, {
        binary: exe, dwarf, cfi, functionName: fn, functionDie: die, kind, pc, entryPc, vaddr: kind === 'return' ? entryPc : pc,
        relocatable: elf.header.type === 3 /* ET_DYN */, entryCaptures: true,
      });
      for (const check of checks) {
        try {
          let expr = lowering.expr({ op: 'target', type: 'long', ref: parseTarget(check.target), loc });
          if (check.string) expr = { op: 'userString', type: 'string', addr: expr, loc };
          site.lowered.push({ check, expr });
        } catch (e) {
          if (!(e instanceof UtapError)) throw e;
          site.lowered.push({ check, error: e });
        }
      }
      site.entryCaptures = lowering.entryCaptures;
      sites.push(site);
      return site;
    };
    for (const fn of Object.keys(CHECKS)) {
      const instance = index.byName(fn)[0].instances[0];
      addSite(fn, 'entry', instance.entryPc, instance.entryPc, instance.die, CHECKS[fn]);
      addSite(fn, 'statement', dwarf.afterPrologue(instance), instance.entryPc, instance.die, CHECKS[fn]);
    }
    // Locals inside nested blocks, at the statement `total += sq;`.
    const withLocals = index.byName('with_locals')[0].instances[0];
    const line = PARAMS_C.split('\n').findIndex((l) => l.includes('total += sq;')) + 1;
    for (const row of dwarf.linesFor((p) => p.endsWith('/params.c'), line).filter((r) => r.address >= withLocals.lowPc && r.address < withLocals.highPc)) {
      // At -O2 the line's code sits inside the inlined square(): its $v is visible, and so are with_locals' own.
      addSite('with_locals', 'statement', row.address, withLocals.entryPc, withLocals.die, [LONG('$n', 'n', 4n), LONG('$i', 'i'), LONG('$sq', 'sq'), LONG('$total', 'total'), LONG('$v', 'v'), LONG('$calls', 'calls'), LONG('&$calls', '&calls')]);
    }
    // $return and an entry capture at the return instruction of with_locals (its entry stop takes the capture).
    addSite('with_locals', 'entry', withLocals.entryPc, withLocals.entryPc, withLocals.die, []);
    // objdump finds the function's ret instructions: each is a return site.
    const disassembly = execFileSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${withLocals.lowPc.toString(16)}`, `--stop-address=0x${withLocals.highPc.toString(16)}`, exe], { encoding: 'utf8' });
    const returnSites = [...disassembly.matchAll(/^\s*([0-9a-f]+):\s+ret/gm)].map((m) =>
      addSite('with_locals', 'return', BigInt(`0x${m[1]}`), withLocals.entryPc, withLocals.die, [LONG('$return', '$rax', 14n), LONG('$n', '4', 4n)]));
    assert.ok(returnSites.length > 0, 'with_locals has a ret instruction');

    const handler = (site: Site): Stmt => ({
      kind: 'block',
      loc,
      body: site.lowered.flatMap((l, i): Stmt[] => (l.expr ? [{ kind: 'print', newline: true, loc, args: [{ op: 'string', type: 'string', value: `${site.id}.${i}=`, loc }, l.expr] }] : [])),
    });
    const plan: PlanIR = {
      program, begin: [], end: [], error: [], timers: [],
      sites: sites.map((s): ProbeSiteIR => ({
        id: s.id, probe: 0, pp: `${s.fn}@${s.kind}`, handler: { locals: [], body: handler(s) },
        needs: { registers: [], readsUserMemory: true, writesTarget: false, context: [], globalsRead: [], globalsWritten: [], functionsCalled: [], hasLoops: false },
        kind: s.kind, binary: exe, vaddr: s.pc, fileOffset: 0n, function: s.fn, entryCaptures: s.entryCaptures,
      })),
    };
    const out = new MemorySink();
    const errors = new MemorySink();
    const session = new Session(plan, { output: out, errors });
    session.begin();

    const gdb = GdbMi.start(exe, ['1']);
    const problems: string[] = [];
    let compared = 0;
    try {
      await gdb.command('-inferior-tty-set /dev/null');
      // Should gdb hit an internal error, it must not leave a core file in the working directory.
      await gdb.command('-interpreter-exec console "maint set internal-error corefile no"');
      await gdb.command('-interpreter-exec console "maint set internal-error quit yes"');
      assert.is((await gdb.command('-exec-run --start')).class, 'running');
      await gdb.stopped();
      const groups = (await gdb.command('-list-thread-groups')).results.groups as Array<{ pid: string }>;
      const pid = Number(groups[0].pid);
      const bias = mappedBase(pid, exe) - elf.programHeaders.filter((p) => p.type === 1).map((p) => p.vaddr - BigInt(p.offset)).reduce((a, c) => (c < a ? c : a));
      const names = (await gdb.command('-data-list-register-names')).results['register-names'] as string[];
      for (const pc of new Set(sites.map((s) => s.pc))) assert.is((await gdb.command(`-break-insert *0x${(pc + bias).toString(16)}`)).class, 'done');
      const captures = new Map<number, Array<bigint | number | string>>();
      const seen = new Set<number>();
      for (;;) {
        assert.is((await gdb.command('-exec-continue')).class, 'running');
        const stop = await gdb.stopped();
        if (stop.results.reason !== 'breakpoint-hit') break;
        const pc = BigInt((stop.results.frame as { addr: string }).addr) - bias;
        const regs = registers(names, (await gdb.command('-data-list-register-values x')).results['register-values']);
        for (const site of sites.filter((s) => s.pc === pc)) {
          if (seen.has(site.id)) continue;
          seen.add(site.id);
          // The values a later site of the same call captures at entry (the engines' job).
          if (site.kind === 'entry') {
            for (const later of sites.filter((s) => s.fn === site.fn && s.entryCaptures.length > 0)) {
              const ctx = new StoppedProcess(pid, regs, { uaddr: site.pc + bias });
              captures.set(later.id, session.captureEntry(later.id, ctx) ?? []);
              ctx.close();
            }
          }
          const ctx = new StoppedProcess(pid, regs, { uaddr: (site.kind === 'return' ? site.entryPc : site.pc) + bias, entry: captures.get(site.id) });
          out.text = '';
          session.hit(site.id, ctx);
          ctx.close();
          assert.is(errors.text, '', `runtime errors at ${site.fn}@${site.kind}`);
          const ours = new Map<number, string>();
          for (const l of out.text.split('\n')) {
            const m = /^(\d+)\.(\d+)=(.*)$/.exec(l);
            if (m && Number(m[1]) === site.id) ours.set(Number(m[2]), m[3]);
          }
          // gdb cannot see -O0 parameters before the prologue has stored them; there the source is the oracle.
          const gdbTrusted = !(site.kind === 'entry' && variant.name.startsWith('O0') && site.pc !== dwarf.afterPrologue(index.byName(site.fn)[0].instances[0]));
          for (const [i, { check, error }] of site.lowered.entries()) {
            const where = `${site.fn}@${site.kind}(0x${site.pc.toString(16)}) ${check.target}`;
            const theirs = site.kind === 'return' ? undefined : gdbValue(await gdb.evaluate(check.gdb), check);
            if (error) {
              // A value we refuse must be one gdb cannot show either.
              if (gdbTrusted && theirs !== undefined) problems.push(`${where}: we say "${error.message}" but gdb reads ${theirs}`);
              continue;
            }
            const text = ours.get(i);
            const value = check.string ? text : text === undefined ? undefined : BigInt(text);
            compared++;
            if (check.expected !== undefined && value !== check.expected) problems.push(`${where}: ${value} but the source passes ${check.expected}`);
            if (gdbTrusted && theirs !== undefined && value !== theirs) problems.push(`${where}: ${value} but gdb says ${theirs}`);
          }
        }
      }
      // Of the return sites only the ret that runs is reached.
      assert.ok(returnSites.some((r) => seen.has(r.id)), 'a return site was reached');
      const missed = sites.filter((s) => !seen.has(s.id) && s.kind !== 'return').map((s) => `${s.fn}@${s.kind}(0x${s.pc.toString(16)})`);
      assert.equal(missed, [], 'every site was reached');
    } finally {
      await gdb.close();
      elf.close();
    }
    const refused = sites.flatMap((site) => site.lowered.filter((l) => l.error).map((l) => `${site.fn}@${site.kind} ${l.check.target}: ${l.error!.message.replace(/^.*error: /, '')}`));
    console.log(`${variant.name}: ${compared} values compared with the source and gdb; ${refused.length} refused${refused.length ? `:\n  ${refused.join('\n  ')}` : ''}`);
    assert.equal(problems, []);
    assert.ok(compared >= 40, `${compared} values compared`);
  });
}

test.run();
