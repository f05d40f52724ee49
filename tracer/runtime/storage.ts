// Where globals live. The runtime reads and writes every global through one of four small
// store interfaces, so an engine can put a global somewhere else: the uprobe engine backs the
// globals its kernel handlers own with BPF maps, and the runtime then reads them through the same
// calls for `end`/`timer` probes, `foreach` and printing, and clears them on `delete`.
//
// Values crossing these interfaces are script values: a long is a `Long` (a number while it is a
// safe integer, else a bigint; see long.ts), a string is a byte string (see script-string.ts).
// A statistic is a StatsValue (statistics.ts). Keys are arrays of script values, one per key
// part, in declaration order.
//
// The JS-memory implementations below are the default (memory-storage.ts).
import type { GlobalDecl } from '../ir/ir';
import type { Long } from './long';
import type { StatsValue } from './statistics';

export type Scalar = Long | string;
export type Key = readonly Scalar[];

/** A scalar global (long or string). */
export interface ScalarCell {
  readonly kind: 'scalar';
  get(): Scalar;
  set(value: Scalar): void;
}

/** A global array of longs or strings. */
export interface ArrayStore {
  readonly kind: 'array';
  /** Most elements it may hold (the declared size or MAXMAPENTRIES). */
  readonly capacity: number;
  /** The element, or undefined when absent (reads as 0 / "" without creating it). */
  get(key: Key): Scalar | undefined;
  /** Stores the element; false when the key is new and the array is full (nothing stored). */
  set(key: Key, value: Scalar): boolean;
  has(key: Key): boolean;
  delete(key: Key): void;
  clear(): void;
  size(): number;
  /** Every element, in insertion order where the store can tell (documented as foreach's unsorted order). */
  entries(): Iterable<readonly [Key, Scalar]>;
}

/** A statistics global (`x <<< v` on a scalar). */
export interface StatsStore {
  readonly kind: 'stats';
  add(value: Long): void;
  /** The aggregate, or undefined when nothing was added since the last clear. */
  read(): StatsValue | undefined;
  clear(): void;
}

/** A global array of statistics (`a[k] <<< v`). */
export interface StatsArrayStore {
  readonly kind: 'statsArray';
  readonly capacity: number;
  /** Adds to the element's statistic; false when the key is new and the array is full. */
  add(key: Key, value: Long): boolean;
  read(key: Key): StatsValue | undefined;
  has(key: Key): boolean;
  delete(key: Key): void;
  clear(): void;
  size(): number;
  entries(): Iterable<readonly [Key, StatsValue]>;
}

export type GlobalStore = ScalarCell | ArrayStore | StatsStore | StatsArrayStore;

/**
 * How an engine substitutes storage: called once per global when a session starts; return a
 * store of the declaration's kind (a scalar, stats, an array, or an array of statistics:
 * `statsArray`) to own that global, or undefined to leave it in JS memory.
 */
export type StorageProvider = (decl: GlobalDecl) => GlobalStore | undefined;
