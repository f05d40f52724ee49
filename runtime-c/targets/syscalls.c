/* Target: system calls with known numbers, arguments and results, for the system-call probes.
 *
 *   syscalls N [THREADS] [wait]
 *
 * The main thread makes N getpgid(0) calls; N pwrite64 calls of 1..N bytes to /dev/null (each
 * returns its length, N(N+1)/2 bytes in all); one call of the unknown number 0xfff with the
 * arguments 0x11, 0x22 .. 0x66 (it fails with -ENOSYS, -38); one dup(-1) (-EBADF, -9). Each of
 * THREADS threads makes N getsid(0) calls. None of these is a call the shell of `utap -c` or
 * the C library's start-up makes. It prints its ground truth at the end. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "wait-go.h"

static long n;

static void *getsid_loop(void *arg)
{
	(void)arg;
	for (long i = 0; i < n; i++)
		syscall(SYS_getsid, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	n = argc > 1 ? atol(argv[1]) : 10;
	int threads = argc > 2 ? atoi(argv[2]) : 0;
	static char buf[4096];
	int fd = open("/dev/null", O_WRONLY);
	long bytes = 0;
	for (long i = 0; i < n; i++)
		syscall(SYS_getpgid, 0);
	for (long i = 1; i <= n && i <= (long)sizeof buf; i++)
		bytes += pwrite(fd, buf, i, 0);
	long nosys = syscall(0xfff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	if (nosys == -1)
		nosys = -errno;
	long dup_result = syscall(SYS_dup, -1);
	if (dup_result == -1)
		dup_result = -errno;
	pthread_t tids[64];
	if (threads > 64)
		threads = 64;
	for (int t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, getsid_loop, NULL);
	for (int t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	printf("getpgid %ld pwrite %ld bytes %ld nosys %ld dup %ld threads %d getsid %ld\n", n, n, bytes, nosys, dup_result, threads, n * threads);
	return 0;
}
