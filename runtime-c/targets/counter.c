/*
 * Engine target with ground truth: calls work() N times and prints what it computed, so a test
 * can compare a tracer's counts and values with the program's own account.
 *
 *   counter N [WAIT]     WAIT: read one line from stdin before starting (lets -p attach first)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long work(long i, const char *tag) {
  return i * 3 + (long)strlen(tag);
}

__attribute__((noinline)) long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  if (argc > 2) {
    char line[64];
    printf("ready pid=%d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) return 2;
  }
  long sum = 0;
  for (long i = 0; i < n; i++) sum += work(i, "tag");
  printf("calls=%ld sum=%ld fib10=%ld\n", n, sum, fib(10));
  return 0;
}
