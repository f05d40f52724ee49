// The one door from the in-process JIT to utap's eBPF generator and its eBPF vocabulary. The
// generator is moving (kernel-helper/codegen/ → tracer/bpf-codegen/); when it does, the paths
// below are the only lines that change.
export { compileEntryProgram, compileEventProgram, compileSite, type CompiledProgram, type CompiledSite, type CompileOptions, type MapFds } from '../../../../kernel-helper/codegen/site-compiler';
export { globalMapShape, STATE_SLOTS } from '../../../../kernel-helper/codegen/layout';
export type { Insn } from '../../../../kernel-helper/insn';
export * as U from '../../../../kernel-helper/uapi';
export { BpfError } from '../../../../kernel-helper/bpf-syscall';
