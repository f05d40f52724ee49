/*
 * The healer: a SIGTRAP handler the ptrace engine places inside the traced process, so that
 * the process survives utap being killed (SIGKILL, OOM) with breakpoints in its code.
 *
 * While utap lives, the tracer sees every SIGTRAP first and this handler only runs for traps
 * that are the program's own (utap passes those on). When utap dies, the kernel detaches every
 * thread; a thread stopped at one of utap's int3s then gets its SIGTRAP delivered (utap leaves
 * those stops uncollected, with the thread's rip put back on the int3: utap_wait_event), and any
 * thread that later reaches an int3 of utap's traps. Each such trap lands here and:
 *   - puts back every original byte utap replaced (from the table utap keeps in the process),
 *   - sends the thread to the instruction it was about to run: the breakpoint's own address,
 *     or, at the return trampoline of a .return probe, the real return address (from the
 *     thread's frames in the table),
 *   - and passes any other trap to what the program had installed for SIGTRAP (its handler,
 *     or the default action: reset and raise again).
 *
 * Built freestanding into raw position-independent bytes (build/utap-healer.bin): no libc, no
 * data, no relocations; raw system calls only. utap copies the bytes into its code area and
 * enters them through a thunk that loads the table's address into the fourth argument register.
 * Only utap_heal may be a real function (everything else is always_inline), so it starts at
 * offset 0 of the output; the Makefile checks that.
 */
#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

/* Layout of the table: tracer/engine/ptrace/healer-layout.ts holds the same numbers. */
struct sigaction_k {
	uint64_t handler, flags, restorer, mask;
};
struct area {
	uint64_t start, size;
};
struct breakpoint {
	uint64_t address, original;
};
struct frame {
	uint64_t stack_slot, return_address;
};
struct table {
	uint64_t magic;              /* 0 */
	uint64_t lock;               /* 8: held while bytes are put back */
	uint64_t trampoline;         /* 16: address of the return trampoline's int3 */
	uint64_t break_count;        /* 24 */
	uint64_t area_count;         /* 32 */
	uint64_t thread_slots;       /* 40 */
	uint64_t frames_per_thread;  /* 48 */
	uint64_t breaks_offset;      /* 56 */
	uint64_t threads_offset;     /* 64 */
	uint64_t healed;             /* 72 */
	struct sigaction_k original; /* 80: the program's SIGTRAP action before utap's */
	struct sigaction_k installed; /* 112: the healer's own action (utap installs it from here) */
	char mem_path[16];           /* 144: "/proc/self/mem" */
	uint64_t reserved[4];        /* 160 */
	struct area areas[16];       /* 192 */
	uint64_t log_count;          /* 448: what the healer did, for a post-mortem (the last 64) */
	struct log_entry {
		int64_t tid;
		uint64_t what, rip, resumed;
	} log[64];                   /* 456 */
};

/* The offsets healer-layout.ts writes at. */
_Static_assert(__builtin_offsetof(struct table, break_count) == 24, "layout");
_Static_assert(__builtin_offsetof(struct table, healed) == 72, "layout");
_Static_assert(__builtin_offsetof(struct table, original) == 80, "layout");
_Static_assert(__builtin_offsetof(struct table, installed) == 112, "layout");
_Static_assert(__builtin_offsetof(struct table, mem_path) == 144, "layout");
_Static_assert(__builtin_offsetof(struct table, areas) == 192, "layout");
_Static_assert(__builtin_offsetof(struct table, log) == 456, "layout");
_Static_assert(sizeof(struct table) <= 4096, "the breakpoints start at 4096");

/* A thread slot: tid, depth, then frames_per_thread frames. */
struct thread_slot {
	int64_t tid;
	uint64_t depth;
	struct frame frames[];
};

/* <signal.h> and <sys/ucontext.h> numbers, spelt out to stay freestanding. */
#define SIGTRAP 5
#define SA_SIGINFO 4
#define SI_KERNEL 0x80
#define SI_USER 0
#define REG_RSP 15
#define REG_RIP 16
#define REG_EFL 17
#define EFLAGS_TF 0x100
#define UC_GREGS_OFFSET 40
/* bytes at the start of every code area before its first slot (see code-area.ts) */
#define AREA_HEAD 64
#define SI_CODE_OFFSET 8

#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_mprotect 10
#define NR_rt_sigaction 13
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_sched_yield 24
#define NR_getpid 39
#define NR_gettid 186
#define NR_tgkill 234
#define O_RDWR 2
#define O_CLOEXEC 0x80000
#define PROT_RX 5
#define PROT_RWX 7

INLINE long sys(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

/* What the healer did, kept in its table (utap reads nothing back; it is for a post-mortem). */
#define LOG_BREAKPOINT 1
#define LOG_RETURN 2
#define LOG_SLOT 3
#define LOG_STALE 4
#define LOG_CHAIN 5

INLINE void note(struct table *t, uint64_t what, uint64_t rip, uint64_t resumed)
{
	uint64_t i = __atomic_fetch_add(&t->log_count, 1, __ATOMIC_RELAXED) % 64;
	t->log[i].tid = sys(NR_gettid, 0, 0, 0, 0);
	t->log[i].what = what;
	t->log[i].rip = rip;
	t->log[i].resumed = resumed;
}

INLINE void lock(struct table *t)
{
	while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE))
		sys(NR_sched_yield, 0, 0, 0, 0);
}

INLINE void unlock(struct table *t) { __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE); }

/*
 * Puts back every original byte that still holds utap's int3. Through /proc/self/mem (which
 * writes read-only text the way a debugger does, and reads an unmapped address as an error,
 * not a fault); without /proc, by making the page writable for the write.
 */
INLINE void heal_all(struct table *t)
{
	if (__atomic_load_n(&t->healed, __ATOMIC_ACQUIRE))
		return;
	lock(t);
	if (!t->healed) {
		struct breakpoint *b = (struct breakpoint *)((char *)t + t->breaks_offset);
		long fd = sys(NR_open, (long)t->mem_path, O_RDWR | O_CLOEXEC, 0, 0);
		for (uint64_t i = 0; i < t->break_count; i++) {
			uint8_t original = (uint8_t)b[i].original, now = 0;
			if (fd >= 0) {
				if (sys(NR_pread64, fd, (long)&now, 1, (long)b[i].address) == 1 && now == 0xcc)
					sys(NR_pwrite64, fd, (long)&original, 1, (long)b[i].address);
				continue;
			}
			long page = (long)(b[i].address & ~4095ull);
			if (sys(NR_mprotect, page, 4096, PROT_RWX, 0) != 0)
				continue; /* unmapped since (a library unloaded) */
			volatile uint8_t *p = (volatile uint8_t *)b[i].address;
			if (*p == 0xcc)
				*p = original;
			sys(NR_mprotect, page, 4096, PROT_RX, 0);
		}
		if (fd >= 0)
			sys(NR_close, fd, 0, 0, 0);
		__atomic_store_n(&t->healed, 1, __ATOMIC_RELEASE);
	}
	unlock(t);
}

INLINE int is_breakpoint(struct table *t, uint64_t address)
{
	struct breakpoint *b = (struct breakpoint *)((char *)t + t->breaks_offset);
	for (uint64_t i = 0; i < t->break_count; i++)
		if (b[i].address == address)
			return 1;
	return 0;
}

/* In an area's out-of-line slots (past its head: the injection stub, the trampoline, this code). */
INLINE int in_slots(struct table *t, uint64_t address)
{
	for (uint64_t i = 0; i < t->area_count && i < 16; i++)
		if (address >= t->areas[i].start + AREA_HEAD && address - t->areas[i].start < t->areas[i].size)
			return 1;
	return 0;
}

/* At the return trampoline: the frame whose return address sat just below rsp, popped. */
INLINE uint64_t pop_return(struct table *t, uint64_t rsp)
{
	long tid = sys(NR_gettid, 0, 0, 0, 0);
	uint64_t stride = sizeof(struct thread_slot) + t->frames_per_thread * sizeof(struct frame);
	char *slots = (char *)t + t->threads_offset;
	for (uint64_t s = 0; s < t->thread_slots; s++) {
		struct thread_slot *slot = (struct thread_slot *)(slots + s * stride);
		if (slot->tid != tid)
			continue;
		uint64_t depth = slot->depth < t->frames_per_thread ? slot->depth : t->frames_per_thread;
		for (uint64_t i = depth; i-- > 0;) {
			if (slot->frames[i].stack_slot + 8 == rsp) {
				slot->depth = i;
				return slot->frames[i].return_address;
			}
		}
		return 0;
	}
	return 0;
}

/* A trap that is not utap's: what the program had for SIGTRAP decides. */
INLINE void chain(int sig, void *info, void *context, struct table *t)
{
	uint64_t handler = t->original.handler;
	int code = *(int *)((char *)info + SI_CODE_OFFSET);
	if (handler > 1) {
		if (t->original.flags & SA_SIGINFO)
			((void (*)(int, void *, void *))handler)(sig, info, context);
		else
			((void (*)(int))handler)(sig);
		return;
	}
	if (handler == 1 && code != SI_KERNEL && code <= SI_USER)
		return; /* a SIGTRAP sent to a program that ignores it */
	/* the default action: put it back and raise the signal again; it is delivered (and ends
	   the process, as it would have without utap) as soon as this handler returns */
	struct sigaction_k fallback;
	fallback.handler = 0;
	fallback.flags = t->installed.flags & ~(uint64_t)SA_SIGINFO;
	fallback.restorer = t->installed.restorer;
	fallback.mask = 0;
	sys(NR_rt_sigaction, SIGTRAP, (long)&fallback, 0, 8);
	sys(NR_tgkill, sys(NR_getpid, 0, 0, 0, 0), sys(NR_gettid, 0, 0, 0, 0), SIGTRAP, 0);
}

void utap_heal(int sig, void *info, void *context, struct table *t)
{
	uint64_t *gregs = (uint64_t *)((char *)context + UC_GREGS_OFFSET);
	uint64_t rip = gregs[REG_RIP];
	int code = *(int *)((char *)info + SI_CODE_OFFSET);
	if (code != SI_KERNEL) {
		note(t, LOG_CHAIN, rip, 0);
		chain(sig, info, context, t);
		return;
	}
	/* utap had put the thread back on the int3 (utap_wait_event) when it died: run it from there */
	if (is_breakpoint(t, rip) || (t->trampoline && rip == t->trampoline)) {
		note(t, LOG_STALE, rip, rip);
		heal_all(t);
		return;
	}
	/* int3 traps report rip after the int3 byte */
	if (is_breakpoint(t, rip - 1)) {
		heal_all(t);
		gregs[REG_RIP] = rip - 1;
		note(t, LOG_BREAKPOINT, rip, rip - 1);
		return;
	}
	if (t->trampoline && rip - 1 == t->trampoline) {
		uint64_t back = pop_return(t, gregs[REG_RSP]);
		note(t, LOG_RETURN, rip, back);
		if (back) {
			heal_all(t);
			gregs[REG_RIP] = back;
			return;
		}
		chain(sig, info, context, t);
		return;
	}
	if (in_slots(t, rip)) {
		/* utap had already sent the thread into an out-of-line copy when it died: go on there */
		note(t, LOG_SLOT, rip, rip);
		heal_all(t);
		return;
	}
	/*
	 * Not after an int3 byte: the trap of a stop utap had finished handling (it had already set
	 * the registers the thread resumes with) when it died. Resume as they are.
	 */
	if ((rip & 4095) == 0 || *(volatile uint8_t *)(rip - 1) != 0xcc) {
		note(t, LOG_STALE, rip, rip);
		return;
	}
	note(t, LOG_CHAIN, rip, 0);
	chain(sig, info, context, t);
}
