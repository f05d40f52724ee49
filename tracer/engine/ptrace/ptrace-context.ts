// The ProbeContext of a thread stopped at a breakpoint: its registers (already read with the
// wait), its memory, and the process facts handlers ask for. One object is reused for every hit.
import * as fs from 'node:fs';
import type { ContextValue, RegName } from '../../ir/ir';
import { wallClockNs } from '../../runtime/no-thread-context';
import { MemoryFault, type ProbeContext } from '../../runtime/probe-context';
import type { Scalar } from '../../runtime/storage';
import { unwindStack } from '../../../symbolizer/dwarf/unwind';
import { X86_64_DWARF_REGISTERS } from '../../../symbolizer/dwarf/registers';
import type { ProcessSymbols } from '../process-symbols';
import { processStatus } from '../process-status';
import type { Registers } from './registers';
import type { TargetMemory } from './target-memory';

export class PtraceProbeContext implements ProbeContext {
  tid = 0;
  pid = 0;
  regs!: Registers;
  memory!: TargetMemory;
  /** Run-time address of the site's ProbeSiteIR.vaddr; for return sites, the address returned to. */
  uaddr = 0;
  /** Values captured at entry, for return sites. */
  entry: Scalar[] | undefined;
  /** Set when a handler wrote a register: the engine must write them back. */
  regsDirty = false;
  targetPid = 0;
  /** The traced process's symbols, for ubacktrace(). */
  symbols: ProcessSymbols | undefined;
  /** In a .return handler: the caller's pc the function returned to (the stack walk starts there). */
  returnTo: bigint | undefined;
  /** The thread's return addresses redirected to utap's trampoline, with what they hold for real. */
  shadow: ReadonlyArray<{ stackSlot: number; returnAddress: bigint }> = [];
  private readonly execnames = new Map<number, string>();

  bind(tid: number, pid: number, regs: Registers, memory: TargetMemory, uaddr: number, entry?: Scalar[]): this {
    this.tid = tid;
    this.pid = pid;
    this.regs = regs;
    this.memory = memory;
    this.uaddr = uaddr;
    this.entry = entry;
    return this;
  }

  reg(name: RegName): bigint {
    return this.regs.get(name);
  }

  readMemory(address: bigint, length: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const n = this.memory.readInto(address, buffer, length);
    if (n <= 0) throw new MemoryFault(address, length);
    return n === length ? buffer : buffer.subarray(0, n);
  }

  writeReg(name: RegName, value: bigint): void {
    this.regs.set(name, value);
    this.regsDirty = true;
  }

  writeMemory(address: bigint, bytes: Uint8Array): void {
    this.memory.write(address, bytes);
  }

  entryValue(index: number): Scalar {
    const value = this.entry?.[index];
    if (value === undefined) throw new Error(`no entry value ${index} at this site`);
    return value;
  }

  captured(index: number): Scalar {
    throw new Error(`captured value ${index} requested on the ptrace engine`);
  }

  /** ubacktrace(): the return addresses of the user stack, by CFI with a frame-pointer fallback. */
  private backtrace(): string {
    const symbols = this.symbols;
    if (!symbols) return '';
    const registers = new Map<number, bigint>();
    X86_64_DWARF_REGISTERS.forEach((name, number) => registers.set(number, this.regs.get(name)));
    registers.set(16, this.returnTo ?? BigInt(this.uaddr));
    const redirected = new Map(this.shadow.map((f) => [f.stackSlot, f.returnAddress]));
    const word = new Uint8Array(8);
    const view = new DataView(word.buffer);
    const frames = unwindStack({
      registers,
      readWord: (address) => {
        const real = redirected.get(Number(address));
        if (real !== undefined) return real;
        return this.memory.readInto(address, word, 8) === 8 ? view.getBigUint64(0, true) : undefined;
      },
      moduleAt: (pc) => symbols.unwindModuleAt(pc),
      maxFrames: 32,
    });
    return frames.map((f) => '0x' + f.pc.toString(16)).join(' ');
  }

  /** Forget cached process facts (after exec, comm changes). */
  forgetProcess(pid: number): void {
    this.execnames.delete(pid);
  }

  context(what: ContextValue): bigint | number | string {
    switch (what) {
      case 'tid':
        return this.tid;
      case 'pid':
        return this.pid;
      case 'target':
        return this.targetPid;
      case 'walltime_ns':
        return wallClockNs();
      case 'monotonic_ns':
        return process.hrtime.bigint();
      case 'uaddr':
        return this.uaddr;
      case 'execname': {
        let name = this.execnames.get(this.pid);
        if (name === undefined) {
          name = readProc(this.pid, 'comm').replace(/\n$/, '');
          this.execnames.set(this.pid, name);
        }
        return name;
      }
      case 'cpu': {
        const stat = readProc(this.tid, 'stat');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36] ?? 0);
      }
      case 'ppid':
      case 'uid':
      case 'euid':
      case 'gid':
        return processStatus(this.pid, what);
      case 'pp':
      case 'probefunc':
        return ''; // answered by the runtime from the site
      case 'ubacktrace':
        return this.backtrace();
    }
  }
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}
