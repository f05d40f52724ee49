/*
 * The guardian's second job (utap-native.c, utap_guardian_start): after utap's death, put back
 * the bytes the in-process engine replaced with jumps (tracer/engine/inproc/patch-list.ts keeps
 * the list in the target). A jump is 5 bytes that a running thread may be fetching, so the
 * guardian first stops every thread of the process the way utap does (PTRACE_SEIZE +
 * PTRACE_INTERRUPT; utap's own ptrace links are gone once it died), writes the original bytes
 * while they are all stopped, and lets them go. The trampolines stay mapped: a thread stopped
 * inside one finishes it and returns to the restored code. Should the guardian not be allowed
 * to trace (another tracer came first), the jumps stay: they keep working, as the trampolines
 * and handlers stay mapped.
 *
 * Runs in a forked child of a multi-threaded process: raw system calls and stack buffers only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The header the in-process engine writes into the healer's table (patch-list.ts: PATCH_HEADER). */
#define PATCH_HEADER_OFFSET 3072
#define PATCH_MAGIC 0x5554415050415431ULL /* "1TAPPATU" */
struct patch_header {
	uint64_t magic, pid, count, list;
};
struct patch_entry {
	uint64_t address, length;
	uint8_t original[16];
};
#define MAX_THREADS 4096
#define MAX_PATCHES 32768

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void nap_ms(long ms)
{
	struct timespec t = { 0, ms * 1000000L };
	nanosleep(&t, NULL);
}

/* Seizes and stops thread `tid`; 1 when stopped, 0 when not traceable (or gone). */
static int stop_thread(int tid, int *signal_out)
{
	long r = -1;
	/* utap's own links go when the kernel finishes its exit, maybe just after our end-of-file */
	for (int tries = 0; tries < 400; tries++) {
		r = ptrace(PTRACE_SEIZE, tid, 0, 0);
		if (r == 0 || errno != EPERM)
			break;
		nap_ms(5);
	}
	if (r != 0)
		return 0;
	ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	int status;
	*signal_out = 0;
	for (;;) {
		if (waitpid(tid, &status, __WALL) < 0)
			return 0;
		if (!WIFSTOPPED(status))
			return 0;
		if ((status >> 16) == PTRACE_EVENT_STOP)
			return 1;
		/* a signal arrived first: keep it for the detach; the interrupt is still pending */
		*signal_out = WSTOPSIG(status);
		ptrace(PTRACE_CONT, tid, 0, 0);
	}
}

/* Every thread of `pid`, stopped; returns how many (tids in `tids`, their signals in `sigs`). */
static int stop_all(int pid, int *tids, int *sigs)
{
	char path[64];
	int count = 0;
	for (int pass = 0; pass < 8; pass++) {
		int found_new = 0;
		int len = 0;
		const char *pre = "/proc/";
		while (pre[len]) { path[len] = pre[len]; len++; }
		char digits[16];
		int d = 0;
		for (int v = pid; v > 0 || d == 0; v /= 10) digits[d++] = (char)('0' + v % 10);
		while (d) path[len++] = digits[--d];
		const char *post = "/task";
		for (int i = 0; post[i]; i++) path[len++] = post[i];
		path[len] = 0;
		int fd = (int)syscall(SYS_open, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return count;
		char buffer[4096];
		long n;
		while ((n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
			for (long at = 0; at < n;) {
				struct linux_dirent64 *e = (struct linux_dirent64 *)(buffer + at);
				at += e->d_reclen;
				int tid = 0;
				for (const char *c = e->d_name; *c >= '0' && *c <= '9'; c++) tid = tid * 10 + (*c - '0');
				if (tid <= 0)
					continue;
				int known = 0;
				for (int i = 0; i < count; i++) known |= tids[i] == tid;
				if (known || count == MAX_THREADS)
					continue;
				int sig;
				if (stop_thread(tid, &sig)) {
					tids[count] = tid;
					sigs[count] = sig;
					count++;
					found_new = 1;
				}
			}
		}
		close(fd);
		if (!found_new)
			break;
	}
	return count;
}

void utap_guardian_unpatch(int mem_fd, uint64_t table)
{
	struct patch_header h;
	if (pread(mem_fd, &h, sizeof h, (off_t)(table + PATCH_HEADER_OFFSET)) != sizeof h || h.magic != PATCH_MAGIC || h.count == 0)
		return;
	static int tids[MAX_THREADS], sigs[MAX_THREADS];
	int threads = stop_all((int)h.pid, tids, sigs);
	if (threads == 0)
		return; /* not allowed to stop them: the jumps stay, and keep working */
	for (uint64_t i = 0; i < h.count && i < MAX_PATCHES; i++) {
		struct patch_entry e;
		if (pread(mem_fd, &e, sizeof e, (off_t)(h.list + i * sizeof e)) != sizeof e || e.length < 5 || e.length > 16)
			continue;
		int inside = 0;
		for (int t = 0; t < threads; t++) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, tids[t], 0, &regs) == 0 && regs.rip > e.address && regs.rip < e.address + e.length)
				inside = 1;
		}
		uint8_t now;
		if (inside || pread(mem_fd, &now, 1, (off_t)e.address) != 1 || now != 0xe9)
			continue;
		(void)!pwrite(mem_fd, e.original, e.length, (off_t)e.address);
	}
	for (int t = 0; t < threads; t++)
		ptrace(PTRACE_DETACH, tids[t], 0, sigs[t]);
}
