// The one door from the in-process JIT to utap's eBPF generator and its eBPF vocabulary. The
// generator lives in tracer/bpf-codegen/; should it move, the paths
// below are the only lines that change.
export { compileEntryProgram, compileEventProgram, compileSite, type CompiledProgram, type CompiledSite, type CompileOptions, type MapFds } from '../../../bpf-codegen/site-compiler';
export { globalMapShape, STATE_SLOTS } from '../../../bpf-codegen/layout';
export type { Insn } from '../../../../kernel-helper/insn';
export * as U from '../../../../kernel-helper/uapi';
export { BpfError } from '../../../../kernel-helper/bpf-syscall';
