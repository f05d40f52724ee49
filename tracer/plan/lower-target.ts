// Target-variable lowering: each `target` node of a handler ($var, $p->a[2].b, $return, $$parms,
// @entry($x), &$v, $v$) becomes machine-level IR for one probe site — `reg`, `userRead`, `long`,
// `binary` (and `sprintf`/`concat` for the string forms) — so both engines run it with no DWARF
// at run time. The symbolizer's expression evaluator is driven symbolically: "need register 5"
// is answered with the node reading rdi, "need memory" with a userRead node, "need the CFA" with
// the CFI rule at the pc. Values needed at function entry by a .return probe become entry
// captures, evaluated at the entry pc and read back with `entry` nodes.
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { Expr, HandlerIR, LValue, ProgramIR, RegName, SiteKind, SourceLoc, TargetRef, TargetStep } from '../ir/ir';
import type { CallFrameInfo } from '../../symbolizer/dwarf/cfi';
import { unwindRowAt } from '../../symbolizer/dwarf/cfi-table';
import { DW_ATE } from '../../symbolizer/dwarf/constants';
import type { Dwarf } from '../../symbolizer/dwarf/dwarf';
import { Evaluation, EvaluationError, type EvaluationStep } from '../../symbolizer/dwarf/evaluation';
import { decodeExpression } from '../../symbolizer/dwarf/op';
import { describeRegister, registerName } from '../../symbolizer/dwarf/registers';
import { variableLocationAt, type Variable } from '../../symbolizer/dwarf/scopes';
import { completeType, findGlobalVariable, findNamedType, type UnitChoice } from '../../symbolizer/dwarf/file-scope';
import { compileGlob } from '../../symbolizer/glob';
import * as path from 'node:path';
import { entryLocations } from '../../symbolizer/dwarf/sysv-abi';
import type { DwarfType, TypeRef } from '../../symbolizer/dwarf/types';
import { DecodeError } from '../../symbolizer/decode-error';
import { mapTargetsInStmt, type TargetRewriter } from './map-targets';
import { ExprBuilder, exprDomain } from './target-exprs';
import { formatParts, type FormatPart } from './target-format';
import { LoweringProblem, offsetPlace, placeOfPieces, readBits, type Place } from './target-place';

/** The probe site a handler is lowered for. */
export interface TargetSite {
  /** The ELF file holding the code (for messages). */
  binary: string;
  /** Its DWARF (possibly from a separate debug file); undefined when there is none. */
  dwarf?: Dwarf;
  /** Its CFI, for DW_OP_call_frame_cfa. */
  cfi?: CallFrameInfo;
  /** Name of the function, for messages. */
  functionName: string;
  /**
   * The function instance the site belongs to: its DW_TAG_subprogram DIE, or — for a statement
   * inside inlined code — the DW_TAG_inlined_subroutine DIE (dwarf.inlineChainAt gives it).
   */
  functionDie?: number;
  kind: SiteKind;
  /** Link-time address of the probed instruction (a return site: the function's entry pc). */
  pc: bigint;
  /** Link-time entry pc of the function instance, where entry captures are evaluated. */
  entryPc: bigint;
  /** ProbeSiteIR.vaddr; `context uaddr` is its run-time address, which relocates DW_OP_addr. */
  vaddr: bigint;
  /** ET_DYN (PIE or shared library): link-time addresses need the load bias. */
  relocatable: boolean;
  /**
   * The engine evaluates this site's entryCaptures at the function's entry. True for return
   * sites; other kinds may opt in (values a location only describes as DW_OP_entry_value then
   * work too).
   */
  entryCaptures?: boolean;
}

export interface LoweredHandler {
  handler: HandlerIR;
  /** The site's ProbeSiteIR.entryCaptures. */
  entryCaptures: Expr[];
}

/** Lowers every target expression and target lvalue of `handler` for `site`. */
export function lowerTargets(program: ProgramIR, handler: HandlerIR, site: TargetSite): LoweredHandler {
  const lowering = new TargetLowering(program, site);
  const body = mapTargetsInStmt(handler.body, lowering);
  return { handler: { ...handler, body }, entryCaptures: lowering.entryCaptures };
}

/** The type of a value being lowered: a DWARF type, or the rows of a multi-dimensional array. */
type ValueType = { kind: 'dwarf'; ref: TypeRef | undefined } | { kind: 'subarray'; element: TypeRef | undefined; counts: (number | undefined)[] };

interface Located {
  place: Place;
  bitOffset: number;
  /** Set for bitfields. */
  bitSize?: number;
  type: ValueType;
  /** How the script spelled it so far (`$p->next`), for messages. */
  spelling: string;
}

const dwarfType = (ref: TypeRef | undefined): ValueType => ({ kind: 'dwarf', ref });
const CHAR_ENCODINGS: number[] = [DW_ATE.DW_ATE_signed_char, DW_ATE.DW_ATE_unsigned_char];

/**
 * Lowers the target nodes of the handlers of one site. Use one instance for all handlers of a
 * site so that their entry captures are numbered together.
 */
export class TargetLowering implements TargetRewriter {
  readonly entryCaptures: Expr[] = [];
  private readonly captureKeys = new Map<string, number>();
  private scopeList?: Array<{ die: number; variables: Variable[] }>;
  private frameBaseCache?: Expr;
  private entrySite?: TargetLowering;

  constructor(readonly program: ProgramIR, readonly site: TargetSite, private readonly parent?: TargetLowering) {}

  // ── TargetRewriter ──

  expr(node: Extract<Expr, { op: 'target' }>): Expr {
    if (node.ref.defined) return { op: 'long', type: 'long', value: this.resolves({ ...node.ref, defined: undefined }, node.loc) ? 1n : 0n, loc: node.loc };
    return this.guard(node.loc, () => this.lowerValue(node.ref, node.loc));
  }

  /** `@defined(...)`: whether `ref` can be lowered at this site. */
  private resolves(ref: TargetRef, loc: SourceLoc): boolean {
    try {
      this.lowerValue(ref, loc);
      return true;
    } catch (e) {
      if (e instanceof LoweringProblem || e instanceof EvaluationError || e instanceof DecodeError) return false;
      throw e;
    }
  }

  lvalue(ref: TargetRef, loc: SourceLoc): LValue {
    return this.guard(loc, () => this.lowerLValue(ref, loc));
  }

  // ── errors ──

  private guard<T>(loc: SourceLoc, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LoweringProblem) throw located(loc, e.message, e.status);
      if (e instanceof EvaluationError) {
        throw located(loc, `the DWARF location of this variable in ${this.site.binary} cannot be used: ${e.detail} (at ${e.section}+0x${e.offset.toString(16)}).`, EXIT_ENVIRONMENT);
      }
      if (e instanceof DecodeError) throw located(loc, `the debug information of ${this.site.binary} is damaged: ${e.message}.`, EXIT_ENVIRONMENT);
      throw e;
    }
  }

  private dwarf(what: string): Dwarf {
    const dwarf = this.site.dwarf;
    if (!dwarf || this.site.functionDie === undefined) {
      throw new LoweringProblem(`${this.site.binary} has no debug information for ${this.site.functionName}, so ${what} cannot be read; install its debug symbols (a -dbg or -dbgsym package) or rebuild it with -g.`, 2);
    }
    return dwarf;
  }

  // ── values ──

  private lowerValue(ref: TargetRef, loc: SourceLoc): Expr {
    const b = new ExprBuilder(loc);
    const spelling = spell(ref);
    // In a .return probe every target but $return means its value at entry (SystemTap's rule).
    if (this.site.kind === 'return' && ref.name !== 'return' && ref.name !== '$return' && !this.parent && this.entryLocal(ref)) return this.capture(ref, loc);
    if (ref.atEntry && !this.parent) throw new LoweringProblem(`@entry(${spelling}) only has a meaning in a .return probe.`, 1);
    if (ref.name === '$parms' || ref.name === '$locals' || ref.name === '$vars') {
      if (ref.path.length) throw new LoweringProblem(`${spelling} is a string; it has no members or elements.`, 1);
      return this.variablesString(ref.name.slice(1) as 'parms' | 'locals' | 'vars', ref.pretty !== undefined, ref.pretty === '$$', b);
    }
    if (ref.name === '$return') return this.returnString(ref.pretty !== undefined, ref.pretty === '$$', b);
    let located = ref.cast ? this.cast(ref.cast, b) : ref.name === 'return' ? this.returnValue(b) : this.variable(ref.name, b, ref.scope);
    // `@cast(p, "T")[i]`: the i-th T from p, as if p pointed to an array of them
    if (ref.cast && ref.path[0]?.kind === 'index' && located.type.kind === 'dwarf' && this.stripped(located.type).kind !== 'array' && this.stripped(located.type).kind !== 'pointer') {
      located = { ...located, type: { kind: 'subarray', element: located.type.ref, counts: [undefined] } };
    }
    for (const step of ref.path) located = this.step(located, step, b);
    if (ref.addressOf) return this.addressOf(located);
    if (ref.pretty) return formatParts(this.program, this.pretty(located, b, 0, ref.pretty === '$$'), loc);
    return this.scalar(located, b);
  }

  /**
   * Whether a .return probe reads `ref` as it was at entry: parameters and locals (and the
   * strings made of them) are; globals, file statics and @cast objects are read at the return.
   */
  private entryLocal(ref: TargetRef): boolean {
    if (ref.cast || ref.scope?.unit !== undefined) return false;
    if (ref.name.startsWith('$')) return true;
    try {
      return this.entryLowering().scopes().some((s) => s.variables.some((v) => v.name === ref.name)) || !this.global(ref.name, undefined);
    } catch (e) {
      if (e instanceof LoweringProblem) return true;
      throw e;
    }
  }

  /** A .return probe's use of an entry value: lowered at the entry pc, captured there, read back. */
  private capture(ref: TargetRef, loc: SourceLoc): Expr {
    const entry = this.entryLowering();
    const value = entry.lowerValue({ ...ref, atEntry: false }, loc);
    return this.addCapture(value, loc);
  }

  private addCapture(value: Expr, loc: SourceLoc): Expr {
    const key = stableKey(value);
    let index = this.captureKeys.get(key);
    if (index === undefined) {
      index = this.entryCaptures.length;
      this.entryCaptures.push(value);
      this.captureKeys.set(key, index);
    }
    return { op: 'entry', type: value.type === 'string' ? 'string' : 'long', index, loc };
  }

  private entryLowering(): TargetLowering {
    if (this.site.kind !== 'return' && !this.site.entryCaptures) {
      throw new LoweringProblem(`this value is only known at the entry of ${this.site.functionName}; probe ${this.site.functionName} with .call or .return instead.`, 2);
    }
    return (this.entrySite ??= new TargetLowering(this.program, { ...this.site, kind: 'entry', pc: this.site.entryPc, vaddr: this.site.entryPc }, this));
  }

  /**
   * The function instances whose variables are visible at the pc, innermost first: the site's
   * function and, when the pc lies in code inlined into it, each inlined call down to the
   * innermost (whose names shadow the outer ones).
   */
  private scopes(): Array<{ die: number; variables: Variable[] }> {
    if (!this.scopeList) {
      const dwarf = this.dwarf('$variables');
      const chain = dwarf.inlineChainAt(this.site.functionDie!, this.site.pc);
      this.scopeList = chain.reverse().map((die) => ({ die, variables: dwarf.variables(die, this.site.pc) }));
    }
    return this.scopeList;
  }

  /** The variables of the innermost function at the pc ($$parms, $$locals, $$vars). */
  private variables(): Variable[] {
    return this.scopes()[0].variables;
  }

  /**
   * `$name`: a parameter or local of the function at the pc (innermost scope first), else a
   * global or file static (the probe's own compile unit first). `@var("name@unit")` looks only
   * at the globals and statics of the units matching `unit`.
   */
  private variable(name: string, b: ExprBuilder, scope?: TargetRef['scope']): Located {
    if (scope?.module !== undefined) this.checkModule(scope.module, `@var("${name}")`);
    const hasScopes = this.site.dwarf !== undefined && this.site.functionDie !== undefined;
    if (scope?.unit === undefined && hasScopes) {
      for (const s of this.scopes()) {
        const v = s.variables.find((x) => x.name === name);
        if (v) return { place: this.variablePlace(v, b, s.die), bitOffset: 0, type: dwarfType(v.type), spelling: `$${name}` };
      }
    }
    if (!this.site.dwarf) this.dwarf(`$${name}`);
    const global = this.global(name, scope?.unit);
    if (global) return { place: this.globalPlace(global, b), bitOffset: 0, type: dwarfType(global.type), spelling: `$${name}` };
    if (scope?.unit !== undefined) throw new LoweringProblem(`@var("${name}@${scope.unit}"): no compile unit of ${this.site.binary} matching ${scope.unit} defines a global or static ${name}.`, 1);
    const known = hasScopes ? [...new Set(this.scopes().flatMap((s) => s.variables.map((x) => `$${x.name}`)))].join(' ') : '';
    throw new LoweringProblem(
      `$${name} is not a parameter or local of ${this.site.functionName} at this point, nor a global of ${path.basename(this.site.binary)}${known ? `; these are: ${known}` : ''}.`,
      1,
    );
  }

  /** The global or file static `name` of the site's binary, from the units matching `unit` if given. */
  private global(name: string, unit: string | undefined): Variable | undefined {
    const dwarf = this.site.dwarf;
    if (!dwarf) return undefined;
    const own = this.site.functionDie !== undefined ? dwarf.ctx.unitAt(this.site.functionDie)?.offset : dwarf.unitForPc(this.site.pc)?.offset;
    const choice: UnitChoice = { ...(own !== undefined && { first: own }), ...(unit !== undefined && { accepts: unitMatcher(unit) }) };
    return findGlobalVariable(dwarf.ctx, name, choice);
  }

  private globalPlace(v: Variable, b: ExprBuilder): Place {
    const at = variableLocationAt(v, this.site.pc);
    switch (at.kind) {
      case 'optimizedOut':
        throw new LoweringProblem(`$${v.name} has no location in the debug information of ${this.site.binary} (optimized out).`, 2);
      case 'constant': {
        if (at.value instanceof Uint8Array) return { kind: 'implicit', bytes: at.value };
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, at.value), true);
        return { kind: 'implicit', bytes };
      }
      case 'expression': {
        const unit = this.site.dwarf!.ctx.unitAt(v.die);
        return this.evaluatePlace(at.expression, at.section, at.offset, b, unit && { offsetSize: unit.offsetSize, unitOffset: unit.offset, version: unit.version, addressAt: (i: number) => unit.address(i) });
      }
    }
  }

  /** `@cast(address, "type", "module")`: the object of that type at the address. */
  private cast(cast: NonNullable<TargetRef['cast']>, b: ExprBuilder): Located {
    const spelling = `@cast(..., "${cast.type}")`;
    if (cast.module !== undefined) this.checkModule(cast.module, spelling);
    const dwarf = this.site.dwarf;
    if (!dwarf) throw new LoweringProblem(`${this.site.binary} has no debug information, so ${spelling} cannot find its type; install its debug symbols (a -dbg or -dbgsym package) or rebuild it with -g.`, 2);
    const own = this.site.functionDie !== undefined ? dwarf.ctx.unitAt(this.site.functionDie)?.offset : undefined;
    const found = findNamedType(dwarf.ctx, cast.type, own !== undefined ? { first: own } : {});
    if (!found) throw new LoweringProblem(`${spelling}: the debug information of ${this.site.binary} declares no type ${cast.type}.`, 1);
    if (found.pointers > 0) throw new LoweringProblem(`${spelling}: cast to the type itself (without '*') and follow it with ->member.`, 1);
    return { place: { kind: 'memory', address: cast.address }, bitOffset: 0, type: dwarfType(found.type), spelling };
  }

  /** A module argument (`@var(..., "prog")`, `@cast(..., "prog")`) must name the site's own binary. */
  private checkModule(module: string, spelling: string): void {
    const binary = this.site.binary;
    if (module === binary || path.basename(module) === path.basename(binary)) return;
    throw new LoweringProblem(`${spelling} names the module ${module}, but this probe is in ${binary}; utap reads variables and types only from the binary a probe is in.`, 2);
  }

  /** Where variable `v` is at the site's pc. */
  private variablePlace(v: Variable, b: ExprBuilder, scopeDie = this.site.functionDie!): Place {
    const dwarf = this.dwarf(`$${v.name}`);
    const pc = this.site.pc;
    const at = variableLocationAt(v, pc);
    switch (at.kind) {
      case 'optimizedOut':
        throw new LoweringProblem(`$${v.name} is optimized out at 0x${pc.toString(16)} in ${this.site.functionName} (the compiler kept no copy of it there); probe another point, or rebuild with less optimization.`, 2);
      case 'constant': {
        if (at.value instanceof Uint8Array) return { kind: 'implicit', bytes: at.value };
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, at.value), true);
        return { kind: 'implicit', bytes };
      }
      case 'expression': {
        if (v.kind === 'parameter' && scopeDie === this.site.functionDie && this.atFunctionEntry() && isFrameRelative(at.expression)) {
          const abi = this.entryPlace(v, b);
          if (abi) return abi;
        }
        const unit = dwarf.ctx.unitAt(v.die);
        return this.evaluatePlace(at.expression, at.section, at.offset, b, unit && { offsetSize: unit.offsetSize, unitOffset: unit.offset, version: unit.version, addressAt: (i: number) => unit.address(i) });
      }
    }
  }

  /** The site is the first instruction of an out-of-line function (nothing of its prologue has run). */
  private atFunctionEntry(): boolean {
    return this.site.pc === this.site.entryPc && this.site.dwarf!.isSubprogram(this.site.functionDie!);
  }

  /**
   * A parameter at the entry pc, from the calling convention: unoptimized code describes
   * parameters by the stack slots its prologue copies them to, which are not written yet there.
   */
  private entryPlace(v: Variable, b: ExprBuilder): Place | undefined {
    const dwarf = this.site.dwarf!;
    const params = this.scopes()[this.scopes().length - 1].variables.filter((x) => x.kind === 'parameter');
    const index = params.indexOf(v);
    if (index < 0) return undefined;
    const locations = entryLocations(dwarf.types, params.map((p) => p.type), dwarf.returnType(this.site.functionDie!));
    const loc = locations[index];
    switch (loc.kind) {
      case 'registers': {
        const regs = loc.registers.map((r) => registerName(r)!);
        if (regs.length === 1) return { kind: 'register', reg: regs[0] };
        return { kind: 'pieces', pieces: regs.map((reg) => ({ place: { kind: 'register', reg }, sizeBits: 64, offsetBits: 0 })) };
      }
      case 'stack':
        // At the entry pc the CFA is rsp + 8: the return address sits at rsp.
        return { kind: 'memory', address: b.add(b.reg('rsp'), BigInt(8 + loc.cfaOffset)) };
      case 'vector':
        return { kind: 'unavailable', why: 'is passed in a vector register, which utap cannot read' };
      case 'unknown':
        return undefined;
    }
  }

  /** Runs a DWARF expression with IR values and returns the place it describes. */
  private evaluatePlace(
    bytes: Uint8Array, section: string, offset: number, b: ExprBuilder,
    unit?: { offsetSize: 4 | 8; unitOffset: number; version: number; addressAt(i: number): bigint },
  ): Place {
    const evaluation = new Evaluation<Expr>(bytes, exprDomain(b), { addressSize: 8, section, offset, ...unit });
    let step: EvaluationStep<Expr> = evaluation.evaluate();
    for (;;) {
      switch (step.kind) {
        case 'complete': return placeOfPieces(step.pieces);
        case 'register': step = evaluation.resume(this.registerValue(step.register, b)); break;
        case 'memory': step = evaluation.resume(b.read(step.address, sizeOf(step.size), false)); break;
        case 'frameBase': step = evaluation.resume(this.frameBase(b)); break;
        case 'callFrameCfa': step = evaluation.resume(this.cfa(b)); break;
        case 'entryValue': step = evaluation.resume(this.entryValue(step.expression, b)); break;
        case 'relocate': step = evaluation.resume(this.relocate(step.address, b)); break;
      }
    }
  }

  private registerValue(register: number, b: ExprBuilder): Expr {
    const reg = registerName(register);
    if (!reg) throw new LoweringProblem(`the value is kept in ${describeRegister(register)}, which utap cannot read.`, 2);
    return b.reg(reg);
  }

  private valueOfPlace(place: Place, b: ExprBuilder): Expr {
    if (place.kind === 'memory') return place.address;
    return readBits(b, place, 0, 64, false);
  }

  private frameBase(b: ExprBuilder): Expr {
    if (this.frameBaseCache) return this.frameBaseCache;
    const dwarf = this.dwarf('this variable');
    const fb = dwarf.frameBase(this.site.functionDie!);
    if (!fb) throw new LoweringProblem(`${this.site.functionName} has no frame base in its debug information.`, 2);
    let expression: { bytes: Uint8Array; section: string; offset: number } | undefined;
    if (fb.kind === 'expression') expression = { bytes: fb.expression, section: fb.section, offset: fb.offset };
    else if (fb.kind === 'list') {
      const e = fb.entries.find((x) => this.site.pc >= x.begin && this.site.pc < x.end);
      if (e) expression = { bytes: e.expression, section: e.section, offset: e.offset };
    }
    if (!expression) throw new LoweringProblem(`the frame base of ${this.site.functionName} is unknown at 0x${this.site.pc.toString(16)}.`, 2);
    this.frameBaseCache = this.valueOfPlace(this.evaluatePlace(expression.bytes, expression.section, expression.offset, b), b);
    return this.frameBaseCache;
  }

  /** The canonical frame address at the pc, from the CFI row in force there. */
  private cfa(b: ExprBuilder): Expr {
    const fde = this.site.cfi?.fdeFor(this.site.pc);
    if (!fde) throw new LoweringProblem(`no call frame information covers 0x${this.site.pc.toString(16)} in ${this.site.binary}, so frame-relative variables cannot be found.`, 2);
    const row = unwindRowAt(fde, this.site.pc);
    if (row.cfa.kind === 'registerOffset') return b.add(this.registerValue(row.cfa.register, b), row.cfa.offset);
    return this.valueOfPlace(this.evaluatePlace(row.cfa.expression, fde.section, fde.instructionsOffset, b), b);
  }

  private entryValue(expression: Uint8Array, b: ExprBuilder): Expr {
    if (this.atFunctionEntry()) return this.valueOfPlace(this.evaluatePlace(expression, 'DW_OP_entry_value', 0, b), b);
    const entry = this.entryLowering();
    const value = entry.valueOfPlace(entry.evaluatePlace(expression, 'DW_OP_entry_value', 0, b), b);
    return this.addCapture(value, b.loc);
  }

  /** A link-time address as a run-time one: plus the load bias, uaddr − the site's link-time address. */
  private relocate(address: bigint, b: ExprBuilder): Expr {
    if (!this.site.relocatable) return b.long(address);
    // At a return uaddr is not the function's address on every engine: the bias is taken at entry.
    if (this.site.kind === 'return' && !this.parent) return b.add(b.long(address), this.addCapture(this.entryLowering().relocate(0n, b), b.loc));
    const uaddr: Expr = { op: 'context', type: 'long', what: 'uaddr', loc: b.loc };
    return b.add(b.long(address), b.binary('-', uaddr, b.long(this.site.vaddr)));
  }

  // ── $return ──

  private returnType(): TypeRef | undefined {
    return this.dwarf('$return').returnType(this.site.functionDie!);
  }

  private returnValue(b: ExprBuilder): Located {
    if (this.site.kind !== 'return') throw new LoweringProblem('$return only has a value in a .return probe.', 1);
    const dwarf = this.dwarf('$return');
    const type = this.returnType();
    const t = dwarf.types.strip(type);
    if (t.kind === 'void') throw new LoweringProblem(`${this.site.functionName} returns void, so $return has no value.`, 1);
    const locations = entryLocations(dwarf.types, [type], undefined);
    let place: Place;
    const size = dwarf.types.sizeOf(type) ?? 8;
    const loc = locations[0];
    if (loc.kind === 'registers') {
      place = loc.registers.length === 1 || size <= 8
        ? { kind: 'register', reg: 'rax' }
        : { kind: 'pieces', pieces: [{ place: { kind: 'register', reg: 'rax' }, sizeBits: 64, offsetBits: 0 }, { place: { kind: 'register', reg: 'rdx' }, sizeBits: 64, offsetBits: 0 }] };
    } else if (loc.kind === 'stack') {
      // Returned in memory: rax holds the address of the caller's buffer.
      place = { kind: 'memory', address: b.reg('rax') };
    } else if (loc.kind === 'vector') {
      place = { kind: 'unavailable', why: 'is returned in a vector register, which utap cannot read' };
    } else {
      // A type the convention cannot classify (an assembly function's unspecified type): rax.
      place = { kind: 'register', reg: 'rax' };
    }
    return { place, bitOffset: 0, type: dwarfType(type), spelling: '$return' };
  }

  private returnString(pretty: boolean, expand: boolean, b: ExprBuilder): Expr {
    if (this.site.kind !== 'return') throw new LoweringProblem('$$return only has a value in a .return probe.', 1);
    if (this.site.functionDie !== undefined && this.site.dwarf && this.site.dwarf.types.strip(this.returnType()).kind === 'void') {
      return { op: 'string', type: 'string', value: '', loc: b.loc };
    }
    const located = this.returnValue(b);
    return formatParts(this.program, [{ kind: 'text', text: 'return=' }, ...this.valueParts(located, b, pretty, expand)], b.loc);
  }

  // ── paths ──

  private step(from: Located, step: TargetStep, b: ExprBuilder): Located {
    const types = this.site.dwarf!.types;
    if (step.kind === 'member') {
      let base = from;
      let t = this.stripped(base.type);
      if (t.kind === 'pointer' || t.kind === 'reference' || t.kind === 'rvalueReference') {
        base = this.deref(base, t.target, b);
        t = this.stripped(base.type);
      }
      const spelling = `${from.spelling}->${step.name}`;
      if (t.kind !== 'struct' && t.kind !== 'union' && t.kind !== 'class') {
        throw new LoweringProblem(`${spelling}: ${from.spelling} is ${this.describe(from.type)}, not a struct, union or pointer to one.`, 1);
      }
      if ((t.kind === 'struct' || t.kind === 'union' || t.kind === 'class') && t.declaration) {
        const full = completeType(this.site.dwarf!.ctx, types.entry(t.ref));
        if (full !== undefined) {
          base = { ...base, type: dwarfType(full) };
          t = this.stripped(base.type);
        }
      }
      if (t.kind !== 'struct' && t.kind !== 'union' && t.kind !== 'class') throw new Error('a completed struct is a struct');
      if (t.kind !== 'class' && t.declaration) throw new LoweringProblem(`${spelling}: ${this.describe(base.type)} is only declared in the debug information (its members are not described).`, 2);
      const member = types.findMember(base.type.kind === 'dwarf' ? base.type.ref : undefined, step.name);
      if (!member) {
        const names = t.members.map((m) => m.name).filter((n): n is string => !!n);
        throw new LoweringProblem(`${spelling}: ${this.describe(base.type)} has no member ${step.name}${names.length ? `; its members are: ${names.join(' ')}` : ''}.`, 1);
      }
      const bits = base.bitOffset + (member.bitOffset ?? member.byteOffset * 8);
      const moved = member.bitSize === undefined ? offsetPlace(b, base.place, bits) : { place: base.place, bitOffset: bits };
      return { place: moved.place, bitOffset: moved.bitOffset, bitSize: member.bitSize, type: dwarfType(member.type), spelling };
    }
    const spelling = `${from.spelling}[...]`;
    const index = step.index;
    if (from.type.kind === 'subarray' || this.stripped(from.type).kind === 'array') {
      const { element, counts } = this.arrayShape(from.type);
      const elementType: ValueType = counts.length > 1 ? { kind: 'subarray', element, counts: counts.slice(1) } : dwarfType(element);
      const elementSize = this.sizeOf(elementType, spelling);
      const constant = b.constantOf(index);
      if (from.place.kind === 'memory') {
        const address = b.add(b.add(from.place.address, BigInt(from.bitOffset / 8)), b.binary('*', index, b.long(BigInt(elementSize))));
        return { place: { kind: 'memory', address }, bitOffset: 0, type: elementType, spelling };
      }
      if (constant === undefined) throw new LoweringProblem(`${spelling}: ${from.spelling} is kept in registers here, so it can only be indexed by a constant.`, 2);
      return { place: from.place, bitOffset: from.bitOffset + Number(constant) * elementSize * 8, type: elementType, spelling };
    }
    const t = this.stripped(from.type);
    if (t.kind === 'pointer') {
      const target = this.site.dwarf!.types.strip(t.target);
      if (target.kind === 'void') throw new LoweringProblem(`${spelling}: ${from.spelling} is a void pointer; it cannot be indexed.`, 1);
      const elementSize = this.sizeOf(dwarfType(t.target), spelling);
      const pointer = this.scalar(from, b);
      const address = b.add(pointer, b.binary('*', index, b.long(BigInt(elementSize))));
      return { place: { kind: 'memory', address }, bitOffset: 0, type: dwarfType(t.target), spelling };
    }
    throw new LoweringProblem(`${spelling}: ${from.spelling} is ${this.describe(from.type)}, not an array or pointer.`, 1);
  }

  private deref(from: Located, target: TypeRef | undefined, b: ExprBuilder): Located {
    const pointer = this.scalar(from, b);
    return { place: { kind: 'memory', address: pointer }, bitOffset: 0, type: dwarfType(target), spelling: from.spelling };
  }

  private stripped(type: ValueType): DwarfType {
    if (type.kind === 'subarray') return { ref: 0, kind: 'array', element: type.element, counts: type.counts };
    return this.site.dwarf!.types.strip(type.ref);
  }

  private arrayShape(type: ValueType): { element: TypeRef | undefined; counts: (number | undefined)[] } {
    if (type.kind === 'subarray') return { element: type.element, counts: type.counts };
    const t = this.stripped(type);
    if (t.kind !== 'array') throw new Error('not an array');
    return { element: t.element, counts: t.counts };
  }

  private sizeOf(type: ValueType, spelling: string): number {
    const types = this.site.dwarf!.types;
    let size: number | undefined;
    if (type.kind === 'subarray') {
      size = types.sizeOf(type.element);
      for (const c of type.counts) size = size === undefined || c === undefined ? undefined : size * c;
    } else size = types.sizeOf(type.ref);
    if (size === undefined || size === 0) throw new LoweringProblem(`${spelling}: the size of ${this.describe(type)} is not known.`, 2);
    return size;
  }

  private describe(type: ValueType): string {
    const dwarf = this.site.dwarf!;
    if (type.kind === 'subarray') return `${dwarf.typeName(type.element)}[]`;
    return dwarf.typeName(type.ref);
  }

  // ── final values ──

  /** The script long for a located value: integers, enums, pointers; arrays as their address. */
  private scalar(v: Located, b: ExprBuilder): Expr {
    const t = this.stripped(v.type);
    switch (t.kind) {
      case 'base': {
        if (t.encoding === DW_ATE.DW_ATE_float || t.encoding === DW_ATE.DW_ATE_complex_float || t.encoding === DW_ATE.DW_ATE_decimal_float) {
          throw new LoweringProblem(`${v.spelling} is ${t.name}; floating-point values are not supported in scripts.`, 1);
        }
        if (t.byteSize > 8) throw new LoweringProblem(`${v.spelling} is ${t.name} (${t.byteSize} bytes), wider than a script long.`, 1);
        const signed = this.site.dwarf!.types.isSigned(t.ref);
        return readBits(b, v.place, v.bitOffset, v.bitSize ?? t.byteSize * 8, signed);
      }
      case 'enum':
        return readBits(b, v.place, v.bitOffset, v.bitSize ?? t.byteSize * 8, this.site.dwarf!.types.isSigned(t.ref));
      case 'pointer': case 'reference': case 'rvalueReference': case 'pointerToMember':
        return readBits(b, v.place, v.bitOffset, t.byteSize * 8, false);
      case 'array':
        return this.addressOf(v, 'an array');
      case 'struct': case 'union': case 'class':
        throw new LoweringProblem(`${v.spelling} is ${this.describe(v.type)}; name one of its members (${v.spelling}->member) or print the whole of it with ${v.spelling}$.`, 1);
      case 'function':
        return this.addressOf(v, 'a function');
      case 'unspecified':
        // Assembly functions describe what they return with DW_TAG_unspecified_type: take the whole word.
        return readBits(b, v.place, v.bitOffset, 64, false);
      default:
        throw new LoweringProblem(`${v.spelling} has type ${this.describe(v.type)}, which has no value a script can hold.`, 1);
    }
  }

  private addressOf(v: Located, what = 'it'): Expr {
    if (v.place.kind === 'memory' && v.bitOffset % 8 === 0 && v.bitSize === undefined) {
      return new ExprBuilder(v.place.address.loc).add(v.place.address, BigInt(v.bitOffset / 8));
    }
    const where = v.place.kind === 'register' ? `in register ${v.place.reg}` : v.place.kind === 'unavailable' ? v.place.why.replace(/^is /, '') : v.bitSize !== undefined ? 'a bitfield' : 'not in memory';
    throw new LoweringProblem(`${v.spelling} has no address${what === 'it' ? '' : ` (${what})`} at this point: it is ${where}.`, 2);
  }

  // ── strings: $$vars and $var$ ──

  private variablesString(which: 'parms' | 'locals' | 'vars', pretty: boolean, expand: boolean, b: ExprBuilder): Expr {
    this.dwarf(`$$${which}`);
    const vars = this.variables().filter((v) => which === 'vars' || (which === 'parms') === (v.kind === 'parameter'));
    const parts: FormatPart[] = [];
    vars.forEach((v, i) => {
      parts.push({ kind: 'text', text: `${i ? ' ' : ''}${v.name}=` });
      try {
        const located: Located = { place: this.variablePlace(v, b, this.scopes()[0].die), bitOffset: 0, type: dwarfType(v.type), spelling: `$${v.name}` };
        parts.push(...this.valueParts(located, b, pretty, expand));
      } catch (e) {
        if (!(e instanceof LoweringProblem || e instanceof EvaluationError)) throw e;
        parts.push({ kind: 'text', text: '?' });
      }
    });
    return formatParts(this.program, parts, b.loc);
  }

  /** One value inside a $$vars string: hex for numbers, `{...}` for aggregates, or pretty-printed. */
  private valueParts(v: Located, b: ExprBuilder, pretty: boolean, expand: boolean): FormatPart[] {
    if (pretty) return this.pretty(v, b, 0, expand);
    const t = this.stripped(v.type);
    if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'class') return [{ kind: 'text', text: '{...}' }];
    if (t.kind === 'array') return [{ kind: 'text', text: '[...]' }];
    try {
      return [{ kind: 'long', conversion: 'x', alternate: true, value: this.scalar(v, b) }];
    } catch (e) {
      if (e instanceof LoweringProblem) return [{ kind: 'text', text: '?' }];
      throw e;
    }
  }

  /**
   * SystemTap's pretty form (`$v$`, `$v$$`): integers in decimal (`%i`, `%u`), characters as
   * `'c'` with escapes, pointers as `0x..`; a struct shows its members, breadth-first through
   * base classes (a name a derived class masks is left out, as are `_vptr.` members and static
   * ones), nested structs and arrays as `{...}` and `[...]` unless expanding (`$$`); an array
   * shows its first element then `, ...`; `char` arrays and pointers are quoted strings; a
   * pointer at the top shows what it points to. What cannot be read prints `?`.
   */
  private pretty(v: Located, b: ExprBuilder, depth: number, expand: boolean): FormatPart[] {
    const top = depth === 0;
    const t = this.stripped(v.type);
    const types = this.site.dwarf!.types;
    try {
      switch (t.kind) {
        case 'struct': case 'union': case 'class': {
          let struct = t;
          if (struct.declaration) {
            const full = completeType(this.site.dwarf!.ctx, types.entry(struct.ref));
            const resolved = full === undefined ? undefined : types.strip(full);
            if (!resolved || (resolved.kind !== 'struct' && resolved.kind !== 'union' && resolved.kind !== 'class')) return [{ kind: 'text', text: '{...}' }];
            struct = resolved;
          }
          if ((!top && !expand) || depth > 8) return [{ kind: 'text', text: '{...}' }];
          return [{ kind: 'text', text: '{' }, ...this.prettyMembers(v, struct.ref, b, depth, expand), { kind: 'text', text: '}' }];
        }
        case 'array': {
          const { element } = this.arrayShape(v.type);
          if (!top && !expand) return [{ kind: 'text', text: '[...]' }];
          if (this.isPlainChar(element)) return this.quoted(this.addressOf(v), b);
          const first = this.pretty(this.step(v, { kind: 'index', index: b.long(0n) }, b), b, depth + 1, expand);
          return [{ kind: 'text', text: '[' }, ...first, { kind: 'text', text: ', ...]' }];
        }
        case 'pointer': case 'reference': case 'rvalueReference': {
          const target = types.strip(t.target);
          if (target.kind !== 'void') {
            if (this.isPlainChar(t.target)) return this.quoted(this.scalar(v, b), b);
            if (top) return this.pretty(this.deref(v, t.target, b), b, 0, expand);
          }
          return [{ kind: 'long', conversion: 'p', alternate: false, value: this.scalar(v, b) }];
        }
        case 'function':
          return [{ kind: 'text', text: '<function>:' }, { kind: 'long', conversion: 'p', alternate: false, value: this.addressOf(v, 'a function') }];
        case 'base': case 'enum': {
          const encoding = t.kind === 'base' ? t.encoding : undefined;
          if (encoding === DW_ATE.DW_ATE_float || encoding === DW_ATE.DW_ATE_complex_float) return [{ kind: 'text', text: '?' }];
          const value = this.scalar(v, b);
          // A bitfield is always a number, even of a char type.
          if (v.bitSize === undefined && encoding !== undefined && CHAR_ENCODINGS.includes(encoding)) {
            return [{ kind: 'text', text: "'" }, { kind: 'long', conversion: 'c', alternate: true, value }, { kind: 'text', text: "'" }];
          }
          return [{ kind: 'long', conversion: encoding === DW_ATE.DW_ATE_unsigned || encoding === DW_ATE.DW_ATE_unsigned_char ? 'u' : 'i', alternate: false, value }];
        }
        default:
          return [{ kind: 'text', text: '?' }];
      }
    } catch (e) {
      if (e instanceof LoweringProblem || e instanceof EvaluationError) return [{ kind: 'text', text: '?' }];
      throw e;
    }
  }

  /** The members of a struct for pretty(): breadth-first over the class and its bases. */
  private prettyMembers(v: Located, ref: TypeRef, b: ExprBuilder, depth: number, expand: boolean): FormatPart[] {
    const types = this.site.dwarf!.types;
    const parts: FormatPart[] = [];
    const seen = new Set<string>();
    const queue: Array<{ ref: TypeRef; bitOffset: number }> = [{ ref, bitOffset: v.bitOffset }];
    let count = 0;
    for (let i = 0; i < queue.length && i < 64; i++) {
      const struct = types.strip(queue[i].ref);
      if (struct.kind !== 'struct' && struct.kind !== 'union' && struct.kind !== 'class') continue;
      for (const m of struct.members) {
        const bits = queue[i].bitOffset + (m.bitOffset ?? m.byteOffset * 8);
        if (m.inherited) {
          if (m.type !== undefined) queue.push({ ref: m.type, bitOffset: bits });
          continue;
        }
        if (m.name?.startsWith('_vptr.')) continue;
        if (m.name !== undefined) {
          if (seen.has(m.name)) continue;
          seen.add(m.name);
        }
        if (count++) parts.push({ kind: 'text', text: ', ' });
        const inner = types.strip(m.type);
        // SystemTap's labels for anonymous members (its struct and class labels are swapped).
        const label = m.name !== undefined ? `.${m.name}` : inner.kind === 'union' ? '<union>' : inner.kind === 'struct' ? '<class>' : inner.kind === 'class' ? '<struct>' : '';
        parts.push({ kind: 'text', text: `${label}=` });
        const moved = m.bitSize === undefined ? offsetPlace(b, v.place, bits) : { place: v.place, bitOffset: bits };
        parts.push(...this.pretty({ place: moved.place, bitOffset: moved.bitOffset, bitSize: m.bitSize, type: dwarfType(m.type), spelling: `${v.spelling}->${m.name ?? ''}` }, b, depth + 1, expand));
      }
    }
    return parts;
  }

  /** `char` or `unsigned char` (not `signed char`), through typedefs and qualifiers: printed as text. */
  private isPlainChar(ref: TypeRef | undefined): boolean {
    const t = this.site.dwarf!.types.strip(ref);
    return t.kind === 'base' && (t.name === 'char' || t.name === 'unsigned char');
  }

  /** `"text"` at a target address; a null pointer is SystemTap's "<unknown>". */
  private quoted(address: Expr, b: ExprBuilder): FormatPart[] {
    const text: Expr = { op: 'userString', type: 'string', addr: address, loc: b.loc };
    const unknown: Expr = { op: 'string', type: 'string', value: '<unknown>', loc: b.loc };
    const value: Expr = b.constantOf(address) === undefined
      ? { op: 'conditional', type: 'string', test: b.compare('==', address, b.long(0n)), then: unknown, else: text, loc: b.loc }
      : text;
    return [{ kind: 'text', text: '"' }, { kind: 'string', value }, { kind: 'text', text: '"' }];
  }

  // ── guru writes ──

  private lowerLValue(ref: TargetRef, loc: SourceLoc): LValue {
    const spelling = spell(ref);
    if (!this.program.guru) throw new LoweringProblem(`writing ${spelling} changes the traced process; that needs guru mode (-g).`, 1);
    if (ref.pretty || ref.addressOf || ref.name.startsWith('$')) throw new LoweringProblem(`${spelling} cannot be assigned to.`, 1);
    if (ref.atEntry || (this.site.kind === 'return' && ref.name !== 'return')) {
      throw new LoweringProblem(`${spelling} in a .return probe is its value at entry, which is gone; only $return and the current values of globals can be written there.`, 1);
    }
    const b = new ExprBuilder(loc);
    let located = ref.name === 'return' ? this.returnValue(b) : this.variable(ref.name, b);
    for (const step of ref.path) located = this.step(located, step, b);
    const t = this.stripped(located.type);
    const size = t.kind === 'base' || t.kind === 'enum' || t.kind === 'pointer' ? t.byteSize : undefined;
    if (size === undefined || ![1, 2, 4, 8].includes(size)) {
      throw new LoweringProblem(`${spelling} is ${this.describe(located.type)}; only integers, enums and pointers can be written.`, 1);
    }
    if (located.bitSize !== undefined) throw new LoweringProblem(`${spelling} is a bitfield; bitfields cannot be written.`, 1);
    const place = located.place;
    if (place.kind === 'memory' && located.bitOffset % 8 === 0) {
      return { kind: 'userMemory', addr: b.add(place.address, BigInt(located.bitOffset / 8)), size: size as 1 | 2 | 4 | 8 };
    }
    if (place.kind === 'register' && located.bitOffset === 0) return { kind: 'reg', reg: place.reg as RegName };
    const why = place.kind === 'unavailable' ? place.why : place.kind === 'value' || place.kind === 'implicit' ? 'is a value the compiler computes, not a variable in memory or a register' : 'is split across several places';
    throw new LoweringProblem(`${spelling} cannot be written here: it ${why}.`, 2);
  }
}

function sizeOf(size: number): 1 | 2 | 4 | 8 {
  if (size === 1 || size === 2 || size === 4 || size === 8) return size;
  throw new LoweringProblem(`a location reads ${size} bytes, which is not a size utap can read`, 2);
}

/** A location that names the frame (stack slots), as unoptimized code's parameters do. */
function isFrameRelative(expression: Uint8Array): boolean {
  try {
    return decodeExpression(expression).some(({ operation: op }) => op.kind === 'frameOffset' || op.kind === 'callFrameCfa' || (op.kind === 'registerOffset' && (op.register === 6 || op.register === 7)));
  } catch {
    return false;
  }
}

/** `$p->a[...]`, `@entry($x)`, `&$v`, `$v$`: the target as written, for messages. */
function spell(ref: TargetRef): string {
  let s = `$${ref.name}`;
  for (const step of ref.path) s += step.kind === 'member' ? `->${step.name}` : '[...]';
  if (ref.pretty) s += ref.pretty;
  if (ref.addressOf) s = `&${s}`;
  if (ref.atEntry) s = `@entry(${s})`;
  return s;
}

function located(loc: SourceLoc, message: string, status: number): UtapError {
  return new UtapError(`${loc.file}:${loc.line}:${loc.column}: error: ${message}`, status === 1 ? EXIT_SCRIPT_ERROR : EXIT_ENVIRONMENT, true);
}

/** A key identifying an expression without its source locations, to share equal entry captures. */
function stableKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'loc' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
}

/** `@var("x@file.c")`: a compile unit named file.c, …/file.c, or matching the pattern as a glob. */
function unitMatcher(pattern: string): (unitName: string) => boolean {
  const glob = compileGlob(pattern);
  return (name) => name === pattern || name.endsWith(`/${pattern}`) || glob.matches(name) || glob.matches(path.basename(name));
}
