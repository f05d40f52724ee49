/*
 * Engine target with ground truth: a first access to memory that stalls. show(text) is called
 * by the main thread with text in a page registered with userfaultfd: whoever touches it first
 * waits until the program's own monitor thread fills the page (with TEXT) STALL_MS (500 ms) later. Meanwhile
 * WORKERS threads call show() with a ready string CALLS times each. Every thread runs on CPU 0,
 * so a tracer whose handler waits in that fault shares the CPU with the other hits.
 *
 *   stall [CALLS]     prints `stalled=TEXT ready=N` (N = the workers' calls) at the end
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define WORKERS 2
#define STALL_MS 500
static const char TEXT[] = "filled by the monitor";
static const char READY[] = "ready";

static int uffd;
static char *region;
static long calls = 20000;
static volatile int released;

__attribute__((noinline)) long show(const char *text)
{
	return (long)text;
}

static void pin(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof set, &set);
}

static void *monitor(void *arg)
{
	(void)arg;
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	if (poll(&p, 1, 10000) != 1)
		_exit(3);
	struct uffd_msg msg;
	if (read(uffd, &msg, sizeof msg) != sizeof msg || msg.event != UFFD_EVENT_PAGEFAULT)
		_exit(3);
	released = 1; /* the workers go now, while the first toucher waits */
	struct timespec t = { 0, STALL_MS * 1000000L };
	nanosleep(&t, NULL);
	static char page[PAGE] __attribute__((aligned(PAGE)));
	memcpy(page, TEXT, sizeof TEXT);
	struct uffdio_copy copy = { .dst = (unsigned long)region, .src = (unsigned long)page, .len = PAGE };
	if (ioctl(uffd, UFFDIO_COPY, &copy) != 0)
		_exit(3);
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	pin();
	while (!released)
		sched_yield();
	for (long i = 0; i < calls; i++)
		show(READY);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		calls = atol(argv[1]);
	pin();
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return 2;
	struct uffdio_api api = { .api = UFFD_API };
	if (ioctl(uffd, UFFDIO_API, &api) != 0)
		return 2;
	region = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 2;
	struct uffdio_register reg = { .range = { .start = (unsigned long)region, .len = PAGE }, .mode = UFFDIO_REGISTER_MODE_MISSING };
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
		return 2;
	pthread_t m, w[WORKERS];
	pthread_create(&m, NULL, monitor, NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, NULL);
	/* Without a tracer, the program's own read below is the first touch. */
	show(region);
	long n = (long)strlen(region);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(m, NULL);
	printf("stalled=%s ready=%ld len=%ld\n", region, calls * WORKERS, n);
	return 0;
}
