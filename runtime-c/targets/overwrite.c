/* Engine target for event mode's memory reads: handle() is called N times with a string and a
 * struct whose fields point at a string and at a nested struct; right after each call returns,
 * main overwrites all of that memory, so a tracer that reads it any later than the probe hit
 * (or, for .return probes, than the return) sees other bytes. One call (number BAD_INNER) gets
 * an inner pointer that faults, another (BAD_LABEL) a label pointer that faults.
 *
 *   overwrite [N]
 *   output, one line per call, before the overwrite (the ground truth):
 *     call I name=NAME n=N id=ID label=LABEL value=V tag=TAG
 *   (for the bad calls, label=- or value=- tag=- stand for the pointers that fault) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_INNER 5
#define BAD_LABEL 7

struct inner {
	long value;
	char tag[8];
};

struct item {
	int id;
	const char *label;
	struct inner *inner;
};

__attribute__((noinline)) long handle(struct item *it, const char *name, long n)
{
	return it->id + n;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 12;
	static char name[64], label[64];
	struct inner in;
	struct item it;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < calls; i++) {
		snprintf(name, sizeof name, "name-%ld", i);
		snprintf(label, sizeof label, "label-%ld", i * 7);
		in.value = i * 1000 + 3;
		snprintf(in.tag, sizeof in.tag, "t%d", (int)(i % 1000));
		it.id = (int)i;
		it.label = i == BAD_LABEL ? (const char *)24 : label;
		it.inner = i == BAD_INNER ? (struct inner *)16 : &in;
		long r = handle(&it, name, i * i);
		if (r != i + i * i)
			return 3;
		if (i == BAD_INNER)
			printf("call %ld name=%s n=%ld id=%d label=%s value=- tag=-\n", i, name, i * i, it.id, it.label);
		else if (i == BAD_LABEL)
			printf("call %ld name=%s n=%ld id=%d label=- value=%ld tag=%s\n", i, name, i * i, it.id, in.value, in.tag);
		else
			printf("call %ld name=%s n=%ld id=%d label=%s value=%ld tag=%s\n", i, name, i * i, it.id, it.label, in.value, in.tag);
		/* What a late reader would see. */
		memset(name, 'X', sizeof name - 1);
		memset(label, 'Y', sizeof label - 1);
		in.value = -1;
		memset(in.tag, 'Z', sizeof in.tag - 1);
		it.id = -1;
		it.label = "gone";
		it.inner = NULL;
	}
	return 0;
}
