/* Shared by the engine targets: with a trailing `wait` argument a target prints `ready pid=N`
 * and reads one line from stdin before it starts, so a test can attach (-p) first. */
#ifndef WAIT_GO_H
#define WAIT_GO_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Returns argc without a trailing "wait"; waits for a line when it was there. */
static inline int wait_go(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[argc - 1], "wait") != 0)
		return argc;
	char line[64];
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		_exit(2);
	return argc - 1;
}
#endif
