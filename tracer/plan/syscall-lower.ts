// System-call probes (`process("PATH").syscall`, `.syscall.return`, bare `process.syscall` for the
// target): the one place they have, and their target expressions as SystemTap's utrace probes
// define them — `$syscall` the call's number, `$arg1`..`$arg6` its arguments (entry only),
// `$return` its result (return only), `$$parms` (entry) `$arg1=0x.. $arg2=0x.. ... $arg6=0x..`,
// all read-only.
//
// They lower to x86-64 register reads as the kernel leaves them at a system-call stop: the
// number in orig_rax, the arguments in rdi rsi rdx r10 r8 r9, the result in rax. Each engine
// reads those names from what it has at the call: the ptrace engine from the stopped thread's
// registers, the uprobe engine's tracepoint handler from the raw_syscalls record (id, args[6] /
// ret; tracer/bpf-codegen/context-kind.ts).
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { Expr, HandlerIR, LValue, ProgramIR, RegName, SourceLoc, TargetRef } from '../ir/ir';
import type { ElfBinary } from '../../symbolizer/elf-binary';
import { sourceExcerpt } from '../source-excerpt';
import { mapTargetsInStmt, type TargetRewriter } from './map-targets';
import type { LoweredHandler } from './lower-target';
import type { ProbeLocation } from './probe-match';
import { formatParts, type FormatPart } from './target-format';

/** The registers of a system call's arguments, in order (the x86-64 syscall convention). */
export const SYSCALL_ARG_REGS: readonly RegName[] = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'];

/** The one "place" of a system-call probe: every call the process running `binary` makes. */
export function syscallLocation(binary: ElfBinary, variant: 'call' | 'return' | undefined): ProbeLocation {
  const atReturn = variant === 'return';
  return {
    binary,
    kind: atReturn ? 'syscallReturn' : 'syscall',
    function: '',
    vaddr: 0n,
    entryPc: 0n,
    inlined: false,
    canonical: `process("${binary.path}").syscall${atReturn ? '.return' : ''}`,
  };
}

/** What `utap -L` shows a system-call probe has (all longs). */
export function syscallVariablesText(kind: 'syscall' | 'syscallReturn'): string {
  return kind === 'syscall' ? ['$syscall', ...SYSCALL_ARG_REGS.map((_, i) => `$arg${i + 1}`)].map((v) => `${v}:long`).join(' ') : '$syscall:long $return:long';
}

class SyscallLowering implements TargetRewriter {
  constructor(readonly program: ProgramIR, readonly atReturn: boolean, readonly canonical: string) {}

  private located(loc: SourceLoc, message: string): UtapError {
    return new UtapError(`${loc.file}:${loc.line}:${loc.column}: error: ${message}\n${sourceExcerpt(loc, this.program.sources)}`.replace(/\n$/, ''), EXIT_SCRIPT_ERROR, true);
  }

  /** The register `$name` reads here, or undefined when it means nothing at this probe. */
  private register(name: string): RegName | undefined {
    if (name === 'syscall') return 'orig_rax';
    if (this.atReturn) return name === 'return' ? 'rax' : undefined;
    const m = /^arg([1-6])$/.exec(name);
    return m ? SYSCALL_ARG_REGS[Number(m[1]) - 1] : undefined;
  }

  expr(node: Extract<Expr, { op: 'target' }>): Expr {
    const { ref, loc } = node;
    const reg = ref.path.length || ref.pretty || ref.addressOf ? undefined : this.register(ref.name);
    const parms = !this.atReturn && (ref.name === '$parms' || ref.name === '$vars') && !ref.path.length && !ref.addressOf;
    if (ref.defined) return { op: 'long', type: 'long', value: reg || parms ? 1n : 0n, loc };
    if (reg) return { op: 'reg', type: 'long', reg, loc };
    if (parms) {
      const parts: FormatPart[] = [];
      SYSCALL_ARG_REGS.forEach((r, i) => {
        parts.push({ kind: 'text', text: `${i ? ' ' : ''}$arg${i + 1}=` });
        parts.push({ kind: 'long', conversion: 'x', alternate: true, value: { op: 'reg', type: 'long', reg: r, loc } });
      });
      return formatParts(this.program, parts, loc);
    }
    const has = this.atReturn ? '$syscall and $return' : '$syscall, $arg1..$arg6 and $$parms';
    throw this.located(loc, `$${ref.name}${ref.pretty ?? ''} is not known in the probe ${this.canonical}; it has ${has}.`);
  }

  lvalue(ref: TargetRef, loc: SourceLoc): LValue {
    throw this.located(loc, `$${ref.name} is read-only in the probe ${this.canonical}, as in SystemTap.`);
  }
}

/** Lowers every target expression of `handler` for a system-call probe. */
export function lowerSyscallTargets(program: ProgramIR, handler: HandlerIR, location: ProbeLocation): LoweredHandler {
  const body = mapTargetsInStmt(handler.body, new SyscallLowering(program, location.kind === 'syscallReturn', location.canonical));
  return { handler: { ...handler, body }, entryCaptures: [] };
}
