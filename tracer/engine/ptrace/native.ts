// The system calls the ptrace engine makes, through koffi: our small C helper
// (build/libutap-native.so, from runtime-c/native/) and a few libc functions. The only module
// of the engine that touches koffi. Functions return -errno on failure, never throw.
import * as path from 'node:path';
import { koffi } from '../../../kernel-helper/ffi';
import { packageRoot } from '../../install-paths';

export const NATIVE_LIBRARY = path.join(packageRoot, 'build', 'libutap-native.so');

export const PTRACE = {
  PTRACE_TRACEME: 0, PTRACE_PEEKDATA: 2, PTRACE_CONT: 7, PTRACE_KILL: 8, PTRACE_SINGLESTEP: 9, PTRACE_SYSCALL: 24,
  PTRACE_GETREGS: 12, PTRACE_SETREGS: 13, PTRACE_ATTACH: 16, PTRACE_DETACH: 17,
  PTRACE_SETOPTIONS: 0x4200, PTRACE_GETEVENTMSG: 0x4201, PTRACE_GETSIGINFO: 0x4202,
  PTRACE_SEIZE: 0x4206, PTRACE_INTERRUPT: 0x4207, PTRACE_LISTEN: 0x4208, PTRACE_GET_SYSCALL_INFO: 0x420e,
} as const;

export const PTRACE_O = {
  PTRACE_O_TRACESYSGOOD: 1, PTRACE_O_TRACEFORK: 2, PTRACE_O_TRACEVFORK: 4, PTRACE_O_TRACECLONE: 8,
  PTRACE_O_TRACEEXEC: 0x10, PTRACE_O_TRACEVFORKDONE: 0x20, PTRACE_O_TRACEEXIT: 0x40, PTRACE_O_EXITKILL: 0x100000,
} as const;

export const PTRACE_EVENT = {
  PTRACE_EVENT_FORK: 1, PTRACE_EVENT_VFORK: 2, PTRACE_EVENT_CLONE: 3, PTRACE_EVENT_EXEC: 4,
  PTRACE_EVENT_VFORK_DONE: 5, PTRACE_EVENT_EXIT: 6, PTRACE_EVENT_STOP: 128,
} as const;

export const SIG = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22,
} as const;

export const ERRNO = { EPERM: 1, ESRCH: 3, EINTR: 4, EIO: 5, EFAULT: 14, EBUSY: 16, ECHILD: 10 } as const;

/** Size of struct user_regs_struct on x86-64. */
export const USER_REGS_SIZE = 27 * 8;

export interface Native {
  ptrace(request: number, pid: number, addr: bigint | number, data: bigint | number): number;
  /** ptrace with `data` pointing into `buffer` (GETREGS, SETREGS, GETEVENTMSG, GETSIGINFO). */
  ptraceBuffer(request: number, pid: number, addr: bigint | number, buffer: Uint8Array): number;
  getRegs(tid: number, regs: Uint8Array): number;
  setRegs(tid: number, regs: Uint8Array): number;
  /**
   * waitpid + GETREGS on SIGTRAP stops; a stop at an address of `traps` (breakpoint-set.ts) has
   * the thread's rip put back on its int3 (regs keeps the reported rip). Returns pid or -errno.
   */
  waitEvent(status: Int32Array, regs: Uint8Array, haveRegs: Int32Array, traps: BigUint64Array): number;
  /** waitpid(pid, __WALL): pid or -errno. */
  waitFor(pid: number, status: Int32Array): number;
  /** Whether resume() and resumeAndWait() let threads go with PTRACE_CONT (the default) or PTRACE_SYSCALL. */
  setResumeRequest(request: number): void;
  /** SETREGS (if setRegs) + CONT with signal. */
  resume(pid: number, regs: Uint8Array, setRegs: number, signal: number): number;
  /**
   * resume() and waitEvent() in one call (runtime-c/native: utap_resume_and_wait): `how` is one
   * of RESUME_*; regs is written from, then read into. resumeError[0] gets the resume's -errno or 0.
   */
  resumeAndWait(pid: number, regs: Uint8Array, how: number, signal: number, resumeError: Int32Array, status: Int32Array, haveRegs: Int32Array, traps: BigUint64Array): number;
  readMemory(pid: number, address: bigint | number, buffer: Uint8Array, length: number): number;
  /** fork + /bin/sh -c command, the child held before exec until release(fd) or utap's death. */
  spawnHeld(command: string, releaseFd: Int32Array): number;
  release(fd: number): number;
  /** process_vm_writev of 8-byte words: pairs = [address, value, ...]; bytes written or -errno. */
  writeWords(pid: number, pairs: BigUint64Array, count: number): number;
  wakerStart(writeFd: Int32Array): number;
  /** The healer's guardian (utap_guardian_start): its pid or -errno; controlFd[0] its pipe. */
  guardianStart(memFd: number, table: bigint, controlFd: Int32Array): number;
  gettid(): number;
  pinToCpu(tid: number, cpu: number): number;
  /** sched_getaffinity into `mask` (its byte length is the mask size); 0 or -errno. */
  getAffinity(tid: number, mask: Uint8Array): number;
  setAffinity(tid: number, mask: Uint8Array): number;
  kill(pid: number, signal: number): number;
  tgkill(tgid: number, tid: number, signal: number): number;
  write(fd: number, buffer: Uint8Array, length: number): number;
  close(fd: number): number;
}

/** How resumeAndWait writes the registers back before PTRACE_CONT. */
export const RESUME_KEEP_REGS = 0;
export const RESUME_SET_REGS = 1;
export const RESUME_SET_RIP = 2;

let loaded: Native | undefined;

/** Loads the helper library once per thread (koffi handles are per isolate). */
export function native(): Native {
  if (loaded) return loaded;
  const lib = koffi.load(NATIVE_LIBRARY);
  const libc = koffi.load('libc.so.6');
  const ptrace = lib.func('long utap_ptrace(long, long, uint64_t, uint64_t)');
  const ptraceBuffer = lib.func('long utap_ptrace_buffer(long, long, uint64_t, _Inout_ uint8_t *data)');
  const waitEvent = lib.func('int utap_wait_event(_Out_ int32_t *status, _Out_ uint8_t *regs, _Out_ int32_t *have_regs, const uint64_t *set, uint64_t mask)');
  const waitFor = lib.func('int utap_wait_for(int pid, _Out_ int32_t *status)');
  const resume = lib.func('long utap_resume(int pid, const uint8_t *regs, int set_regs, int sig)');
  const setResumeRequest = lib.func('void utap_set_resume_request(int request)');
  const resumeAndWait = lib.func('int utap_resume_and_wait(int pid, _Inout_ uint8_t *regs, int how, int sig, _Out_ int32_t *resume_error, _Out_ int32_t *status, _Out_ int32_t *have_regs, const uint64_t *set, uint64_t mask)');
  const readMemory = lib.func('long utap_read_memory(int pid, uint64_t address, _Out_ uint8_t *buffer, uint64_t length)');
  const spawnHeld = lib.func('int utap_spawn_held(const char *command, _Out_ int32_t *release_fd)');
  const release = lib.func('int utap_release(int fd)');
  const writeWords = lib.func('long utap_write_words(int pid, const uint64_t *pairs, int count)');
  const wakerStart = lib.func('int utap_waker_start(_Out_ int32_t *write_fd)');
  const guardianStart = lib.func('int utap_guardian_start(int mem_fd, uint64_t table, _Out_ int32_t *control_fd)');
  const gettid = lib.func('int utap_gettid()');
  const pinToCpu = lib.func('int utap_pin_to_cpu(int tid, int cpu)');
  const getAffinity = lib.func('int utap_get_affinity(int tid, _Out_ uint8_t *mask, int size)');
  const setAffinity = lib.func('int utap_set_affinity(int tid, const uint8_t *mask, int size)');
  const kill = libc.func('int kill(int pid, int sig)');
  const tgkill = libc.func('int tgkill(int tgid, int tid, int sig)');
  const write = libc.func('long write(int fd, const uint8_t *buf, unsigned long count)');
  const close = libc.func('int close(int fd)');
  const errnoResult = (r: number): number => (r < 0 ? -koffi.errno() : r);
  loaded = {
    ptrace: (request, pid, addr, data) => Number(ptrace(request, pid, BigInt(addr), BigInt(data))),
    ptraceBuffer: (request, pid, addr, buffer) => Number(ptraceBuffer(request, pid, BigInt(addr), buffer)),
    getRegs: (tid, regs) => Number(ptraceBuffer(PTRACE.PTRACE_GETREGS, tid, 0n, regs)),
    setRegs: (tid, regs) => Number(ptraceBuffer(PTRACE.PTRACE_SETREGS, tid, 0n, regs)),
    waitEvent: (status, regs, haveRegs, traps) => waitEvent(status, regs, haveRegs, traps, traps.length - 1),
    waitFor: (pid, status) => waitFor(pid, status),
    setResumeRequest: (request) => setResumeRequest(request),
    resume: (pid, regs, setRegs, signal) => Number(resume(pid, regs, setRegs, signal)),
    resumeAndWait: (pid, regs, how, signal, resumeError, status, haveRegs, traps) => resumeAndWait(pid, regs, how, signal, resumeError, status, haveRegs, traps, traps.length - 1),
    readMemory: (pid, address, buffer, length) => Number(readMemory(pid, BigInt(address), buffer, length)),
    spawnHeld: (command, releaseFd) => spawnHeld(command, releaseFd),
    release: (fd) => release(fd),
    writeWords: (pid, pairs, count) => Number(writeWords(pid, pairs, count)),
    wakerStart: (writeFd) => wakerStart(writeFd),
    guardianStart: (memFd, table, controlFd) => guardianStart(memFd, table, controlFd),
    gettid: () => gettid(),
    pinToCpu: (tid, cpu) => pinToCpu(tid, cpu),
    getAffinity: (tid, mask) => getAffinity(tid, mask, mask.length),
    setAffinity: (tid, mask) => setAffinity(tid, mask, mask.length),
    kill: (pid, signal) => errnoResult(kill(pid, signal)),
    tgkill: (tgid, tid, signal) => errnoResult(tgkill(tgid, tid, signal)),
    write: (fd, buffer, length) => errnoResult(Number(write(fd, buffer, length))),
    close: (fd) => errnoResult(close(fd)),
  };
  return loaded;
}
