/* Runs a command and reports what it cost, for the benchmark harness (Node cannot wait4):
 *
 *   run-measured [--cpu N] RESULT_FILE -- COMMAND [ARG...]
 *
 * RESULT_FILE gets one line once COMMAND has exited:
 *
 *   run start_ns=S end_ns=E cpu_ns=C maxrss_kb=R status=X signal=Y
 *
 * start_ns is CLOCK_MONOTONIC just before fork (the start-up reference), cpu_ns the user+system
 * time of COMMAND and of every descendant it waited for (wait4's rusage), maxrss_kb the largest
 * resident set among them. --cpu N pins COMMAND (and so everything it starts) to CPU N. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: run-measured [--cpu N] RESULT_FILE -- COMMAND [ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int arg = 1, cpu = -1;
	if (arg + 1 < argc && strcmp(argv[arg], "--cpu") == 0) {
		cpu = atoi(argv[arg + 1]);
		arg += 2;
	}
	if (arg + 2 >= argc || strcmp(argv[arg + 1], "--") != 0)
		usage();
	const char *result = argv[arg];
	char **command = &argv[arg + 2];

	long long start = now_ns();
	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		if (cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof set, &set) != 0) {
				perror("sched_setaffinity");
				_exit(127);
			}
		}
		execvp(command[0], command);
		fprintf(stderr, "run-measured: cannot run %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(child, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	long long end = now_ns();
	long long cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	FILE *out = fopen(result, "w");
	if (!out) {
		perror(result);
		return 2;
	}
	fprintf(out, "run start_ns=%lld end_ns=%lld cpu_ns=%lld maxrss_kb=%ld status=%d signal=%d\n", start, end,
		cpu_ns, ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
