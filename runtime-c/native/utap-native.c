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

/*
 * waitpid(-1, __WALL | __WNOTHREAD | WUNTRACED) and, when the stopped thread is a tracee in a
 * SIGTRAP stop (a breakpoint, most likely), PTRACE_GETREGS into regs in the same call.
 * Returns the pid (>0), or -errno. *status gets the wait status; *have_regs 1 if regs were read.
 */
int utap_wait_event(int *status, struct user_regs_struct *regs, int *have_regs) {
  *have_regs = 0;
  int pid;
  do pid = waitpid(-1, status, __WALL | __WNOTHREAD | WUNTRACED);
  while (pid < 0 && errno == EINTR);
  if (pid < 0) return -errno;
  if (WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGTRAP && (*status >> 16) == 0) {
    if (syscall(SYS_ptrace, PTRACE_GETREGS, pid, 0, regs) == 0) *have_regs = 1;
  }
  return pid;
}

/* waitpid for one thread (__WALL | WUNTRACED); returns the pid or -errno. */
int utap_wait_for(int pid, int *status) {
  int r;
  do r = waitpid(pid, status, __WALL | WUNTRACED);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/* PTRACE_SETREGS (when set_regs) then PTRACE_CONT with signal sig: the resume half of a hit. */
long utap_resume(int pid, const struct user_regs_struct *regs, int set_regs, int sig) {
  if (set_regs && syscall(SYS_ptrace, PTRACE_SETREGS, pid, 0, regs) != 0) return -errno;
  if (syscall(SYS_ptrace, PTRACE_CONT, pid, 0, (long)sig) != 0) return -errno;
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
int utap_resume_and_wait(int pid, struct user_regs_struct *regs, int how, int sig, int *resume_error, int *status, int *have_regs) {
  long r = 0;
  if (how == 1) r = syscall(SYS_ptrace, PTRACE_SETREGS, pid, 0, regs);
  else if (how == 2) r = syscall(SYS_ptrace, PTRACE_POKEUSER, pid, offsetof(struct user, regs.rip), regs->rip);
  if (r == 0) r = syscall(SYS_ptrace, PTRACE_CONT, pid, 0, (long)sig);
  *resume_error = r == 0 ? 0 : -errno;
  return utap_wait_event(status, regs, have_regs);
}

/* process_vm_readv of len bytes; returns bytes read or -errno. */
long utap_read_memory(int pid, uint64_t address, void *buffer, uint64_t length) {
  struct iovec local = {buffer, length};
  struct iovec remote = {(void *)(uintptr_t)address, length};
  ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  return n < 0 ? -errno : n;
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
  if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
  int pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return -e;
  }
  if (pid == 0) {
    /* Only async-signal-safe calls from here on. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
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
