// The healer's table in the target (runtime-c/healer/utap-healer.c declares the same layout):
// what utap writes so that the SIGTRAP handler it places in the process can put everything back
// if utap dies. One anonymous read-write mapping: a header, the breakpoints (address, original
// byte), then one slot per thread holding the frames whose return address utap redirected.

export const HEALER_MAGIC = 0x5554415048454131n;

/** Header fields (byte offsets). */
export const TABLE = {
  magic: 0,
  lock: 8,
  trampoline: 16,
  breakCount: 24,
  areaCount: 32,
  threadSlots: 40,
  framesPerThread: 48,
  breaksOffset: 56,
  threadsOffset: 64,
  healed: 72,
  /** struct sigaction (kernel layout, 32 bytes): the program's SIGTRAP action before utap's */
  original: 80,
  /** the healer's own action; rt_sigaction installs it from here */
  installed: 112,
  memPath: 144,
  /** scratch for the action found at uninstall */
  scratch: 160,
  areas: 192,
  /** count, then 64 entries (tid, what, rip, resumed): what the healer did, for a post-mortem */
  log: 448,
} as const;

export const MAX_AREAS = 16;
export const BREAKS_OFFSET = 4096;
export const BREAK_CAPACITY = 16384;
export const BREAK_SIZE = 16;
export const THREADS_OFFSET = BREAKS_OFFSET + BREAK_CAPACITY * BREAK_SIZE;
export const THREAD_SLOTS = 512;
export const FRAMES_PER_THREAD = 4096;
/** tid, depth, then the frames (stack slot, return address). */
export const THREAD_SLOT_SIZE = 16 + FRAMES_PER_THREAD * 16;
/** Reserved, not committed (MAP_NORESERVE): only the pages written cost memory. */
export const TABLE_SIZE = THREADS_OFFSET + THREAD_SLOTS * THREAD_SLOT_SIZE;

/** Offsets in the head of the first code area (code-area.ts keeps the trampoline at 16). */
export const RESTORER_OFFSET = 24;
export const THUNK_OFFSET = 40;
/** The healer's code follows the head of the first code area. */
export const HEALER_CODE_OFFSET = 64;

/** `mov $15, %rax; syscall` (rt_sigreturn): the signal frame's return path. */
export const RESTORER = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05];

export const SA = { SIGINFO: 4, RESTART: 0x10000000, ONSTACK: 0x08000000, RESTORER: 0x04000000 } as const;
