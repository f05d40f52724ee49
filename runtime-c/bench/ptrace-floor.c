/* The floor of what any ptrace tracer pays per probe hit: a minimal tracer that counts hits of
 * one breakpoint and does nothing else.
 *
 *   ptrace-floor --mode classic|ool [--pin CPU] BINARY FILE_OFFSET INSN_LEN -- COMMAND [ARG...]
 *
 * It starts COMMAND, lets the dynamic loader map every library (it stops at the program's entry
 * point, AT_ENTRY), then plants int3 at FILE_OFFSET of BINARY's mapping. On each hit:
 *
 *   classic  restore the original byte, step back, single-step, re-insert int3, continue:
 *            two stops per hit. Other threads could run past the hole while it is open, so
 *            this mode refuses multi-threaded tracees.
 *   ool      the first INSN_LEN bytes (the displaced instruction, which must not be
 *            rip-relative) were copied at start-up into a slot mapped in the tracee, followed by
 *            a jump back; the hit just moves rip to the slot: one stop per hit, threads welcome.
 *
 * --pin CPU runs tracer and tracee on one CPU (the tracee inherits the affinity), which spares
 * every stop a cross-CPU wake-up. At the end it prints `ptrace-floor hits=N` on stderr. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "ptrace-floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long peek(pid_t pid, uint64_t addr)
{
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, NULL);
	if (errno)
		die("PTRACE_PEEKDATA");
	return word;
}

static void poke(pid_t pid, uint64_t addr, long word)
{
	if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)word) != 0)
		die("PTRACE_POKEDATA");
}

static void get_regs(pid_t pid, struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_GETREGS, pid, NULL, regs) != 0)
		die("PTRACE_GETREGS");
}

static void set_regs(pid_t pid, const struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, pid, NULL, regs) != 0)
		die("PTRACE_SETREGS");
}

/* Waits for `pid` to stop with SIGTRAP (a breakpoint or a finished single-step). */
static void wait_trap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, __WALL) < 0)
		die("waitpid");
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		fprintf(stderr, "ptrace-floor: tracee %d did not stop with SIGTRAP (status %#x)\n", pid, status);
		exit(2);
	}
}

static uint64_t auxv_entry(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/auxv", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	Elf64_auxv_t aux;
	while (read(fd, &aux, sizeof aux) == sizeof aux)
		if (aux.a_type == AT_ENTRY) {
			close(fd);
			return aux.a_un.a_val;
		}
	fprintf(stderr, "ptrace-floor: no AT_ENTRY in %s\n", path);
	exit(2);
}

/* The address where FILE_OFFSET of BINARY is mapped in pid, from /proc/PID/maps. */
static uint64_t mapped_address(pid_t pid, const char *binary, uint64_t file_offset)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		die(path);
	while (fgets(line, sizeof line, maps)) {
		unsigned long start, end, offset;
		char perms[8];
		int at = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &start, &end, perms, &offset, &at) < 4 || at == 0)
			continue;
		/* the path is the rest of the line: it may hold spaces (a clone under "my code/") */
		char *file = line + at;
		file[strcspn(file, "\n")] = '\0';
		if (strcmp(file, binary) == 0 && file_offset >= offset && file_offset < offset + (end - start)) {
			fclose(maps);
			return start + (file_offset - offset);
		}
	}
	fprintf(stderr, "ptrace-floor: offset %#lx of %s is not mapped in %d\n", (unsigned long)file_offset, binary, pid);
	exit(2);
}

static long with_int3(long word)
{
	return (word & ~0xffL) | 0xcc;
}

/* Runs one system call in the stopped tracee at its current rip, returns its result. */
static long inject_syscall(pid_t pid, long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct user_regs_struct saved, regs;
	get_regs(pid, &saved);
	long word = peek(pid, saved.rip);
	poke(pid, saved.rip, (word & ~0xffffL) | 0x050f); /* syscall */
	regs = saved;
	regs.rax = nr;
	regs.rdi = a1;
	regs.rsi = a2;
	regs.rdx = a3;
	regs.r10 = a4;
	regs.r8 = a5;
	regs.r9 = a6;
	set_regs(pid, &regs);
	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0)
		die("PTRACE_SINGLESTEP");
	wait_trap(pid);
	get_regs(pid, &regs);
	poke(pid, saved.rip, word);
	set_regs(pid, &saved);
	return regs.rax;
}

int main(int argc, char **argv)
{
	int arg = 1, ool = -1, pin = -1;
	while (arg < argc && argv[arg][0] == '-' && strcmp(argv[arg], "--") != 0) {
		if (strcmp(argv[arg], "--mode") == 0 && arg + 1 < argc) {
			ool = strcmp(argv[arg + 1], "ool") == 0 ? 1 : strcmp(argv[arg + 1], "classic") == 0 ? 0 : -1;
			arg += 2;
		} else if (strcmp(argv[arg], "--pin") == 0 && arg + 1 < argc) {
			pin = atoi(argv[arg + 1]);
			arg += 2;
		} else {
			break;
		}
	}
	if (ool < 0 || arg + 4 >= argc || strcmp(argv[arg + 3], "--") != 0) {
		fprintf(stderr, "usage: ptrace-floor --mode classic|ool [--pin CPU] BINARY FILE_OFFSET INSN_LEN -- COMMAND [ARG...]\n");
		return 2;
	}
	char binary[PATH_MAX];
	if (!realpath(argv[arg], binary))
		die(argv[arg]);
	uint64_t file_offset = strtoull(argv[arg + 1], NULL, 0);
	int insn_len = atoi(argv[arg + 2]);
	if (insn_len < 1 || insn_len > 15) {
		fprintf(stderr, "ptrace-floor: INSN_LEN must be 1..15\n");
		return 2;
	}
	char **command = &argv[arg + 4];

	if (pin >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(pin, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			die("sched_setaffinity");
	}
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execvp(command[0], command);
		fprintf(stderr, "ptrace-floor: cannot run %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	wait_trap(pid); /* the exec */
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE)) != 0)
		die("PTRACE_SETOPTIONS");

	/* Run to the entry point: by then the loader has mapped every library. */
	uint64_t entry = auxv_entry(pid);
	long entry_word = peek(pid, entry);
	poke(pid, entry, with_int3(entry_word));
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) != 0)
		die("PTRACE_CONT");
	wait_trap(pid);
	poke(pid, entry, entry_word);
	struct user_regs_struct regs;
	get_regs(pid, &regs);
	regs.rip = entry;
	set_regs(pid, &regs);

	uint64_t probe = mapped_address(pid, binary, file_offset);
	long probe_word = peek(pid, probe);
	uint64_t slot = 0;
	if (ool) {
		long mapped = inject_syscall(pid, 9 /* mmap */, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mapped < 0 && mapped > -4096) {
			errno = -mapped;
			die("mmap in the tracee");
		}
		slot = mapped;
		/* slot: the displaced instruction, then jmp *0(%rip) to the instruction after it. */
		unsigned char code[32] = { 0 };
		long first = probe_word, second = peek(pid, probe + 8);
		memcpy(code, &first, 8);
		memcpy(code + 8, &second, 8);
		unsigned char jump[6] = { 0xff, 0x25, 0, 0, 0, 0 };
		uint64_t back = probe + insn_len;
		unsigned char tail[14];
		memcpy(tail, jump, 6);
		memcpy(tail + 6, &back, 8);
		memcpy(code + insn_len, tail, sizeof tail);
		for (int i = 0; i < 32; i += 8) {
			long word;
			memcpy(&word, code + i, 8);
			poke(pid, slot + i, word);
		}
	}
	poke(pid, probe, with_int3(probe_word));

	long hits = 0;
	int threads = 1;
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) != 0)
		die("PTRACE_CONT");
	for (;;) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == ECHILD)
				break;
			die("waitpid");
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == pid)
				break;
			continue;
		}
		int sig = WSTOPSIG(status);
		int deliver = 0;
		if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_CLONE) {
			threads++;
			if (!ool) {
				fprintf(stderr, "ptrace-floor: classic mode cannot trace a multi-threaded process (hits in other threads would be lost while the breakpoint is out)\n");
				kill(pid, SIGKILL);
				return 2;
			}
		} else if (sig == SIGTRAP) {
			get_regs(tid, &regs);
			if (regs.rip - 1 == probe) {
				hits++;
				if (ool) {
					regs.rip = slot;
					set_regs(tid, &regs);
				} else {
					regs.rip = probe;
					set_regs(tid, &regs);
					poke(tid, probe, probe_word);
					if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) != 0)
						die("PTRACE_SINGLESTEP");
					wait_trap(tid);
					poke(tid, probe, with_int3(probe_word));
				}
			} else {
				deliver = sig;
			}
		} else if (sig == SIGSTOP && threads > 1) {
			/* a new thread's first stop */
		} else {
			deliver = sig;
		}
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)deliver) != 0 && errno != ESRCH)
			die("PTRACE_CONT");
	}
	fprintf(stderr, "ptrace-floor hits=%ld\n", hits);
	return 0;
}
