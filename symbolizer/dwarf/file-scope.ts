// Names declared at file scope, looked up by name: global variables and file statics (a probe's
// `$counter` that is no parameter or local, `@var("counter@file.c")`), and types (`@cast(p,
// "struct node")`, or the complete definition of a struct a pointer only declares). C++
// namespaces are searched too, under their `ns::name` spelling. Units are scanned one level deep
// (namespaces aside), stepping over each DIE's children with DW_AT_sibling.
import { DW_AT, DW_TAG } from './constants';
import type { DwarfContext } from './context';
import type { Entry } from './entry';
import { variableOf, type Variable } from './scopes';
import type { TypeRef } from './types';
import type { Unit } from './unit';

/** Which compile units to search, and which first (the probe's own unit, for its statics). */
export interface UnitChoice {
  /** Only units whose DW_AT_name this accepts (`@var("x@file.c")`). */
  accepts?: (unitName: string) => boolean;
  /** Search the unit at this offset before the others. */
  first?: number;
}

const TYPE_TAGS: Record<string, number[]> = {
  struct: [DW_TAG.DW_TAG_structure_type],
  class: [DW_TAG.DW_TAG_class_type, DW_TAG.DW_TAG_structure_type],
  union: [DW_TAG.DW_TAG_union_type],
  enum: [DW_TAG.DW_TAG_enumeration_type],
};
const ANY_TYPE_TAGS = [
  DW_TAG.DW_TAG_structure_type, DW_TAG.DW_TAG_class_type, DW_TAG.DW_TAG_union_type, DW_TAG.DW_TAG_enumeration_type,
  DW_TAG.DW_TAG_typedef, DW_TAG.DW_TAG_base_type,
];

function compileUnits(ctx: DwarfContext, choice: UnitChoice): Unit[] {
  const units = ctx.units().filter((u) => u.header.unitType === 1 || u.header.unitType === 3);
  const chosen = choice.accepts ? units.filter((u) => choice.accepts!(u.withAbbreviations(() => u.root().name) ?? '')) : units;
  if (choice.first === undefined) return chosen;
  const first = chosen.filter((u) => u.offset === choice.first);
  return [...first, ...chosen.filter((u) => u.offset !== choice.first)];
}

/** Each file-scope DIE of `unit` with its qualified name (`ns::name` inside namespaces). */
function* fileScope(unit: Unit, parent: Entry, prefix: string, depth = 0): Generator<{ entry: Entry; name: string }> {
  for (const child of unit.children(parent)) {
    const name = child.name;
    if (child.tag === DW_TAG.DW_TAG_namespace && depth < 8) {
      yield* fileScope(unit, child, name ? `${prefix}${name}::` : prefix, depth + 1);
      continue;
    }
    if (name !== undefined) yield { entry: child, name: prefix + name };
  }
}

/**
 * The global or file-static variable `name` (a definition with a location or a constant value),
 * from the first unit of `choice` that defines one; else one the optimizer left without a location. A definition standing apart from its
 * declaration (DW_AT_specification, as for C++ static members) takes its name from there.
 */
export function findGlobalVariable(ctx: DwarfContext, name: string, choice: UnitChoice = {}): Variable | undefined {
  // A definition the optimizer removed (no location, not a declaration): said so if nothing better is found.
  let removed: Variable | undefined;
  for (const unit of compileUnits(ctx, choice)) {
    const found = unit.withAbbreviations(() => {
      for (const { entry, name: qualified } of fileScope(unit, unit.root(), '')) {
        if (entry.tag !== DW_TAG.DW_TAG_variable) continue;
        if (qualified !== name) continue;
        if (!entry.has(DW_AT.DW_AT_location) && !entry.has(DW_AT.DW_AT_const_value)) {
          if (!entry.flag(DW_AT.DW_AT_declaration)) removed ??= variableOf(entry, 'global');
          continue;
        }
        return variableOf(entry, 'global');
      }
      // Definitions of declared variables carry no name of their own: DW_AT_specification.
      for (const entry of unit.children(unit.root())) {
        if (entry.tag !== DW_TAG.DW_TAG_variable || entry.name !== undefined || !entry.has(DW_AT.DW_AT_location)) continue;
        const spec = unit.follow(entry, DW_AT.DW_AT_specification);
        if (spec?.name === name) return variableOf(entry, 'global');
      }
      return undefined;
    });
    if (found) return found;
  }
  return removed;
}

/**
 * The type a script names in `@cast(p, "struct node")`: `struct`/`union`/`class`/`enum` NAME, a
 * typedef or base type name, `ns::Name`; trailing `*`s make pointers of it, which the caller
 * is told as a count. Complete definitions are preferred over declarations.
 */
export function findNamedType(ctx: DwarfContext, spelled: string, choice: UnitChoice = {}): { type: TypeRef; pointers: number } | undefined {
  let text = spelled.trim();
  let pointers = 0;
  while (text.endsWith('*')) {
    pointers++;
    text = text.slice(0, -1).trim();
  }
  const m = /^(struct|union|class|enum)\s+(.+)$/.exec(text);
  const tags = m ? TYPE_TAGS[m[1]] : ANY_TYPE_TAGS;
  const name = (m ? m[2] : text).trim();
  let declaration: TypeRef | undefined;
  for (const unit of compileUnits(ctx, choice)) {
    const found = unit.withAbbreviations(() => {
      for (const { entry, name: qualified } of fileScope(unit, unit.root(), '')) {
        if (qualified !== name || !tags.includes(entry.tag)) continue;
        const ref = entry.unit.header.section === '.debug_types' ? -(entry.offset + 1) : entry.offset;
        if (entry.flag(DW_AT.DW_AT_declaration)) {
          declaration ??= ref;
          continue;
        }
        return ref;
      }
      return undefined;
    });
    if (found !== undefined) return { type: found, pointers };
  }
  return declaration === undefined ? undefined : { type: declaration, pointers };
}

/** The complete definition of the struct/union/class a declaration names, if some unit has one. */
export function completeType(ctx: DwarfContext, declaration: Entry): TypeRef | undefined {
  const name = declaration.name;
  if (name === undefined) return undefined;
  const keyword = declaration.tag === DW_TAG.DW_TAG_union_type ? 'union' : declaration.tag === DW_TAG.DW_TAG_class_type ? 'class' : declaration.tag === DW_TAG.DW_TAG_enumeration_type ? 'enum' : 'struct';
  const found = findNamedType(ctx, `${keyword} ${name}`);
  if (found === undefined || found.type < 0) return found?.type;
  return ctx.entryAt(found.type).flag(DW_AT.DW_AT_declaration) ? undefined : found.type;
}

