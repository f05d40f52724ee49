// The variables a probe can name at one pc of one function: its formal parameters and the locals
// of every lexical block that holds the pc, each with its type and location description. Works
// for out-of-line functions and for inlined instances (names and types come through
// DW_AT_abstract_origin), and finds the frame base the locations are relative to.
import { DecodeError } from '../decode-error';
import { DW_AT, DW_TAG } from './constants';
import type { DwarfContext } from './context';
import type { Entry } from './entry';
import type { AddressRange } from './list-context';
import { locationAt, type LocationListEntry } from './loclists';
import { rangesContain } from './ranges';
import { typeRefOf, type TypeRef } from './types';

/** Where a variable lives, over the whole of its scope. */
export type LocationDescription =
  /** One expression valid wherever the variable is in scope. */
  | { kind: 'expression'; expression: Uint8Array; section: string; offset: number }
  /** A location list: a different expression per pc range; pcs outside every range: optimized out. */
  | { kind: 'list'; entries: LocationListEntry[] }
  /** DW_AT_const_value: the value itself (an integer, or bytes for larger constants). */
  | { kind: 'constant'; value: bigint | Uint8Array }
  /** No location at all: optimized out everywhere. */
  | { kind: 'none' };

/** The location at one pc. */
export type LocationAtPc =
  | { kind: 'expression'; expression: Uint8Array; section: string; offset: number }
  | { kind: 'constant'; value: bigint | Uint8Array }
  | { kind: 'optimizedOut' };

export interface Variable {
  name: string;
  /** `global`: a file-scope variable (file-scope.ts). */
  kind: 'parameter' | 'local' | 'global';
  type?: TypeRef;
  /** Section offset of the DIE (the concrete one, when it has an abstract origin). */
  die: number;
  declFile?: number;
  declLine?: number;
  location: LocationDescription;
  /** Locals: the pc ranges of the innermost lexical block declaring them (undefined: the whole function). */
  scope?: AddressRange[];
  /** The name is the compiler's (DW_AT_artificial), e.g. `this`. */
  artificial: boolean;
}

/** The location of `v` at `pc`. */
export function variableLocationAt(v: Variable, pc: bigint): LocationAtPc {
  const loc = v.location;
  switch (loc.kind) {
    case 'expression': return { kind: 'expression', expression: loc.expression, section: loc.section, offset: loc.offset };
    case 'constant': return loc;
    case 'none': return { kind: 'optimizedOut' };
    case 'list': {
      const e = locationAt(loc.entries, pc);
      if (!e) return { kind: 'optimizedOut' };
      return { kind: 'expression', expression: e.expression, section: e.section, offset: e.offset };
    }
  }
}

/** Walks the attributes a DIE integrates from its abstract origin / specification chain. */
function integrated(entry: Entry): Entry[] {
  const out = [entry];
  let cur = entry;
  for (let guard = 0; guard < 8; guard++) {
    const next = cur.unit.follow(cur, DW_AT.DW_AT_abstract_origin) ?? cur.unit.follow(cur, DW_AT.DW_AT_specification);
    if (!next) break;
    out.push(next);
    cur = next;
  }
  return out;
}

function locationOf(entry: Entry): LocationDescription {
  const v = entry.value(DW_AT.DW_AT_location);
  if (v) {
    if (v.kind === 'exprloc' || v.kind === 'block') {
      if (v.bytes.length === 0) return { kind: 'none' };
      return { kind: 'expression', expression: v.bytes, section: entry.unit.header.section, offset: v.offset };
    }
    const list = entry.unit.locationList(v);
    if (list) return list.length ? { kind: 'list', entries: list } : { kind: 'none' };
    throw new DecodeError(entry.unit.header.section, entry.offset, `DW_AT_location has a ${v.kind} value`);
  }
  const c = entry.value(DW_AT.DW_AT_const_value);
  if (c) {
    if (c.kind === 'constant') return { kind: 'constant', value: c.value };
    if (c.kind === 'block' || c.kind === 'exprloc' || c.kind === 'data16') return { kind: 'constant', value: c.bytes };
  }
  return { kind: 'none' };
}

export function variableOf(entry: Entry, kind: Variable['kind'], scope?: AddressRange[]): Variable | undefined {
  const chain = integrated(entry);
  const pick = <T>(f: (e: Entry) => T | undefined): T | undefined => {
    for (const e of chain) {
      const v = f(e);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const name = pick((e) => e.name);
  if (name === undefined) return undefined;
  const v: Variable = {
    name,
    kind,
    type: pick((e) => typeRefOf(e)),
    die: entry.offset,
    declFile: pick((e) => e.number(DW_AT.DW_AT_decl_file)),
    declLine: pick((e) => e.number(DW_AT.DW_AT_decl_line)),
    location: locationOf(entry),
    artificial: chain.some((e) => e.flag(DW_AT.DW_AT_artificial)),
  };
  if (scope) v.scope = scope;
  return v;
}

/**
 * Parameters and locals of the function instance at DIE `functionDie` (a DW_TAG_subprogram or
 * DW_TAG_inlined_subroutine) visible at `pc` — or, with pc undefined, all of them. Variables of
 * functions inlined into it are not its own and are left out. Parameters come first, in
 * declaration order. Parameters the concrete instance lost but its abstract origin declares are
 * listed too, optimized out.
 */
export function variablesOf(ctx: DwarfContext, functionDie: number, pc?: bigint): Variable[] {
  const fn = ctx.entryAt(functionDie);
  if (fn.tag !== DW_TAG.DW_TAG_subprogram && fn.tag !== DW_TAG.DW_TAG_inlined_subroutine) {
    throw new DecodeError('.debug_info', functionDie, `${fn.describe()} is not a function`);
  }
  const unit = fn.unit;
  const params: Variable[] = [];
  const locals: Variable[] = [];
  const seenOrigins = new Set<number>();
  const visit = (scope: Entry, blockRanges: AddressRange[] | undefined): void => {
    for (const child of unit.children(scope)) {
      switch (child.tag) {
        case DW_TAG.DW_TAG_formal_parameter: {
          if (scope !== fn) break;
          const v = variableOf(child, 'parameter');
          if (v) params.push(v);
          const origin = child.ref(DW_AT.DW_AT_abstract_origin);
          if (origin !== undefined) seenOrigins.add(origin);
          break;
        }
        case DW_TAG.DW_TAG_variable: {
          // A block-scope `extern` declaration names a global defined elsewhere; skip declarations without location.
          if (child.flag(DW_AT.DW_AT_declaration) && !child.has(DW_AT.DW_AT_location)) break;
          const v = variableOf(child, 'local', blockRanges);
          if (v) locals.push(v);
          break;
        }
        case DW_TAG.DW_TAG_lexical_block: {
          const ranges = unit.ranges(child);
          // A block without ranges (abstract instance) is taken as in scope.
          if (pc !== undefined && ranges.length > 0 && !rangesContain(ranges, pc)) break;
          visit(child, ranges.length > 0 ? ranges : blockRanges);
          break;
        }
        default:
          break;
      }
    }
  };
  visit(fn, undefined);
  // Parameters only the abstract instance still declares (the concrete one dropped them).
  const origin = unit.follow(fn, DW_AT.DW_AT_abstract_origin);
  if (origin && origin.hasChildren) {
    let position = 0;
    for (const child of origin.unit.children(origin)) {
      if (child.tag !== DW_TAG.DW_TAG_formal_parameter) continue;
      if (!seenOrigins.has(child.offset)) {
        const v = variableOf(child, 'parameter');
        if (v) {
          v.location = { kind: 'none' };
          params.splice(Math.min(position, params.length), 0, v);
        }
      }
      position++;
    }
  }
  return [...params, ...locals];
}

/** The DW_AT_frame_base of the out-of-line function whose frame `functionDie` runs in. */
export function frameBaseOf(ctx: DwarfContext, functionDie: number): LocationDescription | undefined {
  const entry = ctx.entryAt(functionDie);
  let holder: Entry | undefined = entry.has(DW_AT.DW_AT_frame_base) ? entry : undefined;
  if (!holder) {
    // An inlined instance: the innermost enclosing subprogram with a frame base.
    const path = entry.unit.pathTo(functionDie);
    for (let i = path.length - 1; i >= 0 && !holder; i--) {
      if (path[i].tag === DW_TAG.DW_TAG_subprogram && path[i].has(DW_AT.DW_AT_frame_base)) holder = path[i];
    }
  }
  if (!holder) return undefined;
  const v = holder.value(DW_AT.DW_AT_frame_base)!;
  if (v.kind === 'exprloc' || v.kind === 'block') return { kind: 'expression', expression: v.bytes, section: holder.unit.header.section, offset: v.offset };
  const list = holder.unit.locationList(v);
  return list ? { kind: 'list', entries: list } : undefined;
}

/**
 * The chain of function instances whose code holds `pc`, from the out-of-line subprogram
 * `outerDie` inward through inlined subroutines: the last one is the function a statement at
 * `pc` belongs to.
 */
export function inlineChainAt(ctx: DwarfContext, outerDie: number, pc: bigint): number[] {
  const outer = ctx.entryAt(outerDie);
  const unit = outer.unit;
  const chain = [outerDie];
  let scope: Entry = outer;
  for (let depth = 0; depth < 64; depth++) {
    let next: Entry | undefined;
    const stack: Entry[] = [scope];
    // Breadth over lexical blocks: the inlined call holding pc may sit inside nested blocks.
    while (stack.length && !next) {
      const s = stack.pop()!;
      for (const child of unit.children(s)) {
        if (child.tag === DW_TAG.DW_TAG_inlined_subroutine && rangesContain(unit.ranges(child), pc)) {
          next = child;
          break;
        }
        if (child.tag === DW_TAG.DW_TAG_lexical_block) {
          const r = unit.ranges(child);
          if (r.length === 0 || rangesContain(r, pc)) stack.push(child);
        }
      }
    }
    if (!next) break;
    chain.push(next.offset);
    scope = next;
  }
  return chain;
}
