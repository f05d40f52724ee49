// Placeholder fds for the eBPF generator, and the maps behind them. The generator is given the
// same MapFds it gets on the uprobe engine, but each "fd" is a number handed out here (1, 2, ...
// in the order maps are declared); the area is laid out once every map's size is known (an
// entry map's value size, say, is known only after compiling), and the JIT resolves each
// `ld_imm64 map_fd(k)` to the in-target address of map k. The generator needs no change.
import type { GlobalDecl, Limits } from '../../../ir/ir';
import { globalMapShape, STATE_SLOTS, U, type CompiledProgram } from './codegen-adapter';
import type { AreaMapSpec } from './area-layout';
import type { SharedArea } from './shared-area';

/** Bytes of the record ring (as the uprobe engine's ring buffer). */
export const AREA_RING_BYTES = 1 << 22;

export class AreaMapPlan {
  private readonly specs: AreaMapSpec[] = [];

  /** Declares a map; returns its placeholder fd. */
  add(spec: AreaMapSpec): number {
    this.specs.push({ ...spec });
    return this.specs.length;
  }

  /** Sets a declared map's value size (known after compiling). */
  setValueSize(fd: number, valueSize: number): void {
    this.specs[fd - 1].valueSize = valueSize;
  }

  /** The ring, the state slots, as the uprobe engine has them. */
  addRing(bytes = AREA_RING_BYTES): number {
    return this.add({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: bytes, name: 'utap_ring' });
  }

  addState(): number {
    return this.add({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: STATE_SLOTS, name: 'utap_state' });
  }

  /** A global's map, the shape the uprobe engine gives it (per-CPU becomes per-thread). */
  addGlobal(decl: GlobalDecl, limits: Limits): number {
    const shape = globalMapShape(decl, limits.maxStringLen);
    const type = shape.hash ? (shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_HASH : U.BPF_MAP_TYPE_HASH) : shape.perCpu ? U.BPF_MAP_TYPE_PERCPU_ARRAY : U.BPF_MAP_TYPE_ARRAY;
    return this.add({ type, keySize: shape.keySize, valueSize: shape.valueSize, maxEntries: shape.maxEntries, name: `utap_${decl.name}` });
  }

  /** A program's per-thread scratch; size it with setValueSize(fd, program.heap.size) once compiled. */
  addHeap(name: string): number {
    return this.add({ type: U.BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name });
  }

  /** A return site's entry captures, keyed by thread and frame; size it once compiled. */
  addEntryMap(name: string, threads: number): number {
    return this.add({ type: U.BPF_MAP_TYPE_LRU_HASH, keySize: 16, valueSize: 8, maxEntries: threads, name });
  }

  list(): AreaMapSpec[] {
    return this.specs.map((s) => ({ ...s }));
  }
}

/** Writes the programs' literals into every thread's part of the scratch map `fd` (the uprobe engine's initHeap). */
export function initHeap(area: SharedArea, fd: number, programs: readonly CompiledProgram[]): void {
  const heap = area.map(fd);
  const value = Buffer.alloc(heap.lookupSize);
  const stride = heap.layout.valueStride;
  for (const p of programs) {
    for (const f of p.heap.fill) for (let slot = 0; slot < heap.possibleCpus; slot++) f.bytes.copy(value, slot * stride + f.offset);
  }
  heap.update(Buffer.alloc(4), value);
}
