/*
 * Target with a known latency distribution, for the metrics tests: timed_call(us) sleeps `us`
 * microseconds; main calls it COUNT times for each US:COUNT pair given, in turn, then prints
 * its own account and, with `hold`, waits for one more line on stdin before exiting, so a
 * scraper can read the final values while the process (and the trace) is still there.
 *
 *   latency [US:COUNT ...] [hold] [wait]
 *   output: `calls=N` then one `us=US count=COUNT` line per pair, then `done`
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../targets/wait-go.h"

__attribute__((noinline)) long timed_call(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0)
		;
	return us;
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	int hold = argc > 1 && strcmp(argv[argc - 1], "hold") == 0;
	if (hold)
		argc--;
	long calls = 0;
	for (int i = 1; i < argc; i++) {
		long us = 0, count = 0;
		if (sscanf(argv[i], "%ld:%ld", &us, &count) != 2)
			return 2;
		for (long c = 0; c < count; c++)
			calls += timed_call(us) == us;
	}
	printf("calls=%ld\n", calls);
	for (int i = 1; i < argc; i++) {
		long us = 0, count = 0;
		sscanf(argv[i], "%ld:%ld", &us, &count);
		printf("us=%ld count=%ld\n", us, count);
	}
	printf("done\n");
	fflush(stdout);
	if (hold) {
		char line[64];
		if (!fgets(line, sizeof line, stdin))
			return 0;
	}
	return 0;
}
