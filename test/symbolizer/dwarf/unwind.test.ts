// The unwinder walks a live stack the way gdb does: the program stops under gdb (in its own
// code and inside libc), our unwinder runs on the registers gdb reports and memory read from
// /proc/PID/mem, and the return addresses must equal gdb's backtrace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import { ElfFile } from '../../../symbolizer/elf-file';
import { CallFrameInfo } from '../../../symbolizer/dwarf/cfi';
import { unwindStack, type UnwindModule } from '../../../symbolizer/dwarf/unwind';
import { X86_64_DWARF } from '../../../symbolizer/dwarf/registers';
import { GdbMi, type MiValue } from '../../support/gdb-mi';
import { StoppedProcess } from '../../support/stopped-process';
import { paramsProgram, VARIANTS } from './programs';

interface Mapped { start: bigint; end: bigint; file: string }

/** Executable mappings of the process, by file. */
function executableMappings(pid: number): Mapped[] {
  const out: Mapped[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp [0-9a-f]+ \S+ \d+\s+(\/.*)$/.exec(line);
    if (m) out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), file: m[3] });
  }
  return out;
}

/** moduleAt for the unwinder: each mapped ELF's CFI and load bias (from its offset-0 mapping). */
function moduleLookup(pid: number, skip: (file: string) => boolean = () => false): (pc: bigint) => UnwindModule | undefined {
  const cache = new Map<string, UnwindModule>();
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const mappings = executableMappings(pid);
  return (pc) => {
    const m = mappings.find((x) => pc >= x.start && pc < x.end);
    if (!m || skip(m.file)) return undefined;
    let module = cache.get(m.file);
    if (!module) {
      const elf = ElfFile.open(m.file);
      const first = elf.programHeaders.filter((p) => p.type === 1).reduce((a, b) => (a.vaddr < b.vaddr ? a : b));
      const base = [...maps.matchAll(/^([0-9a-f]+)-[0-9a-f]+ \S+ 00000000 \S+ \d+\s+(\/.*)$/gm)].find((x) => x[2] === m.file)!;
      module = { cfi: CallFrameInfo.fromElf(elf), bias: BigInt(`0x${base[1]}`) - (first.vaddr - BigInt(first.offset)) };
      cache.set(m.file, module);
    }
    return module;
  };
}

const DWARF_OF: Record<string, number> = X86_64_DWARF;

function registersOf(names: string[], values: MiValue): Map<number, bigint> {
  const regs = new Map<number, bigint>();
  for (const v of values as Array<{ number: string; value: string }>) {
    const name = names[Number(v.number)];
    const n = DWARF_OF[name];
    if (n !== undefined && n <= 16 && /^0x[0-9a-f]+$/i.test(v.value)) regs.set(n, BigInt(v.value));
  }
  return regs;
}

async function gdbBacktrace(gdb: GdbMi): Promise<bigint[]> {
  const frames = (await gdb.command('-stack-list-frames')).results.stack as Array<{ frame: { addr: string } }>;
  return frames.map((f) => BigInt(f.frame.addr));
}

for (const variant of VARIANTS.filter((v) => v.name.endsWith('dwarf5'))) {
  test(`${variant.name}: unwinding from the program and from inside libc gives gdb's backtrace`, async () => {
    const exe = paramsProgram(variant);
    const gdb = GdbMi.start(exe, ['1']);
    try {
      await gdb.command('-inferior-tty-set /dev/null');
      await gdb.command('-interpreter-exec console "maint set internal-error corefile no"');
      // gdb stops its backtraces at main by default; the unwinder goes on to _start.
      await gdb.command('-gdb-set backtrace past-main on');
      await gdb.command('-gdb-set backtrace past-entry on');
      await gdb.command('-exec-run --start');
      await gdb.stopped();
      const pid = Number(((await gdb.command('-list-thread-groups')).results.groups as Array<{ pid: string }>)[0].pid);
      const names = (await gdb.command('-data-list-register-names')).results['register-names'] as string[];
      assert.is((await gdb.command('-break-insert callback_impl')).class, 'done');
      assert.is((await gdb.command('-break-insert write')).class, 'done');
      let stops = 0;
      for (;;) {
        await gdb.command('-exec-continue');
        const stop = await gdb.stopped();
        if (stop.results.reason !== 'breakpoint-hit') break;
        stops++;
        const where = (stop.results.frame as { func?: string }).func ?? '?';
        const registers = registersOf(names, (await gdb.command('-data-list-register-values x')).results['register-values']);
        const theirs = await gdbBacktrace(gdb);
        const memory = new StoppedProcess(pid, {});
        const frames = unwindStack({ registers, readWord: (a) => memory.readWord(a), moduleAt: moduleLookup(pid) });
        memory.close();
        assert.equal(frames.map((f) => `0x${f.pc.toString(16)}`), theirs.map((a) => `0x${a.toString(16)}`), `backtrace in ${where}`);
        assert.ok(theirs.length >= 3, `a real stack in ${where}`);
      }
      assert.is(stops, 2, 'stopped in callback_impl and in write');
    } finally {
      await gdb.close();
    }
  });
}

test('without CFI the frame-pointer chain still finds the callers in -O0 code', async () => {
  const exe = paramsProgram(VARIANTS[0]);
  const gdb = GdbMi.start(exe, ['1']);
  try {
    await gdb.command('-inferior-tty-set /dev/null');
    await gdb.command('-exec-run --start');
    await gdb.stopped();
    const pid = Number(((await gdb.command('-list-thread-groups')).results.groups as Array<{ pid: string }>)[0].pid);
    const names = (await gdb.command('-data-list-register-names')).results['register-names'] as string[];
    // `break callback_impl` lands after the prologue, where rbp is this frame's.
    await gdb.command('-break-insert callback_impl');
    await gdb.command('-exec-continue');
    await gdb.stopped();
    const registers = registersOf(names, (await gdb.command('-data-list-register-values x')).results['register-values']);
    const theirs = await gdbBacktrace(gdb);
    const memory = new StoppedProcess(pid, {});
    const real = fs.realpathSync(exe);
    const frames = unwindStack({ registers, readWord: (a) => memory.readWord(a), moduleAt: moduleLookup(pid, (f) => f === real), maxFrames: 3 });
    memory.close();
    assert.equal(frames.map((f) => f.pc), theirs.slice(0, 3));
    assert.equal(frames.slice(0, 2).map((f) => f.method), ['frame-pointer', 'frame-pointer']);
  } finally {
    await gdb.close();
  }
});

test.run();
