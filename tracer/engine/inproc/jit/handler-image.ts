// One block of code for the target: the runtime, then every handler JITted for where the block
// and the shared area will sit in the target. The engine copies `code` to `codeBase` (read and
// execute) and calls `entries[i]` from the trampolines as `void handler(struct pt_regs *)`.
//
// The contract a trampoline keeps when it calls a handler (SysV ABI): rsp 16-byte aligned before
// the call and below the probed code's red zone, the direction flag clear, rdi = a pt_regs in
// the kernel's layout (r15 ... ss) with the probed thread's registers. The handler preserves
// rbx, rbp, r12-r15 and may change rax, rcx, rdx, rsi, rdi, r8-r11 and the flags; it uses only
// general registers (no SSE/AVX state), and about 1 KiB of stack (the 512-byte eBPF frame, its
// saves, and the runtime's frames).
import type { Insn } from './codegen-adapter';
import { jitProgram, type JitOptions } from './bpf-jit';
import { loadRuntimeBlob } from './runtime-blob';
import type { SharedArea } from './shared-area';

export interface HandlerProgram {
  insns: readonly Insn[];
  /** bpf_get_func_ip() of its site. */
  funcIp?: bigint;
  /** bpf_get_attach_cookie() of its site. */
  cookie?: bigint;
}

export interface HandlerImage {
  code: Buffer;
  /** In-target address of each program's entry, in the order given. */
  entries: bigint[];
  /** Bytes of the runtime at the start of `code`. */
  runtimeSize: number;
}

const ALIGN = 16;

/** JITs `programs` for an image at `codeBase` using `area` mapped at `areaBase` in the target. */
export function buildHandlerImage(programs: readonly HandlerProgram[], area: SharedArea, codeBase: bigint, areaBase: bigint): HandlerImage {
  const runtime = loadRuntimeBlob();
  const runtimeAddress = (symbol: string): bigint => {
    const off = runtime.symbols.get(symbol);
    if (off === undefined) throw new Error(`the in-process runtime has no ${symbol}`);
    return codeBase + BigInt(off);
  };
  const parts: Buffer[] = [runtime.code];
  let at = runtime.code.length;
  const entries: bigint[] = [];
  for (const p of programs) {
    const pad = (ALIGN - (at % ALIGN)) % ALIGN;
    parts.push(Buffer.alloc(pad, 0xcc));
    at += pad;
    const options: JitOptions = {
      areaBase,
      runtimeAddress,
      mapAddress: (fd) => area.mapAddress(areaBase, fd),
      mapValueAddress: (fd) => area.mapValueAddress(areaBase, fd),
      mapInfo: (fd) => {
        const m = area.map(fd);
        return { type: m.spec.type, maxEntries: m.spec.maxEntries, valueStride: m.layout.valueStride, dataAddress: areaBase + BigInt(m.layout.dataOff) };
      },
      funcIp: p.funcIp,
      cookie: p.cookie,
    };
    const { code } = jitProgram(p.insns, options);
    entries.push(codeBase + BigInt(at));
    parts.push(code);
    at += code.length;
  }
  return { code: Buffer.concat(parts), entries, runtimeSize: runtime.code.length };
}
