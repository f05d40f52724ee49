/*
 * File-scope variables and types for the target-access tests: a global counter, a file static
 * whose name another unit (file-scope-other.c) also uses for a static of its own, a global
 * struct, and visit() and observe(), which receive that struct only as a void pointer (so a
 * script needs a cast to see into it). Each round prints the values the probes should see after visit().
 *
 *   file-scope [N]   N rounds (default 3)
 */
#include <stdio.h>
#include <stdlib.h>

struct point { int x; int y; };
struct shape { const char *name; struct point corner; int sides[3]; };
typedef struct shape shape_t;

int counter;
static long hidden = 5;
shape_t square = { "square", { 3, 4 }, { 10, 20, 30 } };

long other_hidden(void);

/* Called before visit() changes anything: a probe here sees the values of the round before. */
__attribute__((noinline)) void observe(void *opaque, int round)
{
	__asm__ volatile("" : : "r"(opaque), "r"(round) : "memory");
}

__attribute__((noinline)) void visit(void *opaque, int round)
{
	observe(opaque, round);
	counter += round;
	hidden += 1;
	__asm__ volatile("" : : "r"(opaque) : "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	for (int i = 1; i <= n; i++) {
		visit(&square, i);
		printf("after round=%d counter=%d hidden=%ld other=%ld\n", i, counter, hidden, other_hidden());
	}
	printf("shape name=%s corner=%d,%d sides=%d,%d,%d\n", square.name, square.corner.x, square.corner.y,
	       square.sides[0], square.sides[1], square.sides[2]);
	return 0;
}
