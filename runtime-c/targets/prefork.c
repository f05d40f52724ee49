/* Engine target: a prefork server. The parent forks WORKERS children through spawn_worker()
 * (so the fork happens inside a probed function, and each child returns from it too); each
 * child calls handle(i) CALLS times and exits; the parent waits for them all. With `vfork`, the
 * children are started with vfork + exec of this same program in worker mode instead; with a
 * number PACE, each worker sleeps PACE microseconds between calls (workers that outlive a tracer).
 *
 *   prefork WORKERS CALLS [vfork | PACE] [wait]
 *   output: `workers=W calls=C total=W*C spawned=W` (the parent, after every child ended) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wait-go.h"

volatile long handled;

__attribute__((noinline)) long handle(long worker)
{
	handled += worker;
	return worker;
}

__attribute__((noinline)) pid_t spawn_worker(long index)
{
	fflush(stdout);
	return fork() + 0 * index;
}

static long pace_us;

static void work(long index, long calls)
{
	for (long j = 0; j < calls; j++) {
		handle(index);
		if (pace_us)
			usleep(pace_us);
	}
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	if (argc == 4 && strcmp(argv[1], "worker") == 0) { /* vfork mode: the exec'd child */
		work(atol(argv[2]), atol(argv[3]));
		return 0;
	}
	long workers = argc > 1 ? atol(argv[1]) : 4;
	long calls = argc > 2 ? atol(argv[2]) : 100;
	int use_vfork = argc > 3 && strcmp(argv[3], "vfork") == 0;
	if (argc > 3 && !use_vfork)
		pace_us = atol(argv[3]);
	long spawned = 0;
	for (long i = 0; i < workers; i++) {
		pid_t pid;
		if (use_vfork) {
			char index[32], count[32];
			snprintf(index, sizeof index, "%ld", i);
			snprintf(count, sizeof count, "%ld", calls);
			pid = vfork();
			if (pid == 0) {
				execl("/proc/self/exe", argv[0], "worker", index, count, (char *)NULL);
				_exit(127);
			}
		} else {
			pid = spawn_worker(i);
			if (pid == 0) {
				work(i, calls);
				exit(0);
			}
		}
		if (pid > 0)
			spawned++;
	}
	int failed = 0;
	for (long i = 0; i < spawned; i++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "prefork: a worker ended with wait status 0x%x\n", status);
			failed++;
		}
	}
	printf("workers=%ld calls=%ld total=%ld spawned=%ld failed=%d\n", workers, calls, workers * calls, spawned, failed);
	return failed != 0;
}
