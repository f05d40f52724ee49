/*
 * The shared area of the in-process engine: one memfd mapped both in the traced process (where
 * the JITted handlers and utap-inproc.c's helpers use it) and in utap (which reads the maps and
 * the record ring). tracer/engine/inproc/jit/area-layout.ts holds the same numbers; the harness
 * prints these offsets and a test compares them.
 *
 *   header (256 bytes) | thread slots (nslots x 16) | map descriptors (nmaps x 64) | map data...
 *
 * All offsets are from the area's start, so each side may map it anywhere.
 */
#ifndef UTAP_INPROC_LAYOUT_H
#define UTAP_INPROC_LAYOUT_H
#include <stdint.h>

#define UTAP_AREA_MAGIC 0x3152504e49505455ull /* "UTPINPR1" */
#define UTAP_AREA_VERSION 1
/* header.flags: thread keys from rdfsbase (the CPU and kernel allow it: AT_HWCAP2 FSGSBASE). */
#define UTAP_AREA_FSGSBASE 1u

struct utap_area {
	uint64_t magic;          /* 0 */
	uint32_t version;        /* 8 */
	uint32_t flags;          /* 12 */
	uint32_t nslots;         /* 16: thread slots, a power of two */
	uint32_t nmaps;          /* 20 */
	uint64_t size;           /* 24: bytes of the whole area */
	uint64_t slots_off;      /* 32 */
	uint64_t maps_off;       /* 40 */
	uint64_t no_slot_skips;  /* 48: hits that found no free thread slot (their per-thread maps were not reached) */
	uint64_t lock_skips;     /* 56: map writes given up: the map's lock was held by this very thread (a signal handler re-entered) or too long */
	uint32_t pid;            /* 64: the target's process id, written by utap (process_vm_readv, pid()) */
	uint32_t tid_offset;     /* 68: where the C library keeps a thread's tid in its TLS block (from the fs base), checked by utap on the target's threads; 0 = gettid */
	uint64_t vdso_clock_gettime; /* 72: the target's __vdso_clock_gettime, 0 = use the system call (written by utap) */
	uint64_t reserved[22];   /* 80 .. 256 */
};

/* A thread's slot: its per-thread part of every per-CPU map. key 0 = free. */
struct utap_slot {
	uint64_t key; /* 0: fs base (UTAP_AREA_FSGSBASE) or tid | 1 << 62 */
	uint32_t tid; /* 8: when it was claimed */
	uint32_t pad; /* 12 */
};

struct utap_map {
	uint32_t type;         /* 0: BPF_MAP_TYPE_* */
	uint32_t key_size;     /* 4 */
	uint32_t value_size;   /* 8 */
	uint32_t max_entries;  /* 12 */
	uint32_t value_stride; /* 16: value_size rounded up to 8 */
	uint32_t capacity;     /* 20: hash: table entries (a power of two); ringbuf: data bytes (a power of two) */
	uint32_t entry_size;   /* 24: hash: bytes of one table entry */
	uint32_t key_stride;   /* 28: key_size rounded up to 8 */
	uint64_t data_off;     /* 32 */
	uint64_t count;        /* 40: hash: live entries */
	uint64_t lock;         /* 48: hash: writers' lock, 0 or the holder's thread key (utap: 1) */
	uint64_t reserved;     /* 56 */
};

/*
 * Map data:
 *   ARRAY          max_entries x value_stride
 *   PERCPU_ARRAY   max_entries x nslots x value_stride (entry-major)
 *   HASH, LRU_HASH capacity x entry_size, entry = { u32 state, u32 hash, key[key_stride], value[value_stride] }
 *   PERCPU_HASH    the same with value[nslots x value_stride]
 *   RINGBUF        u64 consumer_pos at 0, u64 producer_pos at 64, data[capacity] at 128; records as
 *                  the kernel frames them (u32 length | BUSY | DISCARD, u32 0, bytes, padded to 8),
 *                  never wrapping: a record that would is preceded by a discarded filler to the end.
 *                  The consumer zeroes what it consumed (a zero header = not yet written).
 * Hash entry state: (generation << 2) | kind, kind 0 empty, 1 being written, 2 live, 3 deleted.
 */
#define UTAP_ENTRY_EMPTY 0u
#define UTAP_ENTRY_BUSY 1u
#define UTAP_ENTRY_LIVE 2u
#define UTAP_ENTRY_DELETED 3u
#define UTAP_HASH_ENTRY_HEADER 8
#define UTAP_RING_PRODUCER 64
#define UTAP_RING_DATA 128
#define UTAP_RINGBUF_BUSY_BIT 0x80000000u
#define UTAP_RINGBUF_DISCARD_BIT 0x40000000u
#define UTAP_RINGBUF_HDR_SZ 8
/* utap's own key in a map lock (thread keys are canonical addresses or have bit 62 set). */
#define UTAP_LOCK_OWNER_UTAP 1ull

#define UTAP_MAP_TYPE_HASH 1
#define UTAP_MAP_TYPE_ARRAY 2
#define UTAP_MAP_TYPE_PERCPU_HASH 5
#define UTAP_MAP_TYPE_PERCPU_ARRAY 6
#define UTAP_MAP_TYPE_LRU_HASH 9
#define UTAP_MAP_TYPE_RINGBUF 27

/*
 * The key hash both sides compute: 32-bit little-endian words (the tail zero-padded), word w
 * mixed into lane w % 4, the four lanes combined at the end (independent lanes keep a 512-byte
 * string key from being one long chain of multiplies).
 */
typedef uint32_t __attribute__((may_alias, aligned(1))) utap_u32_unaligned;
#define UTAP_HASH_MIX(h, w) ((h) = ((h) ^ (w)) * 0x9e3779b1u, (h) ^= (h) >> 15)
static inline uint32_t utap_key_hash(const unsigned char *key, uint32_t size)
{
	uint32_t h0 = 0x811c9dc5u ^ size, h1 = 0x01000193u ^ size, h2 = 0x9e3779b9u ^ size, h3 = 0x85ebca6bu ^ size;
	uint32_t i = 0;
	for (; i + 16 <= size; i += 16) {
		const utap_u32_unaligned *w = (const utap_u32_unaligned *)(key + i);
		UTAP_HASH_MIX(h0, w[0]);
		UTAP_HASH_MIX(h1, w[1]);
		UTAP_HASH_MIX(h2, w[2]);
		UTAP_HASH_MIX(h3, w[3]);
	}
	uint32_t lane = 0;
	for (; i < size; i += 4, lane++) {
		uint32_t w = 0;
		if (i + 4 <= size)
			w = *(const utap_u32_unaligned *)(key + i);
		else
			for (uint32_t b = 0; i + b < size; b++)
				w |= (uint32_t)key[i + b] << (8 * b);
		if (lane == 0)
			UTAP_HASH_MIX(h0, w);
		else if (lane == 1)
			UTAP_HASH_MIX(h1, w);
		else if (lane == 2)
			UTAP_HASH_MIX(h2, w);
		else
			UTAP_HASH_MIX(h3, w); /* three whole words and a partial one */
	}
	uint32_t h = h0 ^ ((h1 << 8) | (h1 >> 24)) ^ ((h2 << 16) | (h2 >> 16)) ^ ((h3 << 24) | (h3 >> 8));
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

#endif
