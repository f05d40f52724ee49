// A script array becomes a BPF map whose size the kernel checks: a hash map of more than
// 2^31 entries, or one whose bucket table would pass 4 GB, is E2BIG; one the machine cannot
// preallocate is ENOMEM. Either is the user's size (`global a[N]` or -D MAXMAPENTRIES), not a utap
// bug: say which array, which limit, and the largest size the kernel accepts here.
import type { GlobalDecl, Limits } from '../../ir/ir';
import { EXIT_ENVIRONMENT, UtapError } from '../../errors';
import { BpfError } from '../../../kernel-helper/bpf-syscall';
import { BpfMap, type MapSpec } from '../../../kernel-helper/map';

const E2BIG = 7;
const ENOMEM = 12;
/** BPF_F_NO_PREALLOC: the size checks without preallocating the entries, for the search below. */
const BPF_F_NO_PREALLOC = 1;

export function createGlobalMap(spec: MapSpec, decl: GlobalDecl, limits: Limits): BpfMap {
  try {
    return BpfMap.create(spec);
  } catch (error) {
    if (!(error instanceof BpfError) || (error.errno !== E2BIG && error.errno !== ENOMEM)) throw error;
    const sized = decl.kind === 'array' && decl.maxEntries !== limits.maxMapEntries ? `its declared size (global ${decl.name}[${spec.maxEntries}])` : `-D MAXMAPENTRIES=${spec.maxEntries}`;
    if (error.errno === ENOMEM) {
      throw new UtapError(
        `the kernel has not the memory for array '${decl.name}' as a BPF map of ${spec.maxEntries} entries of ${spec.keySize + spec.valueSize} bytes (${sized}); lower it, or use --engine ptrace, which allocates entries as they are stored.`,
        EXIT_ENVIRONMENT,
      );
    }
    throw new UtapError(
      `the kernel refuses array '${decl.name}' as a BPF map of ${spec.maxEntries} entries (${sized}, E2BIG); the most it accepts here is ${largestAccepted(spec)}: lower it, or use --engine ptrace.`,
      EXIT_ENVIRONMENT,
    );
  }
}

/**
 * The kernel sizes a hash map's bucket table to the next power of two and refuses by that, so
 * the largest size it accepts is a power of two: tried downwards without preallocation, the
 * refusals are quick and the first success (which allocates the buckets once) is the answer.
 */
function largestAccepted(spec: MapSpec): number {
  for (let size = 2 ** Math.floor(Math.log2(spec.maxEntries)); size >= 1; size /= 2) {
    if (size === spec.maxEntries) continue;
    try {
      BpfMap.create({ ...spec, maxEntries: size, flags: (spec.flags ?? 0) | BPF_F_NO_PREALLOC, name: 'utap_size' }).close();
      return size;
    } catch {
      // refused too: half of it
    }
  }
  return 0;
}
