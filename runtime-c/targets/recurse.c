/* Engine target: a recursive function whose every call returns a known value, for .return
 * probes (each frame's return address is redirected while deeper frames are live).
 *
 *   recurse [ROUNDS [DEPTH]] [wait]
 *   round r calls depth(DEPTH); depth(n) = n + depth(n - 1), depth(0) = 0
 *   output: `calls=C returns_sum=S max_depth=D` (C calls of depth(), S the sum of all their
 *   return values, D the deepest n) */
#include <stdio.h>
#include <stdlib.h>
#include "wait-go.h"

static long calls, returns_sum;

__attribute__((noinline)) long depth(long n)
{
	calls++;
	long r = n == 0 ? 0 : n + depth(n - 1);
	returns_sum += r;
	return r;
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long rounds = argc > 1 ? atol(argv[1]) : 10;
	long d = argc > 2 ? atol(argv[2]) : 50;
	for (long r = 0; r < rounds; r++)
		depth(d);
	printf("calls=%ld returns_sum=%ld max_depth=%ld\n", calls, returns_sum, d);
	return 0;
}
