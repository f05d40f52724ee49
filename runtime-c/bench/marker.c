/* Target: an SDT marker (<sys/sdt.h>, provider utap_bench, name tick, no semaphore) in a loop,
 * what a marker probe costs: utap's .mark and bpftrace's usdt place a uprobe on the marker's
 * nop; function-probe tools probe bench_marker, the noinline function around it.
 *
 *   marker [EVENTS]        hits the marker EVENTS times (default 1000000) */
#include <sys/sdt.h>
#include "bench-report.h"

volatile long bench_sink;

__attribute__((noinline)) void bench_marker(long i)
{
	DTRACE_PROBE1(utap_bench, tick, i);
	bench_sink += i;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long long start = bench_now_ns();
	bench_marker(0);
	long long first = bench_now_ns();
	for (long i = 1; i < n; i++)
		bench_marker(i);
	bench_report("marker", n, bench_now_ns() - start, first);
	return 0;
}
