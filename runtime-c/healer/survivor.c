/* Target of the survival test (test/ptrace/survive-kill.test.ts): THREADS threads each run
 * rounds of nested and recursive calls (outer → middle → leaf, depth() recursing), with a short
 * sleep between rounds, until the file OUT.stop appears (at least MIN_ROUNDS, at most 60 s),
 * while the test kills utap at a random instant. Each thread adds up what the calls return; an
 * unprobed copy of the same arithmetic over the same rounds gives the expected sum, so a thread
 * that resumed anywhere but where it should shows as a wrong sum (or a crash).
 *
 *   survivor THREADS MIN_ROUNDS OUT
 *   writes OUT.pid (`pid=N`) at start; at the end OUT (`sum=S expected=E rounds=R`), then waits
 *   (up to 60 s) for the file OUT.exit so the test can read its memory; exits 0 if S == E, else 3. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBED __attribute__((noinline, noipa))

PROBED long leaf(long x) { return x * 7 + 3; }
PROBED long middle(long x) { return leaf(x) + leaf(x + 1); }
PROBED long depth(long n, long r) { return n == 0 ? r : depth(n - 1, r + n) * 3 % 1000003; }
PROBED long outer(long i, long r) { return middle(i * r) ^ depth(4, r); }

/* The same arithmetic, never probed. */
static long ref_leaf(long x) { return x * 7 + 3; }
static long ref_depth(long n, long r) { return n == 0 ? r : ref_depth(n - 1, r + n) * 3 % 1000003; }
static long ref_outer(long i, long r) { return (ref_leaf(i * r) + ref_leaf(i * r + 1)) ^ ref_depth(4, r); }

static long min_rounds;
static char crash_path[4096];

/* A crash is reported (OUT.crash: signal, rip, fault address) before the process dies of it. */
static void on_crash(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	char text[400];
	unsigned long long *sp = (unsigned long long *)uc->uc_mcontext.gregs[REG_RSP];
	int n = snprintf(text, sizeof text, "signal %d at rip=0x%llx addr=%p rsp=%p stack %llx %llx [%llx] %llx %llx outer=%p\n", sig,
			 (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], info->si_addr, (void *)sp, sp[-2], sp[-1], sp[0], sp[1], sp[2], (void *)outer);
	int fd = open(crash_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		(void)!write(fd, text, n);
		close(fd);
	}
	if (getenv("SURVIVOR_PAUSE_ON_CRASH"))
		sleep(20); /* (debugging: time to read the process's memory) */
	signal(sig, SIG_DFL);
	raise(sig);
}
static char stop_path[4096];

struct worker {
	long index, sum, rounds;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct timespec pause = {0, 2 * 1000 * 1000};
	for (long r = 0; r < 30000 && (r < min_rounds || access(stop_path, F_OK) != 0); r++) {
		w->sum += outer(w->index + 1, r);
		w->rounds++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		exit(4);
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	long n = atol(argv[1]);
	min_rounds = atol(argv[2]);
	const char *out = argv[3];
	if (n < 1 || n > 64 || min_rounds < 0 || strlen(out) > 4000)
		return 2;
	snprintf(stop_path, sizeof stop_path, "%s.stop", out);
	snprintf(crash_path, sizeof crash_path, "%s.crash", out);
	struct sigaction crash = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO};
	sigaction(SIGSEGV, &crash, NULL);
	sigaction(SIGILL, &crash, NULL);
	sigaction(SIGBUS, &crash, NULL);
	/* (not SIGTRAP: under -c the program starts with utap's healer in place, and installing a
	   SIGTRAP handler of its own would replace it) */
	char path[4096], text[128];
	snprintf(path, sizeof path, "%s.pid", out);
	snprintf(text, sizeof text, "pid=%d\n", (int)getpid());
	write_file(path, text);

	struct worker workers[64];
	pthread_t ids[64];
	for (long i = 0; i < n; i++) {
		workers[i] = (struct worker){.index = i};
		pthread_create(&ids[i], NULL, run, &workers[i]);
	}
	long sum = 0, expected = 0, rounds = 0;
	for (long i = 0; i < n; i++) {
		pthread_join(ids[i], NULL);
		sum += workers[i].sum;
		rounds += workers[i].rounds;
		for (long r = 0; r < workers[i].rounds; r++)
			expected += ref_outer(i + 1, r);
	}
	snprintf(text, sizeof text, "sum=%ld expected=%ld rounds=%ld\n", sum, expected, rounds);
	write_file(out, text);

	snprintf(path, sizeof path, "%s.exit", out);
	struct timespec pause = {0, 5 * 1000 * 1000};
	for (int i = 0; i < 12000 && access(path, F_OK) != 0; i++)
		nanosleep(&pause, NULL);
	return sum == expected ? 0 : 3;
}
