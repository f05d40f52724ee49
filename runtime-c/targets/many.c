/*
 * Engine target with many functions, for probes whose pattern matches many of them (one
 * uprobe_multi link): op_00 .. op_23 each take one long, op_wide keeps its parameter in
 * another frame slot (so its code differs from the others'), and other_fn does not match op_*.
 * tail_a ends in a tail call (`jmp tail_b`): tail_b runs in tail_a's frame, so both functions'
 * entries see the same stack pointer and both their returns fire at tail_b's `ret`.
 * It prints its own ground truth, one line per function: `NAME CALLS SUM_OF_ARGS SUM_OF_RETURNS`.
 *
 *   many N [wait]      op_K is called (K + 1) * N times with 0, 1, ...; op_wide 5 * N; other_fn N;
 *                      tail_a N times with 0, 1, ..., each calling tail_b with its argument + 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wait-go.h"

#define OP(k) __attribute__((noinline)) long op_##k(long x) { return x * 2 + 1##k - 100; }
OP(00) OP(01) OP(02) OP(03) OP(04) OP(05) OP(06) OP(07) OP(08) OP(09) OP(10) OP(11)
OP(12) OP(13) OP(14) OP(15) OP(16) OP(17) OP(18) OP(19) OP(20) OP(21) OP(22) OP(23)

static long (*const ops[])(long) = {
  op_00, op_01, op_02, op_03, op_04, op_05, op_06, op_07, op_08, op_09, op_10, op_11,
  op_12, op_13, op_14, op_15, op_16, op_17, op_18, op_19, op_20, op_21, op_22, op_23,
};
#define NOPS ((int)(sizeof ops / sizeof ops[0]))

/* A local array first: x lands in another frame slot than in op_NN. */
__attribute__((noinline)) long op_wide(long x) {
  volatile char pad[40];
  memset((char *)pad, (int)x, sizeof pad);
  return x + pad[3];
}

__attribute__((noinline)) long other_fn(long x) { return x - 1; }

/* Optimized, so that tail_a's call is a sibling call (a jump) even in this -O0 build. */
__attribute__((noinline, optimize("O2", "optimize-sibling-calls"))) long tail_b(long x) { return x * 3; }
__attribute__((noinline, optimize("O2", "optimize-sibling-calls"))) long tail_a(long x) { return tail_b(x + 1); }

static void report(const char *name, long calls, long args, long returns) {
  printf("%s %ld %ld %ld\n", name, calls, args, returns);
}

int main(int argc, char **argv) {
  argc = wait_go(argc, argv);
  long n = argc > 1 ? atol(argv[1]) : 10;
  for (int k = 0; k < NOPS; k++) {
    long calls = (k + 1) * n, args = 0, returns = 0;
    for (long i = 0; i < calls; i++) {
      args += i;
      returns += ops[k](i);
    }
    char name[16];
    snprintf(name, sizeof name, "op_%02d", k);
    report(name, calls, args, returns);
  }
  long args = 0, returns = 0;
  for (long i = 0; i < 5 * n; i++) {
    args += i & 0x7f;
    returns += op_wide(i & 0x7f);
  }
  report("op_wide", 5 * n, args, returns);
  args = 0, returns = 0;
  for (long i = 0; i < n; i++) {
    args += i;
    returns += other_fn(i);
  }
  report("other_fn", n, args, returns);
  args = 0, returns = 0;
  for (long i = 0; i < n; i++) {
    args += i;
    returns += tail_a(i);
  }
  report("tail_a", n, args, returns);
  report("tail_b", n, args + n, returns);
  return 0;
}
