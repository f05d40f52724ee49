/* Target: a system call per iteration (getppid: cheap, never cached by glibc) — what strace
 * traces; function-probe tools probe bench_syscall, the noinline function that makes it.
 *
 *   syscall-loop [EVENTS]  calls bench_syscall EVENTS times (default 1000000) */
#include <unistd.h>
#include "bench-report.h"

volatile long bench_sink;

__attribute__((noinline)) void bench_syscall(void)
{
	bench_sink += getppid();
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long long start = bench_now_ns();
	bench_syscall();
	long long first = bench_now_ns();
	for (long i = 1; i < n; i++)
		bench_syscall();
	bench_report("syscall", n, bench_now_ns() - start, first);
	return 0;
}
