/*
 * SDT marker target (<sys/sdt.h>, provider `utaptest`) with known ground truth for the .mark
 * tests. Built twice: -O0 (arguments in stack slots: `-4@-20(%rbp)`) and -O2 (registers,
 * constants, RIP-relative globals, indexed memory). For i = 1..N:
 *   tick(i, -i, (short)(3*i), (signed char)-i)          long, int, short, signed char
 *   constants(5, -7)                                    immediates
 *   global(counter_global)                              a global, then counter_global += i
 *   element(table[i % 8], i % 8)                        an array element: table[k] = 100*k
 *   guarded(i)   (semaphore: runs only while probed; sdt-guarded.c)
 * then prints `iterations=N guarded=G` (G: how many times the semaphore was found raised) and
 * `semaphore=S` (its value then). With `hold` it then waits for a line on stdin and prints
 * `semaphore_after=S`, so a test can check the value after the tracer let go.
 *
 *   sdt-target N [hold] [wait]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include "../targets/wait-go.h"

long counter_global = 1000;
long table[8] = { 0, 100, 200, 300, 400, 500, 600, 700 };

int guarded_marker(long i);      /* sdt-guarded.c: 1 when the semaphore was raised */
unsigned short guarded_semaphore_value(void);

__attribute__((noinline)) static void one(long i)
{
	int neg = (int)-i;
	short s16 = (short)(3 * i);
	signed char c8 = (signed char)-i;
	STAP_PROBE4(utaptest, tick, i, neg, s16, c8);
	STAP_PROBE2(utaptest, constants, 5, -7);
	STAP_PROBE1(utaptest, global, counter_global);
	counter_global += i;
	long k = i % 8;
	STAP_PROBE2(utaptest, element, table[k], k);
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	int hold = argc > 2 && strcmp(argv[argc - 1], "hold") == 0;
	if (hold)
		argc--;
	long n = argc > 1 ? atol(argv[1]) : 10;
	long guarded = 0;
	for (long i = 1; i <= n; i++) {
		one(i);
		guarded += guarded_marker(i);
	}
	printf("iterations=%ld guarded=%ld\nsemaphore=%u\n", n, guarded, guarded_semaphore_value());
	fflush(stdout);
	if (hold) {
		char line[64];
		if (!fgets(line, sizeof line, stdin))
			return 2;
		printf("semaphore_after=%u\n", guarded_semaphore_value());
	}
	return 0;
}
