// Kernel ABI constants, spelled as in include/uapi/linux/bpf.h, bpf_common.h and perf_event.h
// (values checked against this machine's headers by test/kernel-helper/uapi.unit.test.ts).

// ── instruction classes (bpf_common.h, bpf.h) ──
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ── ld/ldx fields ──
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;
export const BPF_IMM = 0x00;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// ── alu/jmp fields ──
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

/** ld_imm64 src_reg: imm is a map fd. */
export const BPF_PSEUDO_MAP_FD = 1;

export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_2 = 2;
export const BPF_REG_3 = 3;
export const BPF_REG_4 = 4;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
/** Read-only frame pointer; the stack is the 512 bytes below it. */
export const BPF_REG_10 = 10;
export const MAX_BPF_STACK = 512;

// ── enum bpf_cmd ──
export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_MAP_UPDATE_ELEM = 2;
export const BPF_MAP_DELETE_ELEM = 3;
export const BPF_MAP_GET_NEXT_KEY = 4;
export const BPF_PROG_LOAD = 5;
export const BPF_OBJ_PIN = 6;
export const BPF_OBJ_GET = 7;
export const BPF_OBJ_GET_INFO_BY_FD = 15;
export const BPF_LINK_CREATE = 28;

/** sizeof(union bpf_attr) on the kernels utap knows; the kernel accepts a shorter, zero-tailed one. */
export const BPF_ATTR_SIZE = 144;

// ── enum bpf_map_type ──
export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_RINGBUF = 27;

// ── map update flags ──
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

// ── enum bpf_prog_type / bpf_attach_type ──
export const BPF_PROG_TYPE_KPROBE = 2;
export const BPF_PROG_TYPE_TRACEPOINT = 5;
export const BPF_PERF_EVENT = 41;
export const BPF_TRACE_UPROBE_MULTI = 48;
/** link_create.uprobe_multi.flags: uretprobes instead of uprobes. */
export const BPF_F_UPROBE_MULTI_RETURN = 1;
export const BPF_OBJ_NAME_LEN = 16;
/** prog_flags: the program may sleep (uprobe programs: bpf_copy_from_user faults pages in). */
export const BPF_F_SLEEPABLE = 16;

// ── helper function ids (enum bpf_func_id, ___BPF_FUNC_MAPPER order) ──
export const BPF_FUNC_map_lookup_elem = 1;
export const BPF_FUNC_map_update_elem = 2;
export const BPF_FUNC_map_delete_elem = 3;
export const BPF_FUNC_ktime_get_ns = 5;
export const BPF_FUNC_get_smp_processor_id = 8;
export const BPF_FUNC_get_current_pid_tgid = 14;
export const BPF_FUNC_get_current_uid_gid = 15;
export const BPF_FUNC_get_current_comm = 16;
export const BPF_FUNC_get_current_task = 35;
export const BPF_FUNC_send_signal = 109;
export const BPF_FUNC_probe_read_user = 112;
export const BPF_FUNC_probe_read_kernel = 113;
export const BPF_FUNC_probe_read_user_str = 114;
export const BPF_FUNC_probe_read_kernel_str = 115;
export const BPF_FUNC_ringbuf_output = 130;
export const BPF_FUNC_copy_from_user = 148;
export const BPF_FUNC_ringbuf_reserve = 131;
export const BPF_FUNC_ringbuf_submit = 132;
export const BPF_FUNC_ringbuf_discard = 133;
export const BPF_FUNC_get_func_ip = 173;
export const BPF_FUNC_get_attach_cookie = 174;

// ── ring buffer record header (bpf.h) ──
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;

// ── perf_event.h ──
export const PERF_ATTR_SIZE_VER5 = 112;
/** sizeof(struct perf_event_attr) in the headers utap was written against. */
export const PERF_EVENT_ATTR_SIZE = 128;
/** perf_event_attr.type of a trace event, attr.config its id (tracefs events/CATEGORY/NAME/id). */
export const PERF_TYPE_TRACEPOINT = 2;
export const PERF_FLAG_FD_CLOEXEC = 8;
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408;
/** Offsets in struct perf_event_attr. */
export const PERF_ATTR_OFFSET = {
  type: 0,
  size: 4,
  config: 8,
  sample_period: 16,
  sample_type: 24,
  read_format: 32,
  wakeup_events: 48,
  bp_type: 52,
  /** config1 / uprobe_path / kprobe_func */
  config1: 56,
  /** config2 / probe_offset / kprobe_addr */
  config2: 64,
} as const;

// ── x86-64 system call numbers ──
export const __NR_perf_event_open = 298;
export const __NR_bpf = 321;
export const __NR_pidfd_open = 434;

/** Offset of each user register in struct pt_regs (arch/x86/include/uapi/asm/ptrace.h), the BPF context of a uprobe. */
export const PT_REGS_OFFSET = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136, eflags: 144, rsp: 152, ss: 160,
} as const;
