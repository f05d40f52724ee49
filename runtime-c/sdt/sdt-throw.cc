/*
 * Library markers: libstdc++'s own SDT markers `libstdcxx:throw` and `libstdcxx:catch` fire in
 * the shared library for every C++ exception. Throws N ints (value i) and N `Oops` objects,
 * catching each, then prints `thrown=2N`.
 *
 *   sdt-throw N [wait]
 */
#include <cstdio>
#include <cstdlib>
#include "../targets/wait-go.h"

struct Oops {
	long code;
};

__attribute__((noinline)) static void thrower(long i)
{
	if (i % 2)
		throw Oops{ i };
	throw static_cast<int>(i);
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long n = argc > 1 ? atol(argv[1]) : 10;
	long thrown = 0;
	for (long i = 0; i < 2 * n; i++) {
		try {
			thrower(i);
		} catch (const Oops &) {
			thrown++;
		} catch (int) {
			thrown++;
		}
	}
	printf("thrown=%ld\n", thrown);
	return 0;
}
