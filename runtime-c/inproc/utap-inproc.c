/*
 * The in-target runtime of the in-process engine: the eBPF helpers a JITted handler calls
 * (tracer/engine/inproc/jit/helpers.ts lists which), working on the shared area
 * (utap-inproc-layout.h).
 *
 * Why freestanding C and not code generated from TypeScript: these are a hash table, a ring
 * buffer and fault-safe copies, ordinary code that a compiler gets right and fast, and that the
 * harness (jit-harness.c) and utap's readers check from both sides; generating them from TS would
 * mean writing and testing a second, hand-rolled backend for loops and atomics. The JIT stays
 * the only TS code generator.
 *
 * Rules, because it runs inside someone else's process, possibly in a signal handler or while
 * the thread holds a libc lock:
 *   - no libc: raw system calls only; no data, no relocations (built to raw bytes at base 0,
 *     position-independent; the Makefile checks there is nothing but .text);
 *   - general registers only (-mgeneral-regs-only): the trampoline saves only those;
 *   - nothing blocks forever: a map lock held by the same thread (a signal handler re-entering)
 *     gives up at once, one held by another thread is waited for a bounded time; both are counted;
 *   - target memory is read only through process_vm_readv on the process's own pid, which fails
 *     with EFAULT instead of faulting (the kernel's -EFAULT, as bpf_probe_read_user gives).
 *
 * Calling convention: each exported function takes the eBPF helper's arguments r1-r5 in rdi, rsi,
 * rdx, rcx, r8 and the shared area's address in r9 (the JIT loads it before each call).
 */
#include <stdint.h>
#include "utap-inproc-layout.h"

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint8_t u8;

#define EXPORT __attribute__((visibility("default"), used, noinline))
#define INLINE static inline __attribute__((always_inline))

#define ENOENT 2
#define E2BIG 7
#define EAGAIN 11
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define BPF_NOEXIST 1
#define BPF_EXIST 2

#define NR_getpid 39
#define NR_getuid 102
#define NR_getgid 104
#define NR_prctl 157
#define NR_gettid 186
#define NR_clock_gettime 228
#define NR_sched_yield 24
#define NR_process_vm_readv 310
#define NR_tgkill 234
#define NR_kill 62
#define ESRCH 3
#define PR_GET_NAME 16
#define CLOCK_MONOTONIC 1

INLINE long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)

/* gcc may emit calls to these for copies; they are the blob's own. */
EXPORT void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *dd = d;
	const u8 *ss = s;
	while (n--)
		*dd++ = *ss++;
	return d;
}
EXPORT void *memset(void *d, int c, unsigned long n)
{
	u8 *dd = d;
	while (n--)
		*dd++ = (u8)c;
	return d;
}

typedef u64 __attribute__((may_alias, aligned(1))) u64u;

INLINE void copy(void *d, const void *s, u64 n)
{
	u8 *d1 = d;
	const u8 *s1 = s;
	for (; n >= 8; n -= 8, d1 += 8, s1 += 8)
		*(u64u *)d1 = *(const u64u *)s1;
	while (n--)
		*d1++ = *s1++;
}

INLINE void zero(void *d, u64 n)
{
	u8 *d1 = d;
	for (; n >= 8; n -= 8, d1 += 8)
		*(u64u *)d1 = 0;
	while (n--)
		*d1++ = 0;
}

INLINE int same(const u8 *a, const u8 *b, u32 n)
{
	u32 i = 0;
	for (; i + 8 <= n; i += 8)
		if (*(const u64u *)(a + i) != *(const u64u *)(b + i))
			return 0;
	for (; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

INLINE u8 *at(struct utap_area *a, u64 off)
{
	return (u8 *)a + off;
}

INLINE void count_up(u64 *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* ───────────── threads ───────────── */

INLINE u32 self_pid(struct utap_area *a)
{
	return a->pid ? a->pid : (u32)sys0(NR_getpid);
}

#define TID_KEY (1ull << 62)

/*
 * What tells this thread from the others, without a system call when the CPU lets user space
 * read the fs base (every glibc thread has its own TLS block; the x86-64 TLS ABI points fs at
 * it). Otherwise the tid. Keys of both kinds are never 0 or 1.
 */
INLINE u64 thread_key(struct utap_area *a)
{
	if (a->flags & UTAP_AREA_FSGSBASE) {
		u64 fs;
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
		if (fs > 1)
			return fs;
	}
	return (u64)sys0(NR_gettid) | TID_KEY;
}

/* This thread's slot (its part of every per-CPU map), claimed on its first hit; -1 when all are taken. */
static int thread_slot(struct utap_area *a)
{
	u64 key = thread_key(a);
	u32 n = a->nslots;
	struct utap_slot *slots = (struct utap_slot *)at(a, a->slots_off);
	u32 h = (u32)((key * 0x9e3779b97f4a7c15ull) >> 40) & (n - 1);
	for (u32 i = 0; i < n; i++) {
		struct utap_slot *s = &slots[(h + i) & (n - 1)];
		u64 k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		if (k == key)
			return (int)((h + i) & (n - 1));
		if (k == 0) {
			u64 expected = 0;
			if (__atomic_compare_exchange_n(&s->key, &expected, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				s->tid = (u32)sys0(NR_gettid);
				return (int)((h + i) & (n - 1));
			}
		}
	}
	/*
	 * All taken: a slot keyed by the tid of a thread that has exited is taken over (its values
	 * stay, summed as before). Slots keyed by fs base are not: a new thread often gets an exited
	 * one's TLS block, and with it its slot, and a tid recorded at claim time may be stale.
	 */
	u32 pid = self_pid(a);
	for (u32 i = 0; i < n; i++) {
		struct utap_slot *s = &slots[i];
		u64 k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		if (!(k & TID_KEY) || sys6(NR_tgkill, pid, (long)(u32)k, 0, 0, 0, 0) != -ESRCH)
			continue;
		if (__atomic_compare_exchange_n(&s->key, &k, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			s->tid = (u32)sys0(NR_gettid);
			return (int)i;
		}
	}
	count_up(&a->no_slot_skips);
	return -1;
}

/* ───────────── map locks ───────────── */

/*
 * A lock held by another thread is waited for: its holder is inside a short insert or delete, or
 * preempted there (the wait yields the CPU; it gives up only after about a million rounds, since a
 * failed update reads as a full array to the handler). One held by this same thread is a signal
 * handler's hit nested in that insert: it can never be released while we wait, so it fails at once
 * (-EBUSY, as the kernel's hash maps answer a nested program on the same CPU).
 */
static int lock_map(struct utap_area *a, struct utap_map *m)
{
	u64 me = thread_key(a);
	for (u32 round = 0; round < (1u << 20); round++) {
		for (u32 spin = 0; spin < 256; spin++) {
			u64 holder = __atomic_load_n(&m->lock, __ATOMIC_RELAXED);
			if (holder == 0) {
				u64 expected = 0;
				if (__atomic_compare_exchange_n(&m->lock, &expected, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
					return 0;
			} else if (holder == me) {
				count_up(&a->lock_skips);
				return -EBUSY;
			}
			__builtin_ia32_pause();
		}
		sys0(NR_sched_yield);
	}
	count_up(&a->lock_skips);
	return -EBUSY;
}

INLINE void unlock_map(struct utap_map *m)
{
	__atomic_store_n(&m->lock, 0, __ATOMIC_RELEASE);
}

/* ───────────── hash maps ───────────── */

INLINE u8 *hash_entry(struct utap_area *a, struct utap_map *m, u32 i)
{
	return at(a, m->data_off) + (u64)i * m->entry_size;
}

INLINE u32 *entry_state(u8 *e)
{
	return (u32 *)e;
}

INLINE u8 *entry_value(struct utap_map *m, u8 *e)
{
	return e + UTAP_HASH_ENTRY_HEADER + m->key_stride;
}

static u8 *hash_lookup(struct utap_area *a, struct utap_map *m, const u8 *key)
{
	u32 h = utap_key_hash(key, m->key_size);
	u32 mask = m->capacity - 1;
	for (u32 attempt = 0; attempt < 8; attempt++) {
		u32 i = h & mask;
		int changed = 0;
		for (u32 probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
			u8 *e = hash_entry(a, m, i);
			u32 st = __atomic_load_n(entry_state(e), __ATOMIC_ACQUIRE);
			u32 kind = st & 3;
			if (kind == UTAP_ENTRY_EMPTY)
				return 0;
			if (kind != UTAP_ENTRY_LIVE || ((u32 *)e)[1] != h || !same(e + UTAP_HASH_ENTRY_HEADER, key, m->key_size))
				continue;
			if (__atomic_load_n(entry_state(e), __ATOMIC_ACQUIRE) == st)
				return e;
			changed = 1; /* rewritten while compared: look again */
			break;
		}
		if (!changed)
			return 0;
	}
	return 0;
}

/* The entry of `key` (under the lock): its index, or -1 with *free_at the first reusable index (or -1). */
static int hash_find_locked(struct utap_area *a, struct utap_map *m, const u8 *key, u32 h, int *free_at)
{
	u32 mask = m->capacity - 1;
	u32 i = h & mask;
	*free_at = -1;
	for (u32 probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
		u8 *e = hash_entry(a, m, i);
		u32 kind = *entry_state(e) & 3;
		if (kind == UTAP_ENTRY_EMPTY) {
			if (*free_at < 0)
				*free_at = (int)i;
			return -1;
		}
		if (kind == UTAP_ENTRY_DELETED) {
			if (*free_at < 0)
				*free_at = (int)i;
			continue;
		}
		if (((u32 *)e)[1] == h && same(e + UTAP_HASH_ENTRY_HEADER, key, m->key_size))
			return (int)i;
	}
	return -1;
}

INLINE void set_state(u8 *e, u32 kind)
{
	u32 st = *entry_state(e);
	__atomic_store_n(entry_state(e), (((st >> 2) + 1) << 2) | kind, __ATOMIC_RELEASE);
}

static void hash_remove_locked(struct utap_area *a, struct utap_map *m, u32 i);

/*
 * LRU_HASH when full: makes room by evicting the first live entry after the new key's home
 * position (no access times are kept: the entry evicted is arbitrary, not the least recently
 * used; for the entry captures of .return probes, the calls that never returned are the ones that
 * stay longest, so they are the likeliest met). Returns 1 with *free_at set when there is room.
 */
static int lru_evict(struct utap_area *a, struct utap_map *m, u32 h, int *free_at)
{
	u32 mask = m->capacity - 1;
	for (u32 probe = 1; probe <= mask + 1; probe++) {
		u32 i = (h + probe) & mask;
		if ((*entry_state(hash_entry(a, m, i)) & 3) == UTAP_ENTRY_LIVE) {
			hash_remove_locked(a, m, i);
			break;
		}
	}
	if (m->count >= m->max_entries)
		return 0;
	if (*free_at < 0) {
		/* the table is larger than max_entries: some entry on the probe sequence is reusable */
		for (u32 probe = 0; probe <= mask; probe++) {
			u32 kind = *entry_state(hash_entry(a, m, (h + probe) & mask)) & 3;
			if (kind == UTAP_ENTRY_EMPTY || kind == UTAP_ENTRY_DELETED) {
				*free_at = (int)((h + probe) & mask);
				break;
			}
		}
	}
	return *free_at >= 0;
}

static long hash_update(struct utap_area *a, struct utap_map *m, const u8 *key, const u8 *value, u64 flags)
{
	int percpu = m->type == UTAP_MAP_TYPE_PERCPU_HASH;
	int slot = 0;
	if (percpu && (slot = thread_slot(a)) < 0)
		return -EBUSY;
	u32 h = utap_key_hash(key, m->key_size);
	long r = lock_map(a, m);
	if (r)
		return r;
	int free_at;
	int i = hash_find_locked(a, m, key, h, &free_at);
	if (i >= 0) {
		if (flags == BPF_NOEXIST) {
			r = -EEXIST;
		} else {
			u8 *v = entry_value(m, hash_entry(a, m, (u32)i)) + (u64)slot * m->value_stride;
			copy(v, value, m->value_size);
		}
	} else if (flags == BPF_EXIST) {
		r = -ENOENT;
	} else if ((m->count >= m->max_entries || free_at < 0) && !(m->type == UTAP_MAP_TYPE_LRU_HASH && lru_evict(a, m, h, &free_at))) {
		r = -E2BIG;
	} else {
		u8 *e = hash_entry(a, m, (u32)free_at);
		set_state(e, UTAP_ENTRY_BUSY);
		((u32 *)e)[1] = h;
		copy(e + UTAP_HASH_ENTRY_HEADER, key, m->key_size);
		u8 *v = entry_value(m, e);
		if (percpu) {
			zero(v, (u64)a->nslots * m->value_stride);
			v += (u64)slot * m->value_stride;
		}
		copy(v, value, m->value_size);
		set_state(e, UTAP_ENTRY_LIVE);
		__atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELAXED);
	}
	unlock_map(m);
	return r;
}

static long hash_delete(struct utap_area *a, struct utap_map *m, const u8 *key)
{
	u32 h = utap_key_hash(key, m->key_size);
	long r = lock_map(a, m);
	if (r)
		return r;
	int free_at;
	int i = hash_find_locked(a, m, key, h, &free_at);
	if (i < 0)
		r = -ENOENT;
	else
		hash_remove_locked(a, m, (u32)i);
	unlock_map(m);
	return r;
}

static void hash_remove_locked(struct utap_area *a, struct utap_map *m, u32 i)
{
	u32 mask = m->capacity - 1;
	set_state(hash_entry(a, m, i), UTAP_ENTRY_DELETED);
	__atomic_store_n(&m->count, m->count - 1, __ATOMIC_RELAXED);
	/*
	 * A deleted entry just before an empty one ends no probe sequence that continues: it
	 * becomes empty, and so do the deleted ones before it (tables with insert/delete churn,
	 * like the entry captures of a .return probe, would else fill with deleted entries).
	 */
	u32 j = i;
	while ((*entry_state(hash_entry(a, m, (j + 1) & mask)) & 3) == UTAP_ENTRY_EMPTY &&
	       (*entry_state(hash_entry(a, m, j)) & 3) == UTAP_ENTRY_DELETED) {
		set_state(hash_entry(a, m, j), UTAP_ENTRY_EMPTY);
		j = (j - 1) & mask;
	}
}

/* ───────────── the map helpers ───────────── */

EXPORT u64 utap_map_lookup_elem(struct utap_map *m, const void *key, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	switch (m->type) {
	case UTAP_MAP_TYPE_ARRAY: {
		u32 i = *(const u32 *)key;
		return i < m->max_entries ? (u64)(at(a, m->data_off) + (u64)i * m->value_stride) : 0;
	}
	case UTAP_MAP_TYPE_PERCPU_ARRAY: {
		u32 i = *(const u32 *)key;
		if (i >= m->max_entries)
			return 0;
		int slot = thread_slot(a);
		return slot < 0 ? 0 : (u64)(at(a, m->data_off) + ((u64)i * a->nslots + (u32)slot) * m->value_stride);
	}
	case UTAP_MAP_TYPE_HASH:
	case UTAP_MAP_TYPE_LRU_HASH:
		{
			u8 *e = hash_lookup(a, m, key);
			return e ? (u64)entry_value(m, e) : 0;
		}
	case UTAP_MAP_TYPE_PERCPU_HASH: {
		u8 *e = hash_lookup(a, m, key);
		if (!e)
			return 0;
		int slot = thread_slot(a);
		return slot < 0 ? 0 : (u64)(entry_value(m, e) + (u64)(u32)slot * m->value_stride);
	}
	}
	return 0;
}

EXPORT long utap_map_update_elem(struct utap_map *m, const void *key, const void *value, u64 flags, u64 r5, struct utap_area *a)
{
	switch (m->type) {
	case UTAP_MAP_TYPE_ARRAY:
	case UTAP_MAP_TYPE_PERCPU_ARRAY: {
		u32 i = *(const u32 *)key;
		if (i >= m->max_entries)
			return -E2BIG;
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		u64 index = i;
		if (m->type == UTAP_MAP_TYPE_PERCPU_ARRAY) {
			int slot = thread_slot(a);
			if (slot < 0)
				return -EBUSY;
			index = (u64)i * a->nslots + (u32)slot;
		}
		copy(at(a, m->data_off) + index * m->value_stride, value, m->value_size);
		return 0;
	}
	case UTAP_MAP_TYPE_HASH:
	case UTAP_MAP_TYPE_LRU_HASH:
	case UTAP_MAP_TYPE_PERCPU_HASH:
		return hash_update(a, m, key, value, flags);
	}
	return -EINVAL;
}

EXPORT long utap_map_delete_elem(struct utap_map *m, const void *key, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	switch (m->type) {
	case UTAP_MAP_TYPE_HASH:
	case UTAP_MAP_TYPE_LRU_HASH:
	case UTAP_MAP_TYPE_PERCPU_HASH:
		return hash_delete(a, m, key);
	}
	return -EINVAL;
}

/* ───────────── the record ring ───────────── */

EXPORT u64 utap_ringbuf_reserve(struct utap_map *m, u64 size, u64 flags, u64 r4, u64 r5, struct utap_area *a)
{
	if (m->type != UTAP_MAP_TYPE_RINGBUF || size == 0 || size > m->capacity / 4 || (size & (UTAP_RINGBUF_BUSY_BIT | UTAP_RINGBUF_DISCARD_BIT)))
		return 0;
	u8 *ring = at(a, m->data_off);
	u64 *consumer = (u64 *)ring;
	u64 *producer = (u64 *)(ring + UTAP_RING_PRODUCER);
	u8 *data = ring + UTAP_RING_DATA;
	u64 cap = m->capacity;
	u64 need = (size + UTAP_RINGBUF_HDR_SZ + 7) & ~7ull;
	u64 p, pad;
	for (;;) {
		p = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
		u64 c = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
		u64 off = p & (cap - 1);
		pad = off + need > cap ? cap - off : 0;
		if (p + pad + need - c > cap)
			return 0;
		if (__atomic_compare_exchange_n(producer, &p, p + pad + need, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	if (pad)
		__atomic_store_n((u32 *)(data + (p & (cap - 1))), (u32)(pad - UTAP_RINGBUF_HDR_SZ) | UTAP_RINGBUF_DISCARD_BIT, __ATOMIC_RELEASE);
	u8 *hdr = data + ((p + pad) & (cap - 1));
	__atomic_store_n((u32 *)hdr, (u32)size | UTAP_RINGBUF_BUSY_BIT, __ATOMIC_RELEASE);
	return (u64)(hdr + UTAP_RINGBUF_HDR_SZ);
}

INLINE void ring_commit(void *sample, u32 bits)
{
	u32 *hdr = (u32 *)((u8 *)sample - UTAP_RINGBUF_HDR_SZ);
	u32 len = *hdr & ~(UTAP_RINGBUF_BUSY_BIT | UTAP_RINGBUF_DISCARD_BIT);
	__atomic_store_n(hdr, len | bits, __ATOMIC_RELEASE);
}

EXPORT void utap_ringbuf_submit(void *sample, u64 flags, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	ring_commit(sample, 0);
}

EXPORT void utap_ringbuf_discard(void *sample, u64 flags, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	ring_commit(sample, UTAP_RINGBUF_DISCARD_BIT);
}

EXPORT long utap_ringbuf_output(struct utap_map *m, const void *data, u64 size, u64 flags, u64 r5, struct utap_area *a)
{
	u8 *to = (u8 *)utap_ringbuf_reserve(m, size, flags, 0, 0, a);
	if (!to)
		return -EAGAIN;
	copy(to, data, size);
	ring_commit(to, 0);
	return 0;
}

/* ───────────── memory reads ───────────── */

struct iovec_k {
	u64 base, len;
};

INLINE int in_area(struct utap_area *a, u64 p, u64 n)
{
	return p >= (u64)a && n <= a->size && p - (u64)a <= a->size - n;
}

/* Reads n bytes of this process at src; the count read (short at a fault), or a negative errno. */
INLINE long read_self(struct utap_area *a, void *dst, u64 src, u64 n)
{
	struct iovec_k local = {(u64)dst, n}, remote = {src, n};
	return sys6(NR_process_vm_readv, self_pid(a), (long)&local, 1, (long)&remote, 1, 0);
}

/*
 * bpf_probe_read_user / _kernel / copy_from_user: 0, or -EFAULT with dst zeroed. The shared area
 * (the handler's scratch and map values, which the generator copies between) is always mapped
 * and copied directly; anything else goes through process_vm_readv.
 */
EXPORT long utap_probe_read(void *dst, u64 size, u64 src, u64 r4, u64 r5, struct utap_area *a)
{
	if (size == 0)
		return 0;
	if (in_area(a, src, size)) {
		copy(dst, (const void *)src, size);
		return 0;
	}
	if (read_self(a, dst, src, size) == (long)size)
		return 0;
	zero(dst, size);
	return -EFAULT;
}

/*
 * bpf_probe_read_user_str / _kernel_str: copies up to size-1 bytes and a NUL; returns the length
 * with the NUL, or -EFAULT (dst zeroed) when a fault comes before the NUL.
 */
EXPORT long utap_probe_read_str(u8 *dst, u64 size, u64 src, u64 r4, u64 r5, struct utap_area *a)
{
	if (size == 0)
		return 0;
	u64 done = 0;
	if (in_area(a, src, 1)) {
		u64 room = a->size - (src - (u64)a);
		const u8 *s = (const u8 *)src;
		while (done < size - 1 && done < room && s[done]) {
			dst[done] = s[done];
			done++;
		}
		dst[done] = 0;
		return (long)done + 1;
	}
	while (done < size - 1) {
		u64 p = src + done;
		u64 chunk = 4096 - (p & 4095);
		if (chunk > size - 1 - done)
			chunk = size - 1 - done;
		long n = read_self(a, dst + done, p, chunk);
		if (n <= 0) {
			zero(dst, size);
			return -EFAULT;
		}
		for (long k = 0; k < n; k++)
			if (dst[done + k] == 0)
				return (long)(done + k) + 1;
		done += (u64)n;
		if ((u64)n < chunk) {
			zero(dst, size);
			return -EFAULT;
		}
	}
	dst[done] = 0;
	return (long)done + 1;
}

/* ───────────── context ───────────── */

EXPORT u64 utap_ktime_get_ns(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	struct {
		long sec, nsec;
	} ts = {0, 0};
	if (a->vdso_clock_gettime)
		((long (*)(long, void *))a->vdso_clock_gettime)(CLOCK_MONOTONIC, &ts);
	else
		sys2(NR_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (u64)ts.sec * 1000000000ull + (u64)ts.nsec;
}

/* The CPU number the kernel keeps in the limit of the per-CPU GDT segment (what the vDSO's getcpu reads). */
EXPORT u64 utap_get_smp_processor_id(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	u32 p = 0;
	__asm__ volatile("lsl %1, %0" : "+r"(p) : "r"(0x7bu) : "cc");
	return p & 0xfff;
}

/*
 * The thread id: from the thread's TLS block when utap checked, on every thread of the target,
 * that the C library keeps it at fs base + tid_offset (glibc's struct pthread does, and writes it
 * before the thread runs; the kernel clears it at the thread's exit); else gettid.
 */
INLINE u32 current_tid(struct utap_area *a)
{
	if (a->tid_offset && (a->flags & UTAP_AREA_FSGSBASE)) {
		u64 fs;
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
		if (fs > 1) {
			u32 tid = *(volatile u32 *)(fs + a->tid_offset);
			if (tid)
				return tid;
		}
	}
	return (u32)sys0(NR_gettid);
}

EXPORT u64 utap_get_current_pid_tgid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	return ((u64)self_pid(a) << 32) | current_tid(a);
}

EXPORT u64 utap_get_current_uid_gid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	return ((u64)(u32)sys0(NR_getgid) << 32) | (u32)sys0(NR_getuid);
}

/* bpf_send_signal: the signal to the whole process, as the kernel helper sends it. */
EXPORT long utap_send_signal(u64 sig, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	long r = sys6(NR_kill, self_pid(a), (long)(u32)sig, 0, 0, 0, 0);
	return r < 0 ? r : 0;
}

/* bpf_send_signal_thread: to this thread only. */
EXPORT long utap_send_signal_thread(u64 sig, u64 r2, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	long r = sys6(NR_tgkill, self_pid(a), (long)current_tid(a), (long)(u32)sig, 0, 0, 0);
	return r < 0 ? r : 0;
}

/* The thread's name (prctl PR_GET_NAME, the kernel's comm), NUL-padded to size. */
EXPORT long utap_get_current_comm(u8 *buf, u64 size, u64 r3, u64 r4, u64 r5, struct utap_area *a)
{
	u8 name[16];
	zero(name, sizeof name);
	if (size == 0)
		return -EINVAL;
	sys2(NR_prctl, PR_GET_NAME, name);
	u64 i = 0;
	for (; i < size - 1 && i < 15 && name[i]; i++)
		buf[i] = name[i];
	for (; i < size; i++)
		buf[i] = 0;
	return 0;
}
