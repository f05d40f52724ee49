/* Target: a function whose first instruction is `lea` — an instruction x86 uprobes cannot
 * emulate, so the kernel executes it out of line with a single-step trap on every hit (the
 * second trap is what this target measures against `emulated`). The function is written in
 * assembly so the compiler cannot choose another first instruction.
 *
 *   stepped [EVENTS]       calls bench_stepped EVENTS times (default 1000000) */
#include "bench-report.h"

long bench_stepped(long i);
__asm__(".text\n"
	".globl bench_stepped\n"
	".type bench_stepped, @function\n"
	"bench_stepped:\n"
	"	lea 1(%rdi), %rax\n"
	"	ret\n"
	".size bench_stepped, .-bench_stepped\n");

volatile long bench_sink;

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long long start = bench_now_ns();
	bench_sink += bench_stepped(0);
	long long first = bench_now_ns();
	for (long i = 1; i < n; i++)
		bench_sink += bench_stepped(i);
	bench_report("stepped", n, bench_now_ns() - start, first);
	return 0;
}
