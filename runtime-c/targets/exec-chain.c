/* Engine target: an exec chain. Calls step(DEPTH) once, then execs itself with DEPTH - 1, down
 * to 0; at 0 it execs PROGRAM ARGS... when given (another probed program), else exits. One
 * process throughout: DEPTH + 1 images of this program, then PROGRAM's.
 *
 *   exec-chain DEPTH [PROGRAM ARGS...]
 *   output: `step DEPTH pid=P` per image */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) long step(long depth)
{
	printf("step %ld pid=%d\n", depth, (int)getpid());
	fflush(stdout);
	return depth;
}

int main(int argc, char **argv)
{
	long depth = argc > 1 ? atol(argv[1]) : 2;
	step(depth);
	if (depth > 0) {
		char next[32];
		snprintf(next, sizeof next, "%ld", depth - 1);
		argv[1] = next;
		execv("/proc/self/exe", argv);
		return 127;
	}
	if (argc > 2) {
		execv(argv[2], argv + 2);
		return 127;
	}
	return 0;
}
