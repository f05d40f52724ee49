/*
 * Source labels and lines for .label, .statement(":*") and .statement("+N") probes: step()
 * loops back to its label `again` until its total reaches a limit, then passes `done`. Each
 * pass over a label is printed with the values of the locals there, which is what a probe on
 * the label sees.
 *
 *   labels [N]   step(N) then step(N + 1) (default 3)
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int step(int n)
{
	volatile int total = 0, rounds = 0;
again:
	printf("label again n=%d total=%d rounds=%d\n", n, total, rounds);
	total += n;
	rounds++;
	if (total < 10)
		goto again;
done: __attribute__((unused));
	printf("label done n=%d total=%d rounds=%d\n", n, total, rounds);
	return total;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	printf("sum %d\n", step(n) + step(n + 1));
	return 0;
}
