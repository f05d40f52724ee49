// A per-site trampoline: where a patched site's `jmp rel32` lands. The contract, written once:
//
//   - The target's stack below its rsp may hold live data (the SysV 128-byte red zone): the
//     trampoline first moves rsp 128 bytes down with `lea` (which leaves the flags alone), then
//     saves the flags (pushfq) before any instruction that changes them, and clears DF (the
//     handler is ordinary SysV code).
//   - It builds a kernel `struct pt_regs` on a 16-byte aligned stack (r15 r14 r13 r12 rbp rbx
//     r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss, 8 bytes each, lowest
//     address first): rip is the site's address, rsp the value at the site, orig_rax -1, as a
//     uprobe's handler sees them. It calls `handler(&pt_regs)` (SysV: the pointer in rdi).
//   - It restores every general register from the pt_regs (a guru-mode handler's writes take
//     effect; a plain handler leaves them as they were), then rsp, then the flags (popfq), and
//     runs the replaced instructions relocated (relocate.ts), which jump back after the patch.
//   - The handler preserves the SSE/AVX state (it is built with general registers only) and
//     calls no code of the target: the trampoline saves no vector register.
//   - No memory of the target is written but its stack below the red zone.
import { relocateDisplaced, u64Bytes } from './relocate';
import type { DisplacedInstruction } from './patch-site';

/** The user-mode selectors the kernel reports in pt_regs on x86-64. */
const USER_CS = 0x33;
const USER_SS = 0x2b;

/** Size of `struct pt_regs` on x86-64 (21 eight-byte fields). */
export const PT_REGS_SIZE = 21 * 8;

/** Field offsets in `struct pt_regs`, for handlers and tests. */
export const PT_REGS = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72, rax: 80, rcx: 88,
  rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136, eflags: 144, rsp: 152, ss: 160,
} as const;

/** The code before the relocated instructions; the offsets of the disp32s that read the literals. */
function saveCallRestore(handlers: number, ripFromStack = false): { bytes: number[]; siteLiteral: number; handlerLiterals: number[] } {
  const b: number[] = [];
  b.push(0x48, 0x8d, 0x64, 0x24, 0x80); // lea -128(%rsp), %rsp        below the red zone
  b.push(0x9c); //                         pushfq                      flags at rsp0-136
  b.push(0xfc); //                         cld
  b.push(0x50); //                         push %rax                   rax at rsp0-144
  b.push(0x48, 0x89, 0xe0); //             mov %rsp, %rax
  b.push(0x48, 0x83, 0xe4, 0xf0); //       and $-16, %rsp
  b.push(0x6a, 0x00); //                   push $0                     pad: 22 pushes keep 16-byte alignment
  b.push(0x6a, USER_SS); //                push $ss
  b.push(0x48, 0x8d, 0x80, 0x90, 0x00, 0x00, 0x00); // lea 144(%rax), %rax   rsp0
  b.push(0x50); //                         push %rax                   rsp
  b.push(0xff, 0xb0, 0x78, 0xff, 0xff, 0xff); // push -136(%rax)       eflags
  b.push(0x6a, USER_CS); //                push $cs
  const siteLiteral = ripFromStack ? -1 : b.length + 2;
  if (ripFromStack) b.push(0xff, 0x70, 0xf8); // push -8(%rax)           rip: the return address utap left below rsp0
  else b.push(0xff, 0x35, 0, 0, 0, 0); //  push lit_site(%rip)         rip
  b.push(0x6a, 0xff); //                   push $-1                    orig_rax
  b.push(0x57, 0x56, 0x52, 0x51); //       push %rdi, %rsi, %rdx, %rcx
  b.push(0xff, 0xb0, 0x70, 0xff, 0xff, 0xff); // push -144(%rax)       rax
  b.push(0x41, 0x50, 0x41, 0x51, 0x41, 0x52, 0x41, 0x53); // push %r8..%r11
  b.push(0x53, 0x55); //                   push %rbx, %rbp
  b.push(0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57); // push %r12..%r15
  const handlerLiterals: number[] = [];
  for (let i = 0; i < handlers; i++) {
    b.push(0x48, 0x89, 0xe7); //           mov %rsp, %rdi              &pt_regs
    handlerLiterals.push(b.length + 2);
    b.push(0xff, 0x15, 0, 0, 0, 0); //     call *lit_handler_i(%rip)  (each site's handler at this address, in order)
  }
  b.push(0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c); // pop %r15..%r12
  b.push(0x5d, 0x5b); //                   pop %rbp, %rbx
  b.push(0x41, 0x5b, 0x41, 0x5a, 0x41, 0x59, 0x41, 0x58); // pop %r11..%r8
  b.push(0x58, 0x59, 0x5a, 0x5e, 0x5f); // pop %rax, %rcx, %rdx, %rsi, %rdi
  b.push(0x48, 0x8b, 0x64, 0x24, 0x20); // mov 32(%rsp), %rsp          pt_regs.rsp (rsp0)
  b.push(0x48, 0x8d, 0xa4, 0x24, 0x78, 0xff, 0xff, 0xff); // lea -136(%rsp), %rsp
  b.push(0x9d); //                         popfq
  b.push(0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00); // lea 128(%rsp), %rsp   rsp0 again
  return { bytes: b, siteLiteral, handlerLiterals };
}

/**
 * The trampoline for a site at `site` (its original bytes from `code[0]`, the replaced
 * instructions `displaced`), placed at `at`, calling `handlers` in order. Ends with its literals.
 */
export function buildTrampoline(code: Uint8Array, displaced: DisplacedInstruction[], site: bigint, at: bigint, handlers: bigint[]): Uint8Array {
  const head = saveCallRestore(handlers.length);
  const tail = relocateDisplaced(code, displaced, site, at + BigInt(head.bytes.length));
  const bytes = [...head.bytes, ...tail];
  while (bytes.length % 8) bytes.push(0xcc);
  const siteAt = bytes.length;
  bytes.push(...u64Bytes(site));
  for (const handler of handlers) bytes.push(...u64Bytes(handler));
  const view = new DataView(Uint8Array.from(bytes).buffer);
  const out = new Uint8Array(view.buffer);
  // rip-relative disp32s are relative to the end of their 6-byte instruction (disp at +2)
  view.setInt32(head.siteLiteral, siteAt - (head.siteLiteral + 4), true);
  head.handlerLiterals.forEach((at, i) => view.setInt32(at, siteAt + 8 * (i + 1) - (at + 4), true));
  return out;
}

/**
 * The return trampoline of a function whose .return probes run natively: utap sends a thread
 * there, stopped at the return breakpoint (after `ret`, rsp0 = the caller's rsp), with the real
 * return address written just below rsp0 (the dead slot the `ret` popped, untouched by the
 * trampoline, which keeps clear of the 128 bytes below rsp0). pt_regs.rip is that address, as a
 * uretprobe's handler sees it; the handlers run; everything is restored; `jmp *-8(%rsp)`.
 */
export function buildReturnTrampoline(handlers: bigint[]): Uint8Array {
  const head = saveCallRestore(handlers.length, true);
  const bytes = [...head.bytes, 0xff, 0x64, 0x24, 0xf8]; // jmp *-8(%rsp)
  while (bytes.length % 8) bytes.push(0xcc);
  const literals = bytes.length;
  for (const handler of handlers) bytes.push(...u64Bytes(handler));
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  head.handlerLiterals.forEach((at, i) => view.setInt32(at, literals + 8 * i - (at + 4), true));
  return out;
}

/** Room for a trampoline: the head, up to JUMP_SIZE+14 relocated bytes grown to rel32 forms, literals (and 8 more per extra handler). */
export function trampolineRoom(handlers: number): number {
  return 256 + 16 * handlers;
}
