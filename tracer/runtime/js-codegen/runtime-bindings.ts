// What the generated module calls: the bindings it destructures from `B` (only those its code
// names, handler-compiler.ts). Failures become ScriptRuntimeErrors with the script location the
// generated call passes; everything that costs work to set up (compiled formats, the tokenize
// state, the histogram elision) is a getter, made only when the module names it.
import type { ContextValue, FormatIR, SourceLoc } from '../../ir/ir';
import { aggregateOf, foreachEntries, sliceDelete, sliceHas } from '../foreach-order';
import { ctime as ctimeText } from '../ctime';
import { errnoStr } from '../errno-names';
import { syscallName, syscallNum } from '../syscall-names';
import type { CompileInput } from '../handler-compiler';
import { histogramText, HIST_ELISION } from '../histogram-text';
import * as L from '../long';
import { compileFormat, type Formatter } from '../printf-format';
import type { ProbeContext } from '../probe-context';
import { MESSAGES, NEXT_SIGNAL, NoThreadError, ScriptRuntimeError } from '../runtime-error';
import { ADDRESS_STYLES, usymsText, type AddressStyle } from '../runtime-services';
import { fromText, toText } from '../script-string';
import { histLayout, type StatsValue } from '../statistics';
import type { Scalar } from '../storage';
import * as S from '../string-builtins';
import { readUser, readUserString, writeUser } from '../user-memory';
import type { ModuleEmitter } from './module-emitter';
import { cString } from './values';

function toScalar(value: bigint | number | string, isString: boolean): Scalar {
  if (isString) return typeof value === 'string' ? value : String(value);
  return typeof value === 'string' ? 0 : L.toLong(value);
}

/** printf's fields may be wider than a string value (SystemTap's printf buffer). */
const FIELD_LIMIT_PRINTF = 8192;

export function runtimeBindings(input: CompileInput, module: ModuleEmitter) {
  const { program } = input;
  const maxContent = module.maxContent;
  const globalNames = new Map(program.globals.map((g) => [g.index, g]));
  const compileFormats = (fieldLimit: number): Formatter[] => program.formats.map((f: FormatIR) => compileFormat(f, fieldLimit));
  return {
    L,
    S,
    stores: input.stores,
    locs: module.locs,
    sorts: module.sorts,
    get fmt() {
      return compileFormats(FIELD_LIMIT_PRINTF);
    },
    get sfmt() {
      return compileFormats(program.limits.maxStringLen);
    },
    svc: input.services,
    NEXT: NEXT_SIGNAL,
    MAXC: maxContent,
    MAXNEST: program.limits.maxNesting,
    emit: input.emit,
    exitNow: input.exit,
    abortNow: input.abort ?? input.exit,
    warnNow: input.warn ?? (() => undefined),
    aggregateOf,
    cut(text: string): string {
      return text.length > maxContent ? text.slice(0, maxContent) : text;
    },
    cstr: cString,
    cat(a: string, b: string): string {
      const text = a + b;
      return text.length > maxContent ? text.slice(0, maxContent) : text;
    },
    divz(a: L.Long, b: L.Long, loc: SourceLoc): L.Long {
      if (b === 0) throw new ScriptRuntimeError(MESSAGES.divisionByZero, loc);
      return L.div(a, b);
    },
    modz(a: L.Long, b: L.Long, loc: SourceLoc): L.Long {
      if (b === 0) throw new ScriptRuntimeError(MESSAGES.divisionByZero, loc);
      return L.mod(a, b);
    },
    act(loc: SourceLoc): never {
      throw new ScriptRuntimeError(MESSAGES.maxAction, loc);
    },
    nesting(loc: SourceLoc): never {
      throw new ScriptRuntimeError(MESSAGES.maxNesting, loc);
    },
    // V8's stack (about 1 MB) ran out inside script functions before MAXNESTING did: large
    // function frames times a high -D MAXNESTING. The same runtime error, saying so.
    stackOut(error: unknown, depth: number, index: number): unknown {
      if (!(error instanceof RangeError) || depth === 0) return error;
      return new ScriptRuntimeError(`${MESSAGES.maxNesting}: the stack ran out ${depth} script function calls deep; lower -D MAXNESTING`, input.handlers[index].handler.body.loc);
    },
    overflow(global: number, loc: SourceLoc): never {
      const decl = globalNames.get(global);
      const capacity = decl?.kind === 'array' ? decl.maxEntries : program.limits.maxMapEntries;
      throw new ScriptRuntimeError(MESSAGES.arrayOverflow(capacity, capacity !== program.limits.maxMapEntries), loc);
    },
    /** try/catch: the message (bytes) of a runtime error a script may catch; anything else goes on. */
    caught(error: unknown): string {
      if (error instanceof ScriptRuntimeError && error.message !== MESSAGES.maxAction && error.message !== MESSAGES.maxNesting) return fromText(error.message);
      throw error;
    },
    userError(message: string, loc: SourceLoc): ScriptRuntimeError {
      return new ScriptRuntimeError(toText(message), loc);
    },
    aggCount(stats: StatsValue | undefined): L.Long {
      return stats === undefined ? 0 : stats.count;
    },
    aggSum(stats: StatsValue | undefined): L.Long {
      return stats === undefined ? 0 : stats.sum;
    },
    agg(stats: StatsValue | undefined, fn: 'min' | 'max' | 'avg' | 'variance', loc: SourceLoc): L.Long {
      if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
      return aggregateOf(stats, fn);
    },
    get hist() {
      const given = Number(program.limits.extra.HIST_ELISION);
      const histElision = program.limits.extra.HIST_ELISION !== undefined && Number.isInteger(given) ? given : HIST_ELISION;
      return (stats: StatsValue | undefined, global: number, spec: number, loc: SourceLoc): string => {
        if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
        const decl = globalNames.get(global)!;
        const use = decl.kind === 'stats' || decl.kind === 'array' ? decl.stats : undefined;
        return histogramText(histLayout(use!.hist[spec]), stats.hists[spec], histElision);
      };
    },
    iter: foreachEntries,
    sliceHas,
    sliceDelete,
    hbuckets(stats: StatsValue | undefined, spec: number, loc: SourceLoc): readonly number[] {
      if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
      return stats.hists[spec];
    },
    hbucket(stats: StatsValue | undefined, spec: number, bucket: L.Long, loc: SourceLoc): L.Long {
      if (stats === undefined || stats.count === 0) throw new ScriptRuntimeError(MESSAGES.emptyAggregate, loc);
      const counts = stats.hists[spec];
      return bucket >= 0 && bucket < counts.length ? counts[Number(bucket)] : 0;
    },
    reg(ctx: ProbeContext, name: Parameters<ProbeContext['reg']>[0], loc: SourceLoc): L.Long {
      try {
        return L.toLong(ctx.reg(name));
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    wreg(ctx: ProbeContext, name: Parameters<ProbeContext['reg']>[0], value: L.Long, loc: SourceLoc): void {
      try {
        ctx.writeReg(name, BigInt(value));
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    cl(ctx: ProbeContext, what: ContextValue, loc: SourceLoc): L.Long {
      try {
        const v = ctx.context(what);
        return typeof v === 'string' ? 0 : L.toLong(v);
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    cs(ctx: ProbeContext, what: ContextValue, loc: SourceLoc): string {
      try {
        const v = ctx.context(what);
        const text = typeof v === 'string' ? v : String(v);
        return text.length > maxContent ? text.slice(0, maxContent) : text;
      } catch (error) {
        if (error instanceof NoThreadError) throw new ScriptRuntimeError(error.message, loc);
        throw error;
      }
    },
    ru: readUser,
    rs(ctx: ProbeContext, addr: L.Long, maxLen: L.Long, loc: SourceLoc): string {
      const max = maxLen < 0 ? 0 : maxLen > maxContent ? maxContent : Number(maxLen);
      return readUserString(ctx, addr, max, loc);
    },
    wu: writeUser,
    ent: toScalar,
    get tok() {
      return S.newTokenizeState();
    },
    randint(n: L.Long, loc: SourceLoc): L.Long {
      // SystemTap's _stp_random_u range limit; n is taken as unsigned, as there
      if (n < 0 || n > 1024 * 1024) throw new ScriptRuntimeError('range too wide', loc);
      return Math.floor(Math.random() * Number(n));
    },
    ctime(secs: L.Long, loc: SourceLoc): string {
      const r = ctimeText(secs);
      if ('error' in r) throw new ScriptRuntimeError(r.error, loc);
      return r.text;
    },
    errnoStr,
    syscallName,
    syscallNum,
    usymsText,
    addressStyle(style: string, loc: SourceLoc): AddressStyle {
      if (!(ADDRESS_STYLES as readonly string[]).includes(style)) throw new ScriptRuntimeError(`unknown address layout '${style}' (one of ${ADDRESS_STYLES.join(', ')})`, loc);
      return style as AddressStyle;
    },
  };
}

export type RuntimeBindings = ReturnType<typeof runtimeBindings>;
