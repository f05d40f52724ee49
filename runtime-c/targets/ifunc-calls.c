/*
 * Engine target for IFUNC symbols, with ground truth: libc's strlen is an IFUNC (its symbol is
 * the resolver; the dynamic linker picks __strlen_avx2, _evex, _sse2... for this CPU), and this
 * program calls it through the PLT a known number of times.
 *
 *   ifunc-calls N [WAIT]   calls strlen() N times on a string the compiler cannot see, and
 *                          prints `strlen_calls=N sum=...`
 *
 * -fno-builtin keeps every strlen() a call; volatile keeps the string opaque.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wait-go.h"

static char text[] = "utap-ifunc-marker";
static char *volatile opaque = text;

int main(int argc, char **argv) {
  argc = wait_go(argc, argv);
  long n = argc > 1 ? atol(argv[1]) : 10;
  long sum = 0;
  for (long i = 0; i < n; i++) sum += (long)strlen(opaque);
  printf("strlen_calls=%ld sum=%ld\n", n, sum);
  return 0;
}
