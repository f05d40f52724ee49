/*
 * Runs JITted handlers the way the in-process engine's trampolines will, without patching any
 * program: maps a code image (the runtime and the handlers, built by utap for a fixed address)
 * and the shared area (a memfd inherited as fd 3) at the addresses utap chose, and calls
 * handlers with fabricated struct pt_regs from several threads. utap then reads the area.
 *
 *   jit-harness layout
 *       prints the C offsets of the shared area's structures (the TS side compares them)
 *   jit-harness exec CODE CODE_ADDR ENTRY_OFF
 *       calls the handler once with a 4096-byte context read from stdin, writes it back to stdout
 *       (handlers without helper calls: instruction semantics)
 *   jit-harness run CODE CODE_ADDR AREA_ADDR AREA_SIZE THREADS ITERS OFF[,OFF...] [REG=VALUE...]
 *       each of THREADS threads calls the handlers at OFF..., in order, ITERS times (OFF with a
 *       suffix r: as a .return site, rsp 8 higher than at the entry and rdi clobbered); REG is a
 *       pt_regs field, VALUE a number or: str (a string of the harness), wild (an unmapped
 *       address), thread (the thread's index), iter (the iteration). Prints the mean ns of one
 *       iteration seen by each thread ("ns_per_iter N"). An argument `vdso` writes this process's
 *       __vdso_clock_gettime into the area first, as the engine does for a target; `pid` its pid;
 *       `tidoff=N` the TLS offset of the tid, if it holds on the main thread.
 *       `signals=N`: another thread sends N SIGUSR1 to the workers meanwhile, and the signal
 *       handler runs the handlers too, nested in whatever the thread was doing (a handler
 *       included); prints "signal_calls N". SIGWINCHes received are counted ("sigwinch N").
 *   jit-harness vdso
 *       prints the address of its __vdso_clock_gettime, its fs base and tid, then waits for stdin
 *       to close
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "utap-inproc-layout.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct pt_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
};

typedef void (*handler_fn)(void *ctx);

static const char *const REG_NAMES[] = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
					"rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss"};
#define NREGS 21

static const char HARNESS_STRING[] = "a string in the harness";
#define WILD 0xdead00000000ull

enum kind { FIXED, STR, WILD_PTR, THREAD, ITER };
struct reg_spec {
	int index;
	enum kind kind;
	uint64_t value;
};

static struct reg_spec specs[NREGS];
static int nspecs;
static handler_fn handlers[16];
/* A handler run as a .return site's: rsp is 8 higher (the return address popped). */
static int at_return[16];
static int nhandlers;
static long iters;
static pthread_barrier_t start;
/* signals=N: a thread sends N SIGUSR1 round-robin to the workers, whose handler runs the handlers too. */
static long signals;
static atomic_long signal_calls;
static atomic_long workers_done;
static pthread_barrier_t finish;
static __thread struct pt_regs *thread_regs;
/* SIGWINCH (ignored by default) is counted: what bpf_send_signal sends in the helper tests. */
static atomic_long sigwinch;
static void on_sigwinch(int sig)
{
	(void)sig;
	atomic_fetch_add(&sigwinch, 1);
}

static void on_signal(int sig)
{
	(void)sig;
	if (!thread_regs)
		return;
	struct pt_regs regs = *thread_regs; /* the interrupted thread's registers, on the signal frame's stack */
	regs.rsp = (uint64_t)&regs - 64;
	for (int h = 0; h < nhandlers; h++) {
		regs.rip = (uint64_t)handlers[h];
		regs.rsp += at_return[h] ? 8 : 0;
		handlers[h](&regs);
		regs.rsp -= at_return[h] ? 8 : 0;
	}
	atomic_fetch_add(&signal_calls, 1);
}

static void die(const char *what)
{
	fprintf(stderr, "jit-harness: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *map_code(const char *file, uint64_t addr)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		die(file);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	size_t len = ((size_t)size + 4095) & ~(size_t)4095;
	void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != (void *)addr)
		die("mapping the code");
	if (fread(p, 1, (size_t)size, f) != (size_t)size)
		die("reading the code");
	fclose(f);
	if (mprotect(p, len, PROT_READ | PROT_EXEC))
		die("mprotect");
	return p;
}

static void *worker(void *arg)
{
	long index = (long)arg;
	char name[16];
	snprintf(name, sizeof name, "jitw%ld", index);
	prctl(PR_SET_NAME, name);
	struct pt_regs regs;
	memset(&regs, 0, sizeof regs);
	uint64_t *r = (uint64_t *)&regs;
	regs.rsp = (uint64_t)&regs - 64;
	thread_regs = &regs;
	pthread_barrier_wait(&start);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < iters; i++) {
		for (int s = 0; s < nspecs; s++) {
			struct reg_spec *sp = &specs[s];
			r[sp->index] = sp->kind == FIXED ? sp->value : sp->kind == STR ? (uint64_t)HARNESS_STRING : sp->kind == WILD_PTR ? WILD : sp->kind == THREAD ? (uint64_t)index : (uint64_t)i;
		}
		for (int h = 0; h < nhandlers; h++) {
			regs.rip = (uint64_t)handlers[h];
			uint64_t rdi = regs.rdi;
			if (at_return[h]) {
				regs.rsp += 8;
				regs.rdi = 0xbad; /* argument registers do not survive the call */
			}
			handlers[h](&regs);
			if (at_return[h]) {
				regs.rsp -= 8;
				regs.rdi = rdi;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (signals) {
		atomic_fetch_add(&workers_done, 1);
		pthread_barrier_wait(&finish); /* no signal comes after this */
	}
	pthread_barrier_wait(&start); /* every thread lives until all are done (they overlap) */
	long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	return (void *)(ns / (iters ? iters : 1));
}

/* This process's __vdso_clock_gettime, found as an engine finds it (dynsym of the vDSO image). */
static uint64_t vdso_clock_gettime(void)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return 0;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	uint64_t load = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			load = ph[i].p_vaddr;
			break;
		}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
			if (sym[k].st_value && !strcmp(str + sym[k].st_name, "__vdso_clock_gettime"))
				return (uint64_t)base + sym[k].st_value - load;
	}
	return 0;
}

static int layout(void)
{
#define P(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))
	P(utap_area, magic);
	P(utap_area, version);
	P(utap_area, flags);
	P(utap_area, nslots);
	P(utap_area, nmaps);
	P(utap_area, size);
	P(utap_area, slots_off);
	P(utap_area, maps_off);
	P(utap_area, no_slot_skips);
	P(utap_area, lock_skips);
	P(utap_area, pid);
	P(utap_area, tid_offset);
	P(utap_area, vdso_clock_gettime);
	printf("utap_area.size_ %zu\n", sizeof(struct utap_area));
	P(utap_slot, key);
	P(utap_slot, tid);
	printf("utap_slot.size_ %zu\n", sizeof(struct utap_slot));
	P(utap_map, type);
	P(utap_map, key_size);
	P(utap_map, value_size);
	P(utap_map, max_entries);
	P(utap_map, value_stride);
	P(utap_map, capacity);
	P(utap_map, entry_size);
	P(utap_map, key_stride);
	P(utap_map, data_off);
	P(utap_map, count);
	P(utap_map, lock);
	printf("utap_map.size_ %zu\n", sizeof(struct utap_map));
	const unsigned char keys[3][16] = {{1, 0, 0, 0}, {'a', 'b', 'c'}, {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 7}};
	printf("hash4 %u\nhash3 %u\nhash9 %u\n", utap_key_hash(keys[0], 4), utap_key_hash(keys[1], 3), utap_key_hash(keys[2], 9));
	unsigned char big[515];
	for (int i = 0; i < 515; i++)
		big[i] = (unsigned char)(i * 7 + 3);
	printf("hash512 %u\nhash515 %u\nhash30 %u\n", utap_key_hash(big, 512), utap_key_hash(big, 515), utap_key_hash(big + 1, 30));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "layout"))
		return layout();
	if (argc == 2 && !strcmp(argv[1], "vdso")) {
		/* prints where its vDSO clock is, then waits for stdin to close (so utap can look too) */
		uint64_t fs;
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
		printf("0x%llx 0x%llx %d\n", (unsigned long long)vdso_clock_gettime(), (unsigned long long)fs, (int)gettid());
		fflush(stdout);
		char buf[64];
		while (fread(buf, 1, sizeof buf, stdin) > 0)
			;
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "exec")) {
		uint64_t base = strtoull(argv[3], 0, 0);
		map_code(argv[2], base);
		handler_fn fn = (handler_fn)(base + strtoull(argv[4], 0, 0));
		static uint64_t ctx[512];
		if (fread(ctx, 1, sizeof ctx, stdin) != sizeof ctx)
			die("reading the context");
		fn(ctx);
		fwrite(ctx, 1, sizeof ctx, stdout);
		return 0;
	}
	if (argc >= 9 && !strcmp(argv[1], "run")) {
		uint64_t base = strtoull(argv[3], 0, 0);
		uint64_t area_addr = strtoull(argv[4], 0, 0);
		size_t area_size = strtoull(argv[5], 0, 0);
		long threads = strtol(argv[6], 0, 0);
		iters = strtol(argv[7], 0, 0);
		map_code(argv[2], base);
		void *area = mmap((void *)area_addr, area_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, 3, 0);
		if (area == MAP_FAILED || area != (void *)area_addr)
			die("mapping the shared area (fd 3)");
		for (char *s = argv[8]; *s && nhandlers < 16;) {
			handlers[nhandlers] = (handler_fn)(base + strtoull(s, &s, 0));
			if (*s == 'r') {
				at_return[nhandlers] = 1;
				s++;
			}
			nhandlers++;
			if (*s == ',')
				s++;
		}
		for (int a = 9; a < argc && nspecs < NREGS; a++) {
			char *eq = strchr(argv[a], '=');
			if (!strncmp(argv[a], "signals=", 8)) {
				signals = strtol(argv[a] + 8, 0, 0);
				continue;
			}
			if (!strcmp(argv[a], "pid")) {
				((struct utap_area *)area)->pid = (uint32_t)getpid(); /* as the engine writes the target's */
				continue;
			}
			if (!strcmp(argv[a], "vdso")) {
				/* the engine's part: the runtime reads the clock through this process's vDSO */
				((struct utap_area *)area)->vdso_clock_gettime = vdso_clock_gettime();
				continue;
			}
			if (!strncmp(argv[a], "tidoff=", 7)) {
				/* the engine's part: the offset, checked on this (main) thread first */
				uint64_t fs;
				uint32_t off = (uint32_t)strtoul(argv[a] + 7, 0, 0);
				__asm__ volatile("rdfsbase %0" : "=r"(fs));
				if (*(uint32_t *)(fs + off) == (uint32_t)gettid())
					((struct utap_area *)area)->tid_offset = off;
				continue;
			}
			if (!eq)
				continue;
			*eq = 0;
			int index = -1;
			for (int k = 0; k < NREGS; k++)
				if (!strcmp(REG_NAMES[k], argv[a]))
					index = k;
			if (index < 0) {
				fprintf(stderr, "jit-harness: no register %s\n", argv[a]);
				return 2;
			}
			const char *v = eq + 1;
			struct reg_spec sp = {index, FIXED, 0};
			if (!strcmp(v, "str"))
				sp.kind = STR;
			else if (!strcmp(v, "wild"))
				sp.kind = WILD_PTR;
			else if (!strcmp(v, "thread"))
				sp.kind = THREAD;
			else if (!strcmp(v, "iter"))
				sp.kind = ITER;
			else
				sp.value = strtoull(v, 0, 0);
			specs[nspecs++] = sp;
		}
		pthread_t t[256];
		if (threads < 1 || threads > 256)
			return 2;
		pthread_barrier_init(&start, 0, (unsigned)threads);
		pthread_barrier_init(&finish, 0, (unsigned)threads + 1);
		struct sigaction winch;
		memset(&winch, 0, sizeof winch);
		winch.sa_handler = on_sigwinch;
		winch.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &winch, 0);
		if (signals) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_signal;
			sa.sa_flags = SA_RESTART;
			sigaction(SIGUSR1, &sa, 0);
		}
		for (long i = 0; i < threads; i++)
			if (pthread_create(&t[i], 0, worker, (void *)i))
				die("pthread_create");
		if (signals) {
			long sent = 0;
			for (long k = 0; k < signals && atomic_load(&workers_done) < threads; k++) {
				if (pthread_kill(t[k % threads], SIGUSR1) == 0)
					sent++;
				if (k % 64 == 63)
					sched_yield();
			}
			pthread_barrier_wait(&finish);
			printf("signals_sent %ld\n", sent);
		}
		long total = 0;
		for (long i = 0; i < threads; i++) {
			void *ns;
			pthread_join(t[i], &ns);
			total += (long)ns;
		}
		printf("ns_per_iter %ld\n", total / threads);
		printf("signal_calls %ld\n", (long)atomic_load(&signal_calls));
		printf("sigwinch %ld\n", (long)atomic_load(&sigwinch));
		return 0;
	}
	fprintf(stderr, "usage: jit-harness layout | exec CODE ADDR OFF | run CODE ADDR AREA_ADDR AREA_SIZE THREADS ITERS OFFS [REG=V...]\n");
	return 2;
}
