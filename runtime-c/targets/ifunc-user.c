/*
 * Engine target for IFUNC symbols in a library utap itself does not load: calls ifunc_add() of
 * libifunc.so (ifunc-lib.c) N times, and prints how many calls each implementation counted.
 * Linked with -z now, so its GOT slot holds the chosen implementation from the start.
 *
 *   ifunc-user N [slow] [WAIT]   prints `fast=F slow=S sum=...` (F + S = N; `slow` makes the
 *                                resolver pick add_slow)
 */
#include <stdio.h>
#include <stdlib.h>
#include "wait-go.h"

extern long ifunc_fast_calls, ifunc_slow_calls;
long ifunc_add(long a, long b);

int main(int argc, char **argv) {
  argc = wait_go(argc, argv);
  long n = argc > 1 ? atol(argv[1]) : 10; /* a trailing `slow` is for the resolver */
  long sum = 0;
  for (long i = 0; i < n; i++) sum = ifunc_add(sum, 2);
  printf("fast=%ld slow=%ld sum=%ld\n", ifunc_fast_calls, ifunc_slow_calls, sum);
  return 0;
}
