/*
 * Native helpers the ptrace engine loads with koffi (build/libutap-native.so).
 *
 * Why C: fork() in a multi-threaded Node process is only safe if the child runs nothing but
 * async-signal-safe code until exec, and the per-hit path wants as few FFI crossings as
 * possible (each costs ~0.2 us here). Everything else stays in TypeScript.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* Raw ptrace: the glibc wrapper is variadic and rewrites PEEK* results. Returns -errno on failure. */
long utap_ptrace(long request, long pid, uint64_t addr, uint64_t data) {
  long r = syscall(SYS_ptrace, request, pid, addr, data);
  return r == -1 ? -errno : r;
}

/* ptrace with a pointer for data (GETREGS, SETREGS, GETSIGINFO, GETEVENTMSG). */
long utap_ptrace_buffer(long request, long pid, uint64_t addr, void *data) {
  long r = syscall(SYS_ptrace, request, pid, addr, data);
  return r == -1 ? -errno : r;
}

/* Slot of `address` in utap's set of int3 addresses (trap-set.ts hashes the same way). */
static uint64_t trap_hash(uint64_t address) { return (address * 0x9E3779B97F4A7C15ull) >> 20; }

static int is_utap_trap(uint64_t address, const uint64_t *set, uint64_t mask) {
  if (!set || !mask) return 0;
  for (uint64_t i = trap_hash(address) & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
    if (set[i] == 0) return 0;
    if (set[i] == address) return 1;
  }
  return 0;
}

/*
 * The next event of a tracee of this thread: its pid (>0) or -errno; *status as waitpid gives
 * it; for a SIGTRAP stop, the registers (PTRACE_GETREGS) and *have_regs = 1.
 *
 * Why not a plain waitpid: reaping a ptrace stop clears the signal the thread stopped with, and
 * should utap then die before resuming it, the kernel lets it go without that SIGTRAP, at the
 * rip it stopped with: right after an int3 of ours, in the middle of an instruction. So a
 * SIGTRAP stop is looked at (waitid WNOWAIT) and left unreaped (resuming it makes it no longer
 * waitable), and when it is at one of utap's int3s (in `set`, a hash set of mask + 1 addresses),
 * its rip is put back on the int3 at once (regs keeps the rip after it, as the kernel reported
 * it). Were utap to die now, the SIGTRAP is delivered to the healer in the process, with the
 * thread on the breakpoint. Every other event is reaped as waitpid would.
 */
int utap_wait_event(int *status, struct user_regs_struct *regs, int *have_regs, const uint64_t *set, uint64_t mask) {
  *have_regs = 0;
  siginfo_t info;
  int r;
  do {
    memset(&info, 0, sizeof info);
    r = waitid(P_ALL, 0, &info, WEXITED | WSTOPPED | WNOWAIT | __WALL | __WNOTHREAD);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  int pid = info.si_pid;
  if (info.si_code == CLD_TRAPPED && info.si_status == SIGTRAP) {
    *status = (SIGTRAP << 8) | 0x7f;
    if (syscall(SYS_ptrace, PTRACE_GETREGS, pid, 0, regs) == 0) {
      *have_regs = 1;
      if (is_utap_trap(regs->rip - 1, set, mask))
        syscall(SYS_ptrace, PTRACE_POKEUSER, pid, offsetof(struct user, regs.rip), regs->rip - 1);
    }
    return pid;
  }
  do r = waitpid(pid, status, __WALL | WUNTRACED | WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (r == 0) return utap_wait_event(status, regs, have_regs, set, mask); /* (taken by another waiter) */
  return pid;
}

/* waitpid for one thread (__WALL | WUNTRACED); returns the pid or -errno. */
int utap_wait_for(int pid, int *status) {
  int r;
  do r = waitpid(pid, status, __WALL | WUNTRACED);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/*
 * How the resumes below let a thread go: PTRACE_CONT, or PTRACE_SYSCALL while the script has
 * system-call probes (the thread then stops at each call's entry and exit too).
 */
static long resume_request = PTRACE_CONT;

void utap_set_resume_request(int request) { resume_request = request; }

/* PTRACE_SETREGS (when set_regs) then PTRACE_CONT with signal sig: the resume half of a hit. */
long utap_resume(int pid, const struct user_regs_struct *regs, int set_regs, int sig) {
  if (set_regs && syscall(SYS_ptrace, PTRACE_SETREGS, pid, 0, regs) != 0) return -errno;
  if (syscall(SYS_ptrace, resume_request, pid, 0, (long)sig) != 0) return -errno;
  return 0;
}

/*
 * A breakpoint hit's resume and the wait for the next event in one call, so a hit crosses from
 * JavaScript into C once: registers written as `how` says (0: none; 1: all, PTRACE_SETREGS;
 * 2: only rip, PTRACE_POKEUSER — all an out-of-line displacement or a return changes), then
 * PTRACE_CONT with sig, then utap_wait_event into the same regs. A failed resume (the thread was
 * killed meanwhile) goes to *resume_error (-errno, else 0) and the wait goes on: its exit is the
 * next event.
 */
int utap_resume_and_wait(int pid, struct user_regs_struct *regs, int how, int sig, int *resume_error, int *status, int *have_regs, const uint64_t *set, uint64_t mask) {
  long r = 0;
  if (how == 1) r = syscall(SYS_ptrace, PTRACE_SETREGS, pid, 0, regs);
  else if (how == 2) r = syscall(SYS_ptrace, PTRACE_POKEUSER, pid, offsetof(struct user, regs.rip), regs->rip);
  if (r == 0) r = syscall(SYS_ptrace, resume_request, pid, 0, (long)sig);
  *resume_error = r == 0 ? 0 : -errno;
  return utap_wait_event(status, regs, have_regs, set, mask);
}

/* process_vm_readv of len bytes; returns bytes read or -errno. */
long utap_read_memory(int pid, uint64_t address, void *buffer, uint64_t length) {
  struct iovec local = {buffer, length};
  struct iovec remote = {(void *)(uintptr_t)address, length};
  ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  return n < 0 ? -errno : n;
}

/*
 * pipe2(O_CLOEXEC) then fork(): the child starts with no signal blocked (Node's threads block
 * some, and a child must not inherit that). Returns the pid (0 in the child) or -errno, with
 * nothing left open on failure. The child may make only async-signal-safe calls after it.
 */
static int fork_with_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
  int pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return -e;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
  }
  return pid;
}

/*
 * Starts `/bin/sh -c command` held before exec: the child blocks reading a pipe whose write end
 * only utap holds (close-on-exec), so the caller can PTRACE_SEIZE it and set up, then let it go
 * by writing a byte (utap_release). If utap dies first, the pipe reads end-of-file and the
 * command runs untraced: it is never left stopped or killed. Returns the child's pid or -errno;
 * *release_fd gets the write end.
 */
int utap_spawn_held(const char *command, int *release_fd) {
  int fds[2];
  int pid = fork_with_pipe(fds);
  if (pid < 0) return pid;
  if (pid == 0) {
    /* Only async-signal-safe calls from here on. */
    close(fds[1]);
    /* The command gets utap's stdin/stdout/stderr as a shell would pass them: Node marks them
       close-on-exec and non-blocking (for its own streams), so undo both, as libuv does for
       the children it spawns. */
    for (int fd = 0; fd <= 2; fd++) {
      fcntl(fd, F_SETFD, 0);
      int flags = fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    char go;
    while (read(fds[0], &go, 1) < 0 && errno == EINTR) {
    }
    close(fds[0]);
    char *const argv[] = {"sh", "-c", (char *)command, 0};
    execv("/bin/sh", argv);
    _exit(127);
  }
  close(fds[0]);
  *release_fd = fds[1];
  return pid;
}

/* Lets a utap_spawn_held child go on: one byte, then the pipe closed. 0 or -errno. */
int utap_release(int release_fd) {
  char go = 1;
  ssize_t n;
  do n = write(release_fd, &go, 1);
  while (n < 0 && errno == EINTR);
  int e = n < 0 ? errno : 0;
  close(release_fd);
  return -e;
}

/*
 * Writes count 8-byte words into process pid, pairs[2i] the address and pairs[2i+1] the value,
 * in order, with one process_vm_writev (the target's writable memory only). Returns the number
 * of bytes written or -errno.
 */
long utap_write_words(int pid, const uint64_t *pairs, int count) {
  struct iovec local[16], remote[16];
  if (count < 1 || count > 16) return -EINVAL;
  uint64_t values[16];
  for (int i = 0; i < count; i++) {
    values[i] = pairs[2 * i + 1];
    local[i].iov_base = &values[i];
    local[i].iov_len = 8;
    remote[i].iov_base = (void *)(uintptr_t)pairs[2 * i];
    remote[i].iov_len = 8;
  }
  ssize_t n = process_vm_writev(pid, local, count, remote, count, 0);
  return n < 0 ? -errno : n;
}

/*
 * The waker: a child of the calling (tracer) thread that stops itself with SIGSTOP when asked,
 * so the tracer's blocking waitpid returns. Writing a 4-byte int N to the returned fd means
 * "stop in N ms" (N = 0: at once, N < 0: never); the main thread may also send it SIGSTOP
 * directly. It exits when the fd closes or its parent thread dies.
 * Returns the waker's pid; *write_fd gets the control fd.
 */
int utap_waker_start(int *write_fd) {
  int fds[2];
  int pid = fork_with_pipe(fds);
  if (pid < 0) return pid;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(fds[1]);
    int timeout = -1;
    for (;;) {
      struct pollfd p = {fds[0], POLLIN, 0};
      int r = poll(&p, 1, timeout);
      if (r == 0) {
        timeout = -1;
        raise(SIGSTOP);
        continue;
      }
      if (r < 0) {
        if (errno == EINTR) continue;
        _exit(1);
      }
      int ms;
      ssize_t n = read(fds[0], &ms, sizeof ms);
      if (n <= 0) _exit(0);
      if (n == sizeof ms) timeout = ms;
    }
  }
  close(fds[0]);
  *write_fd = fds[1];
  return pid;
}

/*
 * The guardian: a child of the tracer thread, started once the healer (runtime-c/healer) is in
 * the target, for the breakpoints no thread will ever reach again after utap's death (a
 * function not called any more, the dynamic linker's hook): the healer only heals on a trap.
 * It keeps a /proc/PID/mem descriptor utap opened (so no permission is asked again) and blocks
 * reading a pipe only utap writes. End-of-file without a prior byte means utap died: it reads
 * the healer's table at `table` and writes back every original byte still holding int3, puts
 * back the CPU affinities utap told it about (--pin: a struct guardian_affinity per thread),
 * then exits. utap disarms it with a single byte at a normal end. Returns its pid; *control_fd
 * the pipe.
 */
void utap_guardian_unpatch(int mem_fd, uint64_t table);

struct guardian_affinity {
  int32_t tid;
  uint8_t mask[128];
};
#define GUARDIAN_AFFINITIES 256
static struct guardian_affinity guardian_affinities[GUARDIAN_AFFINITIES];

int utap_guardian_start(int mem_fd, uint64_t table, int *control_fd) {
  _Static_assert(sizeof(struct guardian_affinity) == 132, "healer.ts writes 132-byte records");
  int fds[2];
  int pid = fork_with_pipe(fds);
  if (pid < 0) return pid;
  if (pid == 0) {
    /* Only async-signal-safe calls from here on; nothing of utap's kept open but these two. */
    if (dup2(fds[0], 3) < 0 || dup2(mem_fd, 4) < 0) _exit(1);
    syscall(SYS_close_range, 5, ~0U, 0);
    for (int fd = 0; fd < 3; fd++) close(fd);
    int affinities = 0;
    for (;;) {
      struct guardian_affinity record;
      ssize_t n;
      do n = read(3, &record, sizeof record);
      while (n < 0 && errno == EINTR);
      if (n == 0) break; /* utap is gone */
      if (n != (ssize_t)sizeof record) _exit(0); /* disarmed (or an error: do nothing) */
      int i = 0;
      while (i < affinities && guardian_affinities[i].tid != record.tid) i++;
      if (i == GUARDIAN_AFFINITIES) continue;
      if (i == affinities) affinities++;
      guardian_affinities[i] = record;
    }
    for (int i = 0; i < affinities; i++)
      sched_setaffinity(guardian_affinities[i].tid, sizeof guardian_affinities[i].mask, (cpu_set_t *)guardian_affinities[i].mask);
    uint64_t header[8];
    if (pread(4, header, sizeof header, (off_t)table) != sizeof header || header[0] != 0x5554415048454131ULL) _exit(2);
    uint64_t count = header[3], offset = header[7];
    for (uint64_t i = 0; i < count && i < 16384; i++) {
      uint64_t entry[2];
      uint8_t now;
      if (pread(4, entry, sizeof entry, (off_t)(table + offset + 16 * i)) != sizeof entry) continue;
      if (pread(4, &now, 1, (off_t)entry[0]) == 1 && now == 0xcc) {
        uint8_t original = (uint8_t)entry[1];
        (void)!pwrite(4, &original, 1, (off_t)entry[0]);
      }
    }
    utap_guardian_unpatch(4, table); /* the in-process engine's jumps (guardian-patches.c) */
    _exit(0);
  }
  close(fds[0]);
  *control_fd = fds[1];
  return pid;
}

/* The calling thread's tid, for sched_setaffinity of the tracer thread itself. */
int utap_gettid(void) { return (int)syscall(SYS_gettid); }

/* sched_setaffinity(tid, one CPU). Returns 0 or -errno. */
/* A thread's CPU affinity as raw bytes (size bytes of a cpu mask), to put back at detach. */
int utap_get_affinity(int tid, void *mask, int size) {
  return sched_getaffinity(tid, size, (cpu_set_t *)mask) == 0 ? 0 : -errno;
}

int utap_set_affinity(int tid, const void *mask, int size) {
  return sched_setaffinity(tid, size, (const cpu_set_t *)mask) == 0 ? 0 : -errno;
}

int utap_pin_to_cpu(int tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : -errno;
}
