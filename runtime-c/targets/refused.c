/*
 * Engine target for sites the kernel's uprobes refuse, with ground truth: locked_add() starts
 * with a LOCK-prefixed instruction and vex_load() with `vmovd` (VEX opcode 0x6e), both of which
 * x86 uprobes will not place a breakpoint on; locked_bump(p, by) is C with DWARF ($p, $by) whose
 * first instruction is `lock add`; plain_step() is ordinary code beside them.
 *
 *   refused N [WAIT]   calls plain_step() N times, locked_add() 2N times, vex_load() 3N times
 *                      (only where the CPU has AVX; the output says how many), locked_bump(.., i)
 *                      for i in 0..N-1, and prints `plain=N locked=2N vex=V total=... bumped=SUM`
 *
 * -O0 and noinline keep every call a call; the asm functions have no C prologue, and
 * locked_bump() is built with -O2 so that it has none either.
 */
#include <stdio.h>
#include <stdlib.h>
#include "wait-go.h"

long counter;

long locked_add(long *p);
int vex_load(int v);
__asm__(".text\n"
        ".globl locked_add\n.type locked_add,@function\nlocked_add:\n"
        "  lock incq (%rdi)\n"
        "  movq (%rdi), %rax\n"
        "  ret\n.size locked_add, .-locked_add\n"
        ".globl vex_load\n.type vex_load,@function\nvex_load:\n"
        "  vmovd %edi, %xmm0\n"
        "  vmovd %xmm0, %eax\n"
        "  ret\n.size vex_load, .-vex_load\n");

__attribute__((noinline)) long plain_step(long i) { return i + 1; }

long bumped;
__attribute__((noinline, optimize("O2"))) void locked_bump(long *p, long by) { __atomic_fetch_add(p, by, __ATOMIC_SEQ_CST); }

int main(int argc, char **argv) {
  argc = wait_go(argc, argv);
  long n = argc > 1 ? atol(argv[1]) : 10;
  __builtin_cpu_init();
  int avx = __builtin_cpu_supports("avx");
  long total = 0, vex = 0;
  for (long i = 0; i < n; i++) {
    total += plain_step(i);
    locked_add(&counter);
    locked_add(&counter);
    locked_bump(&bumped, i);
    if (avx)
      for (int k = 0; k < 3; k++, vex++) total += vex_load(k);
  }
  printf("plain=%ld locked=%ld vex=%ld total=%ld bumped=%ld\n", n, counter, vex, total, bumped);
  return 0;
}
