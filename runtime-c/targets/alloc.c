/* Engine target for fault injection: fixture_alloc() is a malloc-like function; main calls it
 * N times, treats NULL as an allocation failure, and reports exactly which calls failed, so a
 * guru-mode script that forces failures can be checked against the program's own account.
 *
 *   alloc [N] [wait]
 *   output: `calls=N failures=F failed=I,J,...` (1-based call numbers; `failed=-` for none) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wait-go.h"

__attribute__((noinline)) void *fixture_alloc(size_t size)
{
	return malloc(size);
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long n = argc > 1 ? atol(argv[1]) : 30;
	long failures = 0;
	char failed[8192] = "";
	size_t used = 0;
	for (long i = 1; i <= n; i++) {
		char *p = fixture_alloc(64 + (size_t)i);
		if (!p) {
			failures++;
			if (used < sizeof failed - 32)
				used += (size_t)snprintf(failed + used, sizeof failed - used, "%s%ld", used ? "," : "", i);
			continue;
		}
		memset(p, (int)i, 64);
		free(p);
	}
	printf("calls=%ld failures=%ld failed=%s\n", n, failures, used ? failed : "-");
	return 0;
}
