/* Engine target: THREADS threads (default 4) each call tick(index) a known number of times,
 * thread i exactly (i + 1) * BASE times, all running at once; each thread prints its own
 * count and kernel tid so a tracer's per-thread counts can be checked exactly.
 *
 *   threads [THREADS [BASE]] [wait]
 *   output: one line per thread `thread I tid=T calls=C`, then `total=N` */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "wait-go.h"

volatile long tick_sink;
static long base = 20000;
static pthread_barrier_t start_line;

__attribute__((noinline)) long tick(long index)
{
	tick_sink += index;
	return index;
}

struct worker {
	long index;
	long calls;
	pid_t tid;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	w->tid = gettid();
	pthread_barrier_wait(&start_line);
	for (long i = 0; i < (w->index + 1) * base; i++) {
		tick(w->index);
		w->calls++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long n = argc > 1 ? atol(argv[1]) : 4;
	if (argc > 2)
		base = atol(argv[2]);
	if (n < 1 || n > 64 || base < 0)
		return 2;
	struct worker workers[64];
	pthread_t ids[64];
	pthread_barrier_init(&start_line, NULL, (unsigned)n);
	for (long i = 0; i < n; i++) {
		workers[i] = (struct worker){ .index = i };
		pthread_create(&ids[i], NULL, run, &workers[i]);
	}
	long total = 0;
	for (long i = 0; i < n; i++) {
		pthread_join(ids[i], NULL);
		printf("thread %ld tid=%d calls=%ld\n", i, (int)workers[i].tid, workers[i].calls);
		total += workers[i].calls;
	}
	printf("total=%ld\n", total);
	return 0;
}
