/* Target for test/ptrace/own-trap.test.ts: a program with traps of its own, traced with -p.
 *
 *   own-trap handler|default
 *   prints `ready pid=N`, waits for a line on stdin, then calls work() 100 times and executes
 *   int3 10 times (handler: its SIGTRAP handler counts them; default: the first one ends the
 *   process with SIGTRAP, as it would untraced), prints `calls=C traps=T`, waits for another
 *   line, and prints `own-handler=1` if its SIGTRAP action is still its own. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int traps;
static volatile long sink;

__attribute__((noinline, noipa)) long work(long i) { return sink += i; }

static void on_trap(int sig, siginfo_t *info, void *context) { traps++; }

static void wait_line(void)
{
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		_exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int own = strcmp(argv[1], "handler") == 0;
	if (own) {
		struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO};
		sigaction(SIGTRAP, &sa, NULL);
	}
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	wait_line();
	long calls = 0;
	for (int i = 0; i < 100; i++) {
		work(i);
		calls++;
		if (i % 10 == 0)
			__asm__ volatile("int3");
	}
	printf("calls=%ld traps=%d\n", calls, traps);
	fflush(stdout);
	wait_line();
	struct sigaction now;
	sigaction(SIGTRAP, NULL, &now);
	printf("own-handler=%d\n", own && now.sa_sigaction == on_trap);
	return 0;
}
