/* What every benchmark target reports: how many times its loop called the probed function, how
 * long the loop took, and when the first call returned (CLOCK_MONOTONIC, the clock Node's
 * process.hrtime reads too, so the harness can compute start-up to first hit across processes).
 *
 * The line goes to the file named by $BENCH_OUT (tracers such as gdb and ltrace write to the
 * target's stdout too), else to stdout:
 *
 *   bench target=NAME events=N loop_ns=T first_hit_ns=M cpu_ns=C
 *
 * cpu_ns is the target's own user+system CPU time (with the children it waited for, e.g. the
 * client's server), which the harness subtracts from the time charged to the tracer and
 * everything the tracer waited for. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline long long bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline long bench_count_arg(int argc, char **argv, long fallback)
{
	if (argc < 2)
		return fallback;
	char *end;
	long n = strtol(argv[1], &end, 10);
	if (*end != '\0' || n <= 0) {
		fprintf(stderr, "usage: %s [EVENTS]  (a positive count, got '%s')\n", argv[0], argv[1]);
		exit(2);
	}
	return n;
}

static inline void bench_report(const char *target, long events, long long loop_ns, long long first_hit_ns)
{
	long long cpu_ns = 0;
	int who[] = { RUSAGE_SELF, RUSAGE_CHILDREN };
	for (int i = 0; i < 2; i++) {
		struct rusage ru;
		getrusage(who[i], &ru);
		cpu_ns += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	}
	const char *path = getenv("BENCH_OUT");
	FILE *out = path && *path ? fopen(path, "w") : stdout;
	if (!out) {
		perror(path);
		exit(2);
	}
	fprintf(out, "bench target=%s events=%ld loop_ns=%lld first_hit_ns=%lld cpu_ns=%lld\n",
		target, events, loop_ns, first_hit_ns, cpu_ns);
	if (out != stdout)
		fclose(out);
}

#endif
