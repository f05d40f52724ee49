// Where the x86-64 System V calling convention (psABI §3.2.3) puts each parameter at a
// function's first instruction. DWARF locations of unoptimized code name the stack slots the
// prologue copies parameters into, which hold garbage until the prologue has run; a probe on the
// entry pc (`.call`, the entry half of `.return`) reads the parameters where the caller put them.
import { DW_ATE } from './constants';
import type { TypeRef, TypeTable } from './types';

/** DWARF numbers of the integer argument registers, in order: rdi, rsi, rdx, rcx, r8, r9. */
export const INTEGER_ARGUMENT_REGISTERS = [5, 4, 1, 2, 8, 9] as const;

export type EntryLocation =
  /** In one or two general-purpose registers (eightbytes in order, low first). */
  | { kind: 'registers'; registers: number[] }
  /** In memory at CFA + offset (the CFA is rsp + 8 at the entry pc). */
  | { kind: 'stack'; cfaOffset: number }
  /** In vector registers, which utap cannot read. */
  | { kind: 'vector' }
  /** The type could not be classified (incomplete, variable size). */
  | { kind: 'unknown' };

type EightbyteClass = 'none' | 'integer' | 'sse' | 'memory';

interface Classified {
  size: number;
  align: number;
  /** One class per eightbyte, or ['memory']. */
  classes: EightbyteClass[];
}

function merge(a: EightbyteClass, b: EightbyteClass): EightbyteClass {
  if (a === b) return a;
  if (a === 'none') return b;
  if (b === 'none') return a;
  if (a === 'memory' || b === 'memory') return 'memory';
  if (a === 'integer' || b === 'integer') return 'integer';
  return 'sse';
}

/** Records the class of every scalar inside `ref` placed at byte `offset` into `classes`. */
function classifyInto(types: TypeTable, ref: TypeRef | undefined, offset: number, classes: EightbyteClass[], depth = 0): boolean {
  if (depth > 16) return false;
  const t = types.strip(ref);
  switch (t.kind) {
    case 'base': {
      let c: EightbyteClass;
      if (t.encoding === DW_ATE.DW_ATE_float || t.encoding === DW_ATE.DW_ATE_complex_float) c = t.byteSize > 8 && t.encoding === DW_ATE.DW_ATE_float ? 'memory' : 'sse';
      else c = 'integer';
      if (t.byteSize === 16 && c === 'integer') {
        classes[offset >> 3] = merge(classes[offset >> 3] ?? 'none', 'integer');
        classes[(offset >> 3) + 1] = merge(classes[(offset >> 3) + 1] ?? 'none', 'integer');
        return true;
      }
      if (offset % Math.max(1, Math.min(t.byteSize, 8)) !== 0) return false; // unaligned: memory
      classes[offset >> 3] = merge(classes[offset >> 3] ?? 'none', c);
      if (t.encoding === DW_ATE.DW_ATE_complex_float && t.byteSize > 8) classes[(offset >> 3) + 1] = merge(classes[(offset >> 3) + 1] ?? 'none', c);
      return c !== 'memory';
    }
    case 'pointer': case 'reference': case 'rvalueReference': case 'enum': case 'pointerToMember':
      classes[offset >> 3] = merge(classes[offset >> 3] ?? 'none', 'integer');
      return true;
    case 'struct': case 'union': case 'class':
      for (const m of t.members) {
        if (m.bitSize !== undefined) {
          classes[(m.byteOffset + offset) >> 3] = merge(classes[(m.byteOffset + offset) >> 3] ?? 'none', 'integer');
          continue;
        }
        if (!classifyInto(types, m.type, offset + m.byteOffset, classes, depth + 1)) return false;
      }
      return true;
    case 'array': {
      const elementSize = types.sizeOf(t.element);
      let count = 1;
      for (const c of t.counts) count *= c ?? 0;
      if (elementSize === undefined) return false;
      for (let i = 0; i < count; i++) if (!classifyInto(types, t.element, offset + i * elementSize, classes, depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function classify(types: TypeTable, ref: TypeRef | undefined): Classified | undefined {
  const size = types.sizeOf(ref);
  if (size === undefined) return undefined;
  const t = types.strip(ref);
  const align = t.kind === 'base' && t.byteSize === 16 ? 16 : 8;
  if (size > 16) return { size, align, classes: ['memory'] };
  const classes: EightbyteClass[] = [];
  if (!classifyInto(types, ref, 0, classes)) return { size, align, classes: ['memory'] };
  const n = Math.max(1, Math.ceil(size / 8));
  const out: EightbyteClass[] = [];
  for (let i = 0; i < n; i++) {
    const c = classes[i] ?? 'none';
    if (c === 'memory') return { size, align, classes: ['memory'] };
    out.push(c === 'none' ? 'sse' : c);
  }
  return { size, align, classes: out };
}

/**
 * The entry location of each parameter of a function whose parameter types are `params` and
 * return type `returnType` (a return value passed in memory takes rdi for its hidden pointer).
 */
export function entryLocations(types: TypeTable, params: (TypeRef | undefined)[], returnType: TypeRef | undefined): EntryLocation[] {
  let gp = 0;
  let sse = 0;
  let stack = 0;
  if (returnType !== undefined && types.strip(returnType).kind !== 'void') {
    const r = classify(types, returnType);
    if (r && r.classes[0] === 'memory') gp = 1;
  }
  const out: EntryLocation[] = [];
  for (const p of params) {
    const c = classify(types, p);
    if (!c) {
      out.push({ kind: 'unknown' });
      continue;
    }
    const needGp = c.classes.filter((x) => x === 'integer').length;
    const needSse = c.classes.filter((x) => x === 'sse').length;
    if (c.classes[0] !== 'memory' && gp + needGp <= 6 && sse + needSse <= 8) {
      if (needSse > 0) {
        sse += needSse;
        gp += needGp;
        out.push({ kind: 'vector' });
      } else {
        out.push({ kind: 'registers', registers: INTEGER_ARGUMENT_REGISTERS.slice(gp, gp + needGp) });
        gp += needGp;
      }
      continue;
    }
    if (c.align > 8) stack = Math.ceil(stack / c.align) * c.align;
    out.push({ kind: 'stack', cfaOffset: stack });
    stack += Math.ceil(c.size / 8) * 8;
  }
  return out;
}
