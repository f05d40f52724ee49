/* Target: a call into a shared library through the PLT (bench_lib_add in libbenchlib.so) — what
 * ltrace traces; function-probe tools probe bench_lib_add in the library.
 *
 *   plt-call [EVENTS]      calls bench_lib_add EVENTS times (default 1000000) */
#include "bench-report.h"

long bench_lib_add(long a, long b);

volatile long bench_sink;

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long long start = bench_now_ns();
	bench_sink = bench_lib_add(bench_sink, 0);
	long long first = bench_now_ns();
	for (long i = 1; i < n; i++)
		bench_sink = bench_lib_add(bench_sink, i);
	bench_report("plt-call", n, bench_now_ns() - start, first);
	return 0;
}
