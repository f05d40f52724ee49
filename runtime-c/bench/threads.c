/* Target: the emulated-instruction probe hit from several threads at once. The main thread makes
 * the first call (the start-up mark), then THREADS threads (default 2) share the remaining calls.
 * A tracer must follow every thread to see all EVENTS.
 *
 *   threads [EVENTS [THREADS]]   EVENTS calls of bench_threaded in all (default 1000000) */
#include <pthread.h>
#include "bench-report.h"

volatile long bench_sink;

__attribute__((noinline)) void bench_threaded(long i)
{
	__atomic_fetch_add(&bench_sink, i, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	long calls = (long)arg;
	for (long i = 0; i < calls; i++)
		bench_threaded(i);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 1000000);
	long threads = argc > 2 ? atol(argv[2]) : 2;
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "%s: THREADS must be 1..64\n", argv[0]);
		return 2;
	}
	pthread_t tids[64];
	long long start = bench_now_ns();
	bench_threaded(0);
	long long first = bench_now_ns();
	long rest = n - 1;
	for (long t = 0; t < threads; t++) {
		long calls = rest / threads + (t < rest % threads);
		if (pthread_create(&tids[t], NULL, worker, (void *)calls) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	for (long t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	bench_report("threads", n, bench_now_ns() - start, first);
	return 0;
}
