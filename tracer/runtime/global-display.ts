// What SystemTap prints at the end of a run for each global the script writes but never reads
// (tracer/ir/unread-globals.ts picks them): one line per scalar, one per array element, in
// declaration order, after the script's own `end` probes.
//
//   count=42                                   a long
//   name="text"                                a string (escaped as text_str does)
//   hits["GET",200]=17                         array elements, largest value first
//   lat @count=4 @min=1 @max=4 @sum=10 @avg=2  a statistic (`@count=0x0` when empty)
//   lat["x"] @count=2 @min=1 ...               a statistics array, largest @count first
import type { GlobalDecl } from '../ir/ir';
import { foreachEntries } from './foreach-order';
import { average, type StatsValue } from './statistics';
import type { GlobalStore, Key, Scalar } from './storage';
import { textStr } from './string-builtins';

function quoted(text: string, maxContent: number): string {
  return `"${textStr(text, 0, false, maxContent)}"`;
}

function value(v: Scalar, maxContent: number): string {
  return typeof v === 'string' ? quoted(v, maxContent) : String(v);
}

function keyText(key: Key, maxContent: number): string {
  return `[${key.map((k) => value(k, maxContent)).join(',')}]`;
}

function statsText(s: StatsValue | undefined): string {
  if (s === undefined) return ' @count=0x0'; // SystemTap prints this text as it is
  return ` @count=${s.count} @min=${s.min} @max=${s.max} @sum=${s.sum} @avg=${average(s)}`;
}

/** The lines for one global, each ending in "\n" ("" for an empty array). */
export function globalDisplay(decl: GlobalDecl, store: GlobalStore, maxContent: number): string {
  switch (store.kind) {
    case 'scalar':
      return `${decl.name}=${value(store.get(), maxContent)}\n`;
    case 'stats':
      return `${decl.name}${statsText(store.read())}\n`;
    case 'array':
    case 'statsArray': {
      let out = '';
      for (const [key, v] of foreachEntries(store, { by: 'value', direction: 'desc' }, undefined)) {
        const shown = store.kind === 'statsArray' ? statsText(v as StatsValue) : '=' + value(v as Scalar, maxContent);
        out += `${decl.name}${keyText(key, maxContent)}${shown}\n`;
      }
      return out;
    }
  }
}
