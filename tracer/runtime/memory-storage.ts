// The default home of globals: JS Maps in the runtime's own memory.
//
// Arrays keyed by one part use the script value itself as the Map key (longs are normalized, so
// 5 and 5n never both occur); multi-part keys are joined into one string with NUL separators
// (script strings are C strings, so NUL cannot occur inside a part). Maps iterate in insertion
// order, which is what an unsorted foreach sees.
import type { GlobalDecl } from '../ir/ir';
import { toLong, type Long } from './long';
import { addToStats, histLayouts, newStats, varianceShiftOf, type HistLayout, type StatsValue } from './statistics';
import type { ArrayStore, GlobalStore, Key, Scalar, ScalarCell, StatsArrayStore, StatsStore, StorageProvider } from './storage';

export class MemoryScalarCell implements ScalarCell {
  readonly kind = 'scalar';
  constructor(private value: Scalar) {}
  get(): Scalar {
    return this.value;
  }
  set(value: Scalar): void {
    this.value = value;
  }
}

function joinKey(key: Key): string {
  let text = String(key[0]);
  for (let i = 1; i < key.length; i++) text += '\0' + String(key[i]);
  return text;
}

/** A Map from keys to values, with capacity; the shared core of both array kinds. */
class KeyedMap<V> {
  private readonly single = new Map<Scalar, V>();
  private readonly multi = new Map<string, { key: Key; value: V }>();
  constructor(private readonly parts: number, readonly capacity: number) {}

  get(key: Key): V | undefined {
    if (this.parts === 1) return this.single.get(key[0]);
    return this.multi.get(joinKey(key))?.value;
  }
  /** Stores; false when new and full. */
  set(key: Key, value: V): boolean {
    if (this.parts === 1) {
      const map = this.single;
      if (map.size >= this.capacity && !map.has(key[0])) return false;
      map.set(key[0], value);
      return true;
    }
    const joined = joinKey(key);
    const entry = this.multi.get(joined);
    if (entry) {
      entry.value = value;
      return true;
    }
    if (this.multi.size >= this.capacity) return false;
    this.multi.set(joined, { key: key.slice(), value });
    return true;
  }
  has(key: Key): boolean {
    return this.parts === 1 ? this.single.has(key[0]) : this.multi.has(joinKey(key));
  }
  delete(key: Key): void {
    if (this.parts === 1) this.single.delete(key[0]);
    else this.multi.delete(joinKey(key));
  }
  clear(): void {
    this.single.clear();
    this.multi.clear();
  }
  size(): number {
    return this.parts === 1 ? this.single.size : this.multi.size;
  }
  *entries(): Generator<readonly [Key, V]> {
    if (this.parts === 1) for (const [k, v] of this.single) yield [[k], v];
    else for (const { key, value } of this.multi.values()) yield [key, value];
  }
}

export class MemoryArrayStore implements ArrayStore {
  readonly kind = 'array';
  private readonly map: KeyedMap<Scalar>;
  constructor(parts: number, readonly capacity: number) {
    this.map = new KeyedMap(parts, capacity);
  }
  get(key: Key): Scalar | undefined {
    return this.map.get(key);
  }
  set(key: Key, value: Scalar): boolean {
    return this.map.set(key, value);
  }
  has(key: Key): boolean {
    return this.map.has(key);
  }
  delete(key: Key): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
  size(): number {
    return this.map.size();
  }
  entries(): Iterable<readonly [Key, Scalar]> {
    return this.map.entries();
  }
}

export class MemoryStatsStore implements StatsStore {
  readonly kind = 'stats';
  private value: StatsValue | undefined;
  constructor(private readonly layouts: readonly HistLayout[], private readonly varianceShift?: number) {}
  add(value: Long): void {
    if (this.value === undefined) this.value = newStats(value, this.layouts, this.varianceShift);
    else addToStats(this.value, value, this.layouts);
  }
  read(): StatsValue | undefined {
    return this.value;
  }
  clear(): void {
    this.value = undefined;
  }
}

export class MemoryStatsArrayStore implements StatsArrayStore {
  readonly kind = 'statsArray';
  private readonly map: KeyedMap<StatsValue>;
  constructor(parts: number, readonly capacity: number, private readonly layouts: readonly HistLayout[], private readonly varianceShift?: number) {
    this.map = new KeyedMap(parts, capacity);
  }
  add(key: Key, value: Long): boolean {
    const stats = this.map.get(key);
    if (stats !== undefined) {
      addToStats(stats, value, this.layouts);
      return true;
    }
    return this.map.set(key, newStats(value, this.layouts, this.varianceShift, true));
  }
  read(key: Key): StatsValue | undefined {
    return this.map.get(key);
  }
  has(key: Key): boolean {
    return this.map.has(key);
  }
  delete(key: Key): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
  size(): number {
    return this.map.size();
  }
  entries(): Iterable<readonly [Key, StatsValue]> {
    return this.map.entries();
  }
}

/** The JS-memory store for one declaration, holding its initial value. */
export function memoryStore(decl: GlobalDecl): GlobalStore {
  switch (decl.kind) {
    case 'scalar': {
      return new MemoryScalarCell(initialValue(decl));
    }
    case 'stats':
      return new MemoryStatsStore(histLayouts(decl.stats), varianceShiftOf(decl.stats));
    case 'array':
      if (decl.value === 'stats') return new MemoryStatsArrayStore(decl.keyTypes.length, decl.maxEntries, histLayouts(decl.stats), varianceShiftOf(decl.stats));
      return new MemoryArrayStore(decl.keyTypes.length, decl.maxEntries);
  }
}

/** A scalar global's value before any handler runs: its initializer (as a script value), else 0 / "". */
export function initialValue(decl: Extract<GlobalDecl, { kind: 'scalar' }>): Scalar {
  if (decl.init === undefined) return decl.type === 'string' ? '' : 0;
  return typeof decl.init === 'string' ? decl.init : toLong(decl.init);
}

/** Stores for every global: the provider's where it gives one, JS memory otherwise. */
export function createGlobalStores(globals: readonly GlobalDecl[], provider?: StorageProvider): GlobalStore[] {
  const stores: GlobalStore[] = [];
  for (const decl of globals) stores[decl.index] = provider?.(decl) ?? memoryStore(decl);
  return stores;
}
