/*
 * libifunc.so: ifunc_add() is a GNU indirect function. Its resolver picks add_slow() when the
 * process's command line has an argument `slow`, else add_fast(); each counts its calls, so a
 * target can print which implementation ran and how often (the ground truth for IFUNC probes).
 * The resolver runs while the dynamic linker relocates, before libc is initialised (getenv() sees
 * nothing yet), so it reads /proc/self/cmdline with plain system calls.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

long ifunc_fast_calls, ifunc_slow_calls;

__attribute__((noinline)) static long add_fast(long a, long b) {
  ifunc_fast_calls++;
  return a + b;
}

__attribute__((noinline)) static long add_slow(long a, long b) {
  ifunc_slow_calls++;
  long r = a;
  for (long i = 0; i < b; i++) r++;
  return r;
}

static int wants_slow(void) {
  char buf[512];
  int fd = open("/proc/self/cmdline", O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  for (ssize_t i = 0; i + 5 <= n; i++)
    if ((i == 0 || buf[i - 1] == 0) && memcmp(buf + i, "slow", 5) == 0) return 1;
  return 0;
}

static long (*resolve_add(void))(long, long) {
  return wants_slow() ? add_slow : add_fast;
}

long ifunc_add(long a, long b) __attribute__((ifunc("resolve_add")));
