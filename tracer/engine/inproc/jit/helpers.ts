// Which eBPF helper calls a handler may make when it runs inside the traced process, and how
// each is carried out there: a function of the in-target runtime (runtime-c/inproc/utap-inproc.c,
// found by its symbol name in the runtime blob), or a per-site constant the JIT emits inline.
// Anything else means the site cannot run in-process; helperRefusal names the helper.
import { U } from './codegen-adapter';
import type { Insn } from './codegen-adapter';

/** enum bpf_func_id: bpf_send_signal_thread (not in kernel-helper/uapi.ts, which names what the generator calls). */
const BPF_FUNC_send_signal_thread = 117;

export type HelperPlan = { kind: 'runtime'; symbol: string } | { kind: 'inline'; what: 'funcIp' | 'cookie' };

/**
 * The runtime functions, by helper id. probe_read_kernel(_str) are here because the generator
 * uses them for copies between its own scratch and map values (memory the handler owns); in the
 * target there is no kernel memory, so they are the same fault-safe read as probe_read_user.
 */
export const HELPERS: ReadonlyMap<number, HelperPlan> = new Map<number, HelperPlan>([
  [U.BPF_FUNC_map_lookup_elem, { kind: 'runtime', symbol: 'utap_map_lookup_elem' }],
  [U.BPF_FUNC_map_update_elem, { kind: 'runtime', symbol: 'utap_map_update_elem' }],
  [U.BPF_FUNC_map_delete_elem, { kind: 'runtime', symbol: 'utap_map_delete_elem' }],
  [U.BPF_FUNC_ktime_get_ns, { kind: 'runtime', symbol: 'utap_ktime_get_ns' }],
  [U.BPF_FUNC_get_smp_processor_id, { kind: 'runtime', symbol: 'utap_get_smp_processor_id' }],
  [U.BPF_FUNC_get_current_pid_tgid, { kind: 'runtime', symbol: 'utap_get_current_pid_tgid' }],
  [U.BPF_FUNC_get_current_uid_gid, { kind: 'runtime', symbol: 'utap_get_current_uid_gid' }],
  [U.BPF_FUNC_get_current_comm, { kind: 'runtime', symbol: 'utap_get_current_comm' }],
  [U.BPF_FUNC_probe_read_user, { kind: 'runtime', symbol: 'utap_probe_read' }],
  [U.BPF_FUNC_probe_read_kernel, { kind: 'runtime', symbol: 'utap_probe_read' }],
  [U.BPF_FUNC_copy_from_user, { kind: 'runtime', symbol: 'utap_probe_read' }],
  [U.BPF_FUNC_probe_read_user_str, { kind: 'runtime', symbol: 'utap_probe_read_str' }],
  [U.BPF_FUNC_probe_read_kernel_str, { kind: 'runtime', symbol: 'utap_probe_read_str' }],
  [U.BPF_FUNC_ringbuf_output, { kind: 'runtime', symbol: 'utap_ringbuf_output' }],
  [U.BPF_FUNC_ringbuf_reserve, { kind: 'runtime', symbol: 'utap_ringbuf_reserve' }],
  [U.BPF_FUNC_ringbuf_submit, { kind: 'runtime', symbol: 'utap_ringbuf_submit' }],
  [U.BPF_FUNC_ringbuf_discard, { kind: 'runtime', symbol: 'utap_ringbuf_discard' }],
  [U.BPF_FUNC_send_signal, { kind: 'runtime', symbol: 'utap_send_signal' }],
  [BPF_FUNC_send_signal_thread, { kind: 'runtime', symbol: 'utap_send_signal_thread' }],
  [U.BPF_FUNC_get_func_ip, { kind: 'inline', what: 'funcIp' }],
  [U.BPF_FUNC_get_attach_cookie, { kind: 'inline', what: 'cookie' }],
]);

const NAMES: Record<number, string> = {
  [U.BPF_FUNC_get_current_task]: 'bpf_get_current_task',
};

/** Why `insns` cannot run in the target (the first helper it calls that has no in-process form), or undefined. */
export function helperRefusal(insns: readonly Insn[]): string | undefined {
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (insn.code === (U.BPF_JMP | U.BPF_CALL)) {
      if (insn.src !== 0) return `its handler makes an eBPF-to-eBPF call (instruction ${i}), which the in-process JIT does not run`;
      if (!HELPERS.has(insn.imm)) return `its handler calls ${NAMES[insn.imm] ?? `eBPF helper ${insn.imm}`}, which has no in-process form`;
    }
  }
  return undefined;
}
