/* Engine target: a process that forks while traced. The parent calls work() N times, forks, and
 * calls it N times more; the child says `child pid=C`, waits for a line (so a test can read its
 * code), calls work() N times itself, checks every answer and exits 0 (3 if wrong). The parent
 * then prints `parent calls=2N child=STATUS`.
 *
 *   fork-child N        prints `ready pid=N` and waits for a line first */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline, noipa)) long work(long i) { return i * 5 + 1; }

static int calls(long n)
{
	int wrong = 0;
	for (long i = 0; i < n; i++)
		wrong |= work(i) != i * 5 + 1;
	return wrong;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	char line[64];
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 2;
	int wrong = calls(n);
	pid_t child = fork();
	if (child == 0) {
		printf("child pid=%d\n", (int)getpid());
		fflush(stdout);
		if (!fgets(line, sizeof line, stdin))
			_exit(2);
		_exit(calls(n) ? 3 : 0);
	}
	wrong |= calls(n);
	int status = 0;
	waitpid(child, &status, 0);
	printf("parent calls=%ld child=%d%s\n", 2 * n, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), wrong ? " wrong" : "");
	return wrong ? 3 : 0;
}
