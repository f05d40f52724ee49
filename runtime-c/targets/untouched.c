/*
 * Engine target with ground truth: passes show() pointers into memory the process has never
 * touched, so no page table entry maps it yet: a page of a file it mapped (the text below, which
 * it wrote there itself), a page of a fresh anonymous mapping and a page of its .bss. A tracer
 * that reads without faulting pages in (a plain bpf_probe_read_user) fails on all three; the
 * ptrace engine reads them right. And a string that starts at the end of a page it wrote and
 * ends in the next page, which it never touched (`edge`: "spans " then the zero page's NUL).
 * After the calls it reads the memory itself and prints it.
 *
 *   untouched N [WAIT]    calls show() N times, each time with pointers into untouched pages
 *                         (fresh mappings each call);
 *                         prints `text=... anon=0 bss=0 edge=spans |calls=N`
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "wait-go.h"

#define PAGE 4096
#define BSS_PAGES 64
static const char TEXT[] = "from a page nobody touched";

/* Never read or written by the program before the calls below: each call uses its own page. */
static char bss[BSS_PAGES * PAGE] __attribute__((aligned(PAGE)));

__attribute__((noinline)) long show(const char *text, const long *anon, const long *zero, const char *edge)
{
	/* touches nothing it is given: only the addresses */
	return (long)text ^ (long)anon ^ (long)zero ^ (long)edge;
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long n = argc > 1 ? atol(argv[1]) : 1;
	if (n < 1 || n > BSS_PAGES - 1)
		return 2;
	char path[] = "/tmp/utap-untouched-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 2;
	unlink(path);
	/* The text at the start of the file's second page; the file is mapped anew for each call. */
	static char page[2 * PAGE];
	memcpy(page + PAGE, TEXT, sizeof TEXT);
	if (write(fd, page, sizeof page) != (ssize_t)sizeof page)
		return 2;
	long acc = 0;
	const char *last_text = NULL;
	const long *last_anon = NULL;
	const char *last_edge = NULL;
	for (long i = 0; i < n; i++) {
		char *file = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
		long *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (file == MAP_FAILED || anon == MAP_FAILED || two == MAP_FAILED)
			return 2;
		/* writes (faults in) the first page only: an anonymous write fault maps just that page */
		memcpy(two + PAGE - 6, "spans ", 6);
		acc ^= show(file + PAGE, anon, (const long *)&bss[(i + 1) * PAGE], two + PAGE - 6);
		last_text = file + PAGE;
		last_anon = anon;
		last_edge = two + PAGE - 6;
	}
	/* Now the program reads what it passed (the last call's), for the ground truth. */
	printf("text=%s anon=%ld bss=%ld edge=%s|calls=%ld%s\n", last_text, *last_anon, *(const long *)&bss[n * PAGE], last_edge, n, acc == 1 ? "!" : "");
	close(fd);
	return 0;
}
