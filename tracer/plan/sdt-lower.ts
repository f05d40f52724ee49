// Target expressions of a marker probe (`process(...).mark(...)`): `$arg1`..`$argN` from the
// note's argument specs, as `reg` / `userRead` / `long` nodes extended from the spec's size and
// sign; `$$name`, `$$provider` as strings; `$$parms` (and `$$vars`) as SystemTap writes them,
// `$arg1=0x3 $arg2=0x7ffd...`. No debug information is involved.
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { Expr, HandlerIR, LValue, ProgramIR, SourceLoc, TargetRef } from '../ir/ir';
import type { ElfBinary } from '../../symbolizer/elf-binary';
import { parseSdtArguments, SdtArgumentError, type SdtArgument } from '../../symbolizer/sdt-args';
import type { SdtMarker } from '../../symbolizer/sdt-notes';
import { isDefined, readSymbols } from '../../symbolizer/symbols';
import { sourceExcerpt } from '../source-excerpt';
import { mapTargetsInStmt, type TargetRewriter } from './map-targets';
import { TargetLowering, type LoweredHandler } from './lower-target';
import { ExprBuilder } from './target-exprs';
import { formatParts, type FormatPart } from './target-format';

export interface MarkerSite {
  binary: ElfBinary;
  marker: SdtMarker;
  /** Canonical probe point, for messages. */
  canonical: string;
  /** ProbeSiteIR.vaddr (the marker's pc): `context uaddr` minus it is the load bias. */
  vaddr: bigint;
}

/** `file:line:col: error: message`, then the script line and a caret under the column. */
function located(loc: SourceLoc, message: string, status: number, sources: Readonly<Record<string, string>>): UtapError {
  return new UtapError(`${loc.file}:${loc.line}:${loc.column}: error: ${message}\n${sourceExcerpt(loc, sources)}`.replace(/\n$/, ''), status, true);
}

/** The arguments of a marker, or one sentence saying why they cannot be read. */
export function markerArguments(marker: SdtMarker): SdtArgument[] {
  return parseSdtArguments(marker.args);
}

class MarkerLowering implements TargetRewriter {
  private args?: SdtArgument[];
  private symbolAddresses?: Map<string, bigint>;

  constructor(readonly program: ProgramIR, readonly site: MarkerSite) {}

  private located(loc: SourceLoc, message: string, status = EXIT_SCRIPT_ERROR): UtapError {
    return located(loc, message, status, this.program.sources);
  }

  expr(node: Extract<Expr, { op: 'target' }>): Expr {
    return this.value(node.ref, node.loc);
  }

  lvalue(ref: TargetRef, loc: SourceLoc): LValue {
    throw this.located(loc, `$${ref.name} is an argument of the marker ${this.site.marker.provider}:${this.site.marker.name}; marker arguments cannot be assigned.`);
  }

  private arguments(loc: SourceLoc): SdtArgument[] {
    try {
      return (this.args ??= markerArguments(this.site.marker));
    } catch (e) {
      if (e instanceof SdtArgumentError) throw this.located(loc, `the arguments of ${this.site.canonical} in ${this.site.binary.path} cannot be read: ${e.message}.`, EXIT_ENVIRONMENT);
      throw e;
    }
  }

  /** The enclosing function's variables, globals, file statics and @cast at the marker, from the binary's DWARF when it has some. */
  private dwarfLowering?: TargetLowering;
  private byDwarf(ref: TargetRef, loc: SourceLoc): Expr {
    const { binary, marker, vaddr } = this.site;
    if (!this.dwarfLowering) {
      // the function the marker sits in: its parameters and locals are readable there too, as in SystemTap
      const dwarf = binary.dwarf();
      const holder = dwarf?.functionIndex().functionAt(marker.pc);
      this.dwarfLowering = new TargetLowering(this.program, {
        binary: binary.path, dwarf, cfi: binary.cfi(), functionName: holder?.record.name ?? `${marker.provider}:${marker.name}`, kind: 'statement',
        functionDie: holder?.instance.die, pc: marker.pc, entryPc: holder?.instance.entryPc ?? marker.pc, vaddr, relocatable: binary.relocatable,
      });
    }
    return this.dwarfLowering.expr({ op: 'target', type: ref.pretty || ref.name.startsWith('$') ? 'string' : 'long', ref, loc });
  }

  private value(ref: TargetRef, loc: SourceLoc): Expr {
    const b = new ExprBuilder(loc);
    const spelled = `$${ref.name}`;
    if (ref.cast || ref.scope) return this.byDwarf(ref, loc);
    const m = /^arg([1-9][0-9]*)$/.exec(ref.name);
    if (m) {
      if (ref.path.length || ref.pretty || ref.addressOf || ref.atEntry) {
        throw this.located(loc, `${spelled} of a marker is a number with no type information; read what it points to with user_string($arg), user_long($arg) and the like.`);
      }
      const args = this.arguments(loc);
      const n = Number(m[1]);
      if (n > args.length) {
        throw this.located(loc, `${this.site.canonical} has ${args.length === 0 ? 'no arguments' : args.length === 1 ? 'one argument ($arg1)' : `${args.length} arguments ($arg1..$arg${args.length})`}, so ${spelled} does not exist.`);
      }
      return this.argument(args[n - 1], b, loc);
    }
    if ((ref.path.length || ref.pretty || ref.addressOf) && (ref.name.startsWith('$') || !this.site.binary.dwarf())) throw this.located(loc, `${spelled}${ref.pretty ?? ''} has no meaning in a marker probe.`);
    switch (ref.name) {
      case '$name': return { op: 'string', type: 'string', value: this.site.marker.name, loc };
      case '$provider': return { op: 'string', type: 'string', value: this.site.marker.provider, loc };
      case '$parms':
      case '$vars': {
        const parts: FormatPart[] = [];
        this.arguments(loc).forEach((a, i) => {
          parts.push({ kind: 'text', text: `${i ? ' ' : ''}$arg${i + 1}=` });
          parts.push({ kind: 'long', conversion: 'x', alternate: true, value: this.argument(a, b, loc) });
        });
        return formatParts(this.program, parts, loc);
      }
      case '$locals': return { op: 'string', type: 'string', value: '', loc };
      default:
        if (!ref.name.startsWith('$') && this.site.binary.dwarf()) return this.byDwarf(ref, loc);
        throw this.located(loc, `${spelled} is not known in the marker probe ${this.site.canonical}; a marker has $arg1..$argN, $$name, $$provider and $$parms.`);
    }
  }

  /** A link-time address as a run-time one: plus the load bias (uaddr − the marker's pc) for PIE and libraries. */
  private runtimeAddress(b: ExprBuilder, address: bigint): Expr {
    if (!this.site.binary.relocatable) return b.long(address);
    const uaddr: Expr = { op: 'context', type: 'long', what: 'uaddr', loc: b.loc };
    return b.add(b.long(address), b.binary('-', uaddr, b.long(this.site.vaddr)));
  }

  private symbol(name: string, arg: SdtArgument, loc: SourceLoc): bigint {
    if (!this.symbolAddresses) {
      this.symbolAddresses = new Map();
      for (const table of ['.dynsym', '.symtab'] as const) {
        for (const s of readSymbols(this.site.binary.elf, table) ?? []) if (s.name && isDefined(s)) this.symbolAddresses.set(s.name, s.value);
      }
    }
    const address = this.symbolAddresses.get(name);
    if (address === undefined) throw this.located(loc, `the argument '${arg.text}' of ${this.site.canonical} names the symbol ${name}, which ${this.site.binary.path} does not define.`, EXIT_ENVIRONMENT);
    return address;
  }

  private argument(arg: SdtArgument, b: ExprBuilder, loc: SourceLoc): Expr {
    const bits = arg.size * 8;
    const op = arg.operand;
    switch (op.kind) {
      case 'register': {
        // The value is the low `size` bytes of what the named register part holds.
        return b.bits(b.reg(op.reg), op.shift, Math.min(op.width, arg.size) * 8, arg.signed);
      }
      case 'constant': {
        if (op.symbol) return b.add(this.runtimeAddress(b, this.symbol(op.symbol, arg, loc)), op.value);
        return b.long(arg.signed ? BigInt.asIntN(bits, op.value) : BigInt.asUintN(bits, op.value));
      }
      case 'memory': {
        let addr: Expr;
        if (op.symbol) addr = b.add(this.runtimeAddress(b, this.symbol(op.symbol, arg, loc)), op.displacement);
        else if (op.base === 'rip') throw this.located(loc, `the argument '${arg.text}' of ${this.site.canonical} is relative to an instruction that does not exist at a marker; utap cannot read it.`, EXIT_ENVIRONMENT);
        else addr = b.long(op.displacement);
        if (op.base && op.base !== 'rip') addr = b.add(addr, b.reg(op.base));
        if (op.index) addr = b.add(addr, b.binary('*', b.reg(op.index), b.long(BigInt(op.scale))));
        return b.read(addr, arg.size, arg.signed);
      }
    }
  }
}

/** Lowers every target expression of `handler` for one marker site. */
export function lowerMarkerTargets(program: ProgramIR, handler: HandlerIR, site: MarkerSite): LoweredHandler {
  const body = mapTargetsInStmt(handler.body, new MarkerLowering(program, site));
  return { handler: { ...handler, body }, entryCaptures: [] };
}
