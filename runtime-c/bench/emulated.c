/* Target: a function whose first instruction, `push %rbp`, the kernel's uprobes emulate, so a
 * probe hit costs one trap and no single-step. Built -O0 -fno-omit-frame-pointer; noinline keeps
 * one real call per iteration.
 *
 *   emulated [EVENTS]      calls bench_emulated EVENTS times (default 1000000) */
#include "bench-report.h"

volatile long bench_sink;

__attribute__((noinline)) void bench_emulated(long i)
{
	bench_sink += i;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long long start = bench_now_ns();
	bench_emulated(0);
	long long first = bench_now_ns();
	for (long i = 1; i < n; i++)
		bench_emulated(i);
	bench_report("emulated", n, bench_now_ns() - start, first);
	return 0;
}
