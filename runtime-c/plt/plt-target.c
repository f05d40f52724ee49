/* Target for PLT probes: calls a few C library functions through the executable's PLT a known
 * number of times, so process(...).plt("NAME") counts have ground truth.
 *
 *   plt-target [N]    strlen N times, strcmp 2N times, atoi 3 times, getpid once (N defaults to 5)
 *
 * Built with -fno-builtin so that GCC keeps the calls (it would fold strlen of a constant), in
 * two link layouts: lazy binding with stubs in .plt, and IBT stubs in .plt.sec with -z now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile long sink;

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	char word[16] = "utap";
	for (int i = 0; i < n; i++) {
		sink += strlen(word);
		sink += strcmp(word, "plt") + strcmp(word, "utap");
	}
	sink += atoi("7") + atoi("8");
	sink += getpid();
	printf("%ld\n", sink > 0 ? 1L : 0L);
	return 0;
}
