// Type names spelled the way SystemTap prints them in `stap -L` (`char const*`, `struct foo*`,
// `int[]`): the name of the innermost type, then each modifier appended on the way out —
// `*` for a pointer, ` const` / ` volatile` for qualifiers, `[]` for an array. Anonymous
// aggregates print as `struct {...}`. Function pointers, which SystemTap cannot name, get a C
// spelling: `int (*)(char const*, int)`.
import type { TypeRef, TypeTable } from './types';

export function typeName(types: TypeTable, ref: TypeRef | undefined, depth = 0): string {
  if (depth > 32) return '...';
  const t = types.get(ref);
  switch (t.kind) {
    case 'void': return 'void';
    case 'base': return t.name;
    case 'typedef': return t.name;
    case 'unspecified': return t.name;
    case 'struct': case 'union': case 'class': return `${t.kind} ${t.name ?? '{...}'}`;
    case 'enum': return `enum ${t.name ?? '{...}'}`;
    case 'pointer': {
      const target = types.get(t.target);
      // va_list is a builtin that DWARF spells as a pointer to struct __va_list_tag.
      if (target.kind === 'struct' && target.name === '__va_list_tag') return 'va_list';
      if (target.kind === 'function') return functionSpelling(types, target.returnType, target.parameters, target.variadic, '(*)', depth);
      return `${typeName(types, t.target, depth + 1)}*`;
    }
    case 'reference': return `${typeName(types, t.target, depth + 1)}&`;
    case 'rvalueReference': return `${typeName(types, t.target, depth + 1)}&&`;
    case 'const': {
      // A const on a reference is redundant, as SystemTap notes.
      const target = types.get(t.target);
      if (target.kind === 'reference' || target.kind === 'rvalueReference') return typeName(types, t.target, depth + 1);
      return `${typeName(types, t.target, depth + 1)} const`;
    }
    case 'volatile': return `${typeName(types, t.target, depth + 1)} volatile`;
    case 'restrict': return `${typeName(types, t.target, depth + 1)} restrict`;
    case 'atomic': return `${typeName(types, t.target, depth + 1)} _Atomic`;
    case 'array': return `${typeName(types, t.element, depth + 1)}[]`;
    case 'function': return functionSpelling(types, t.returnType, t.parameters, t.variadic, '', depth);
    case 'pointerToMember': return `${typeName(types, t.target, depth + 1)} ::*`;
    case 'other': return t.name ?? '?';
  }
}

function functionSpelling(types: TypeTable, ret: TypeRef | undefined, params: (TypeRef | undefined)[], variadic: boolean, declarator: string, depth: number): string {
  const list = params.map((p) => typeName(types, p, depth + 1));
  if (variadic) list.push('...');
  return `${typeName(types, ret, depth + 1)} ${declarator}(${list.join(', ')})`.replace('  ', ' ');
}
