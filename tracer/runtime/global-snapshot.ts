// A copy of every global's current value as plain data: what a metrics scrape reads while the
// script runs. It can cross a thread boundary (structured-clone safe: numbers, bigints, byte
// strings, arrays), so the ptrace engine's worker can answer a scrape between two hits, and it
// holds no reference into the live stores, so formatting it never touches them.
import type { GlobalDecl } from '../ir/ir';
import type { StatsValue } from './statistics';
import type { GlobalStore, Key, Scalar } from './storage';

export type GlobalSnapshot =
  | { kind: 'scalar'; global: number; value: Scalar }
  | { kind: 'array'; global: number; entries: Array<[Key, Scalar]> }
  | { kind: 'stats'; global: number; value: StatsValue | undefined }
  | { kind: 'statsArray'; global: number; entries: Array<[Key, StatsValue]> };

function copyOf(stats: StatsValue): StatsValue {
  return { count: stats.count, sum: stats.sum, min: stats.min, max: stats.max, hists: stats.hists.map((h) => h.slice()) };
}

/** The value of one global, copied. */
export function snapshotGlobal(decl: GlobalDecl, store: GlobalStore): GlobalSnapshot {
  switch (store.kind) {
    case 'scalar':
      return { kind: 'scalar', global: decl.index, value: store.get() };
    case 'array':
      return { kind: 'array', global: decl.index, entries: [...store.entries()].map(([k, v]) => [k.slice(), v]) };
    case 'stats': {
      const value = store.read();
      return { kind: 'stats', global: decl.index, value: value && copyOf(value) };
    }
    case 'statsArray':
      return { kind: 'statsArray', global: decl.index, entries: [...store.entries()].map(([k, v]) => [k.slice(), copyOf(v)]) };
  }
}

/** Every global's value, in declaration order; stores are indexed by GlobalDecl.index. */
export function snapshotGlobals(globals: readonly GlobalDecl[], stores: readonly GlobalStore[]): GlobalSnapshot[] {
  return globals.map((decl) => snapshotGlobal(decl, stores[decl.index]));
}
