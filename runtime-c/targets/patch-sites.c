/* Target of the in-process engine's patcher tests (test/inproc/): functions written in assembly
 * so their first bytes are known, each a case of jump patching, called by THREADS threads
 * CALLS times each; every thread checks what each call returns against the same arithmetic
 * done in C, so a trampoline that loses a register, a flag or the red zone shows as a wrong
 * answer.
 *
 *   plain(x)       push %rbp; mov %rsp,%rbp ...: an ordinary prologue (patchable)
 *   rip_first(x)   first instruction reads a global rip-relative (patchable, re-aimed)
 *   call_first(x)  first instruction is `call` (patchable: a call that ends the replaced bytes)
 *   flags_kept(a,b) cmp; at +3 a 5-byte mov; then jb: the flags must survive a patch at +3
 *   red_zone(a,b)  stores into the red zone, at +8 a 5-byte mov, then reads it back
 *   loop_back(n)   its loop jumps back to +2, inside the first 5 bytes (must fall back)
 *   tiny()         one `ret` (shorter than a jump: must fall back)
 *
 *   patch-sites THREADS CALLS
 *   prints `ready pid=N`, waits for a line, runs, prints `ok` (or `wrong NAME`) and one line
 *   per function `NAME calls=C`, then waits for another line before exiting 0 (3 if wrong). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long rip_global = 1000;

long plain(long x);
long rip_first(long x);
long call_first(long x);
long flags_kept(long a, long b);
long red_zone(long a, long b);
long loop_back(long n);
void tiny(void);

__asm__(
	".text\n"
	".globl plain\n.type plain,@function\nplain:\n"
	"  push %rbp\n  mov %rsp, %rbp\n  lea 3(%rdi,%rdi,2), %rax\n  pop %rbp\n  ret\n"
	".size plain, .-plain\n"

	".globl rip_first\n.type rip_first,@function\nrip_first:\n"
	"  mov rip_global(%rip), %rax\n  add %rdi, %rax\n  ret\n"
	".size rip_first, .-rip_first\n"

	".globl call_first\n.type call_first,@function\ncall_first:\n"
	"  call helper_wrapped\n  add $1, %rax\n  ret\n"
	"helper_wrapped:\n  lea 5(%rdi), %rax\n  ret\n"
	".size call_first, .-call_first\n"

	".globl flags_kept\n.type flags_kept,@function\nflags_kept:\n"
	"  cmp %rsi, %rdi\n"            /* 48 39 f7: 3 bytes */
	"  mov $1, %eax\n"               /* b8 01 00 00 00: the site at +3 replaces it */
	"  jb 1f\n  mov $2, %eax\n1:\n  ret\n"
	".size flags_kept, .-flags_kept\n"

	".globl red_zone\n.type red_zone,@function\nred_zone:\n"
	"  mov %rdi, -8(%rsp)\n"         /* 48 89 7c 24 f8: 5 bytes */
	"  mov %rsi, -120(%rsp)\n"       /* 48 89 74 24 88: 5 bytes; the site at +10 follows */
	"  mov $0, %eax\n"               /* b8 00 00 00 00 */
	"  add -8(%rsp), %rax\n  imul -120(%rsp), %rax\n  ret\n"
	".size red_zone, .-red_zone\n"

	".globl loop_back\n.type loop_back,@function\nloop_back:\n"
	"  xor %eax, %eax\n"             /* 2 bytes */
	"2:\n  add $1, %rax\n"           /* +2: a branch target inside the first 5 bytes */
	"  cmp %rdi, %rax\n  jb 2b\n  ret\n"
	".size loop_back, .-loop_back\n"

	".globl tiny\n.type tiny,@function\ntiny:\n  ret\n.size tiny, .-tiny\n");

static long calls_per_thread = 1000;
static pthread_barrier_t start_line;
static volatile int wrong;
static const char *wrong_name;

static void check(int ok, const char *name)
{
	if (!ok) {
		wrong = 1;
		wrong_name = name;
	}
}

static void *run(void *arg)
{
	long t = (long)arg;
	pthread_barrier_wait(&start_line);
	for (long i = 0; i < calls_per_thread; i++) {
		long x = i * 13 + t;
		check(plain(x) == 3 * x + 3, "plain");
		check(rip_first(x) == rip_global + x, "rip_first");
		check(call_first(x) == x + 6, "call_first");
		check(flags_kept(x, x + 1) == 1 && flags_kept(x + 1, x) == 2, "flags_kept");
		check(red_zone(x, t + 2) == x * (t + 2), "red_zone");
		check(loop_back(i % 7 + 1) == i % 7 + 1, "loop_back");
		tiny();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? atol(argv[1]) : 4;
	if (argc > 2)
		calls_per_thread = atol(argv[2]);
	if (threads < 1 || threads > 64)
		return 2;
	char line[64];
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 2;
	pthread_t ids[64];
	pthread_barrier_init(&start_line, NULL, (unsigned)threads);
	for (long i = 0; i < threads; i++)
		pthread_create(&ids[i], NULL, run, (void *)i);
	for (long i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	if (wrong)
		printf("wrong %s\n", wrong_name);
	else
		printf("ok\n");
	long calls = threads * calls_per_thread;
	printf("plain calls=%ld\nrip_first calls=%ld\ncall_first calls=%ld\nflags_kept calls=%ld\nred_zone calls=%ld\nloop_back calls=%ld\ntiny calls=%ld\n",
	       calls, calls, calls, 2 * calls, calls, calls, calls);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 2;
	return wrong ? 3 : 0;
}
