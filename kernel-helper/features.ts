// What this kernel and this user allow, probed once up front so the engine can say in one
// sentence why it cannot run (and `auto` can fall back to ptrace) before touching any process.
import { BpfError } from './bpf-syscall';
import { BPF_ALU64_IMM, BPF_CALL_HELPER, BPF_EXIT_INSN, BPF_MOV64_IMM, BPF_MOV64_REG } from './insn';
import { BpfMap } from './map';
import { loadProgram, VerifierError } from './program';
import * as U from './uapi';
import { PMU_DIR, uprobePmu } from './uprobe-pmu';

export interface BpfFeatures {
  /** Undefined when uprobes with BPF handlers can run here; else one sentence why not. */
  unavailable?: string;
}

let cached: BpfFeatures | undefined;

export function detectBpfFeatures(): BpfFeatures {
  if (cached) return cached;
  cached = probe();
  return cached;
}

function probe(): BpfFeatures {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { unavailable: 'the uprobe engine runs on x86-64 Linux only' };
  if (!uprobePmu()) return { unavailable: `this kernel has no uprobe PMU (${PMU_DIR} is missing)` };
  try {
    const prog = loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: 'utap_probe', insns: [BPF_MOV64_IMM(U.BPF_REG_0, 0), BPF_EXIT_INSN()] });
    prog.close();
    const ring = BpfMap.create({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'utap_probe' });
    ring.close();
  } catch (error) {
    if (error instanceof BpfError || error instanceof VerifierError) {
      if (error.errno === 1 || error.errno === 13) return { unavailable: 'loading BPF programs needs root or CAP_BPF with CAP_PERFMON, which this user does not have' };
      if (error.errno === 38) return { unavailable: 'this kernel was built without the bpf() system call' };
      return { unavailable: `this kernel refuses BPF tracing programs (${error.message})` };
    }
    throw error;
  }
  return {};
}

let sleepable: boolean | undefined;

/**
 * Whether uprobe programs may be loaded sleepable (BPF_F_SLEEPABLE, Linux 6.0+ for uprobe perf
 * events, 6.6+ for uprobe_multi links) and call bpf_copy_from_user, which faults in a page the
 * process has not touched yet where bpf_probe_read_user fails. Probed once, as a real load.
 */
export function sleepableUprobesSupported(): boolean {
  if (sleepable !== undefined) return sleepable;
  if (detectBpfFeatures().unavailable) return (sleepable = false);
  try {
    const prog = loadProgram({
      type: U.BPF_PROG_TYPE_KPROBE,
      name: 'utap_probe_sl',
      flags: U.BPF_F_SLEEPABLE,
      insns: [
        BPF_MOV64_REG(U.BPF_REG_1, U.BPF_REG_10),
        BPF_ALU64_IMM(U.BPF_ADD, U.BPF_REG_1, -8),
        BPF_MOV64_IMM(U.BPF_REG_2, 1),
        BPF_MOV64_IMM(U.BPF_REG_3, 0),
        BPF_CALL_HELPER(U.BPF_FUNC_copy_from_user),
        BPF_MOV64_IMM(U.BPF_REG_0, 0),
        BPF_EXIT_INSN(),
      ],
    });
    prog.close();
    sleepable = true;
  } catch (error) {
    if (!(error instanceof BpfError || error instanceof VerifierError)) throw error;
    sleepable = false;
  }
  return sleepable;
}
