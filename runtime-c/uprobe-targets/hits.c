// Engine target with ground truth, for the uprobe engine's tests and bench.
//
//   hits N [wait]
//
// Calls hit(i) for i = 0..N-1 (hit returns 2*i), then greet(name, k) for three names, then
// depth(3) (recursive), and prints what a tracer should have seen: "calls N sum S" where S is
// the sum of hit's arguments, and loop_ns: how long the loop of hit() calls took (the bench's
// per-hit figure). With `wait` it prints "ready PID" and waits for a line on stdin
// first, so a test can attach with -p before the calls start.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long hit(long i) {
  __asm__ volatile("" ::: "memory");
  return i * 2;
}

__attribute__((noinline)) int greet(const char *who, int times) {
  __asm__ volatile("" ::: "memory");
  return (int)strlen(who) * times;
}

__attribute__((noinline)) int depth(int n) {
  if (n <= 0) return 0;
  return 1 + depth(n - 1);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  if (argc > 2 && strcmp(argv[2], "wait") == 0) {
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) return 3;
  }
  long sum = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) {
    hit(i);
    sum += i;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  greet("alice", 1);
  greet("bob", 2);
  greet("alice", 3);
  depth(3);
  long long loop_ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  printf("calls %ld sum %ld loop_ns %lld\n", n, sum, loop_ns);
  return 0;
}
