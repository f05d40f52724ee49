// Loaded first (node --require) into every file of the unit tier, so a file that says it needs
// neither root nor a live kernel feature cannot quietly use one: from here on, in this process
// and everything it starts,
//   - ptrace, bpf, perf_event_open and process_vm_readv/writev fail with EPERM (a seccomp filter,
//     installed on every thread; children inherit it), and
//   - the process holds no capabilities, even as root, and no exec can give it any back
//     (no_new_privs): what needs root fails as it would for an ordinary user.
// A live test misfiled as unit therefore fails, where it would otherwise pass on a root machine
// and break for the first person who runs the unit tier without root.
import koffi = require('koffi');

// x86-64 numbers (utap traces x86-64 processes only)
const SYS_ptrace = 101;
const SYS_capset = 126;
const SYS_perf_event_open = 298;
const SYS_process_vm_readv = 310;
const SYS_process_vm_writev = 311;
const SYS_seccomp = 317;
const SYS_bpf = 321;
const BLOCKED = [SYS_ptrace, SYS_bpf, SYS_perf_event_open, SYS_process_vm_readv, SYS_process_vm_writev];

const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;

// classic BPF, as seccomp runs it over struct seccomp_data { int nr; u32 arch; ... }
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;

function filter(): Buffer {
  const insns: [number, number, number, number][] = [];
  const denyAt = () => 3 + 1 + BLOCKED.length + 1; // index of the final "deny"
  insns.push([BPF_LD_W_ABS, 0, 0, 4]); // arch
  insns.push([BPF_JEQ_K, 0, 0, AUDIT_ARCH_X86_64]); // patched below: jf to deny
  insns.push([BPF_LD_W_ABS, 0, 0, 0]); // nr
  insns.push([BPF_JGE_K, 0, 0, X32_SYSCALL_BIT]); // the x32 ABI's numbers: deny as well
  for (const nr of BLOCKED) insns.push([BPF_JEQ_K, 0, 0, nr]);
  insns.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  insns.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  // jump offsets count from the next instruction
  const deny = denyAt();
  insns[1][2] = deny - 2; // jf
  for (let i = 3; i < 4 + BLOCKED.length; i++) insns[i][1] = deny - (i + 1); // jt
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b.writeUInt8(jt, i * 8 + 2);
    b.writeUInt8(jf, i * 8 + 3);
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return b;
}

function fail(what: string, result: number): never {
  throw new Error(`unit-tier sandbox: ${what} failed (${result}, errno ${koffi.errno()}); the unit tier cannot promise its files use no live feature`);
}

function install(): void {
  if (process.arch !== 'x64') throw new Error(`unit-tier sandbox: written for x86-64, this is ${process.arch}`);
  const libc = koffi.load('libc.so.6');
  const prctl = libc.func('prctl', 'int', ['int', 'ulong', 'ulong', 'ulong', 'ulong']) as (...a: number[]) => number;
  const syscall3 = libc.func('syscall', 'long', ['long', 'ulong', 'ulong', 'void *']) as (nr: number, a: number, b: number, p: Buffer) => number;
  const syscall2 = libc.func('syscall', 'long', ['long', 'void *', 'void *']) as (nr: number, a: Buffer, b: Buffer) => number;

  let r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (r !== 0) fail('prctl(PR_SET_NO_NEW_PRIVS)', r);

  const header = Buffer.alloc(8);
  header.writeUInt32LE(_LINUX_CAPABILITY_VERSION_3, 0); // pid 0: this thread, which runs the tests
  r = syscall2(SYS_capset, header, Buffer.alloc(24)); // effective, permitted, inheritable: none
  if (r !== 0) fail('capset (dropping capabilities)', r);

  const program = filter();
  const fprog = Buffer.alloc(16);
  fprog.writeUInt16LE(program.length / 8, 0);
  fprog.writeBigUInt64LE(BigInt(koffi.address(program) as unknown as bigint), 8);
  r = syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog);
  if (r !== 0) fail('seccomp(SECCOMP_SET_MODE_FILTER)', r);
}

install();
