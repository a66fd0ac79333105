/**
 * A classic-BPF seccomp filter for bwrap's `--seccomp FD`, generated here (no libseccomp, no binary
 * download). It refuses, with EPERM, the syscalls a sandboxed command has no business making:
 * debugging other processes, kernel keyrings, mounts, eBPF, perf, kernel modules, kexec, io_uring
 * (which bypasses seccomp), clock and swap changes. Foreign-architecture and x32 syscalls are refused too.
 */
import { arch } from 'node:process';

const AUDIT_ARCH: Record<string, number> = { x64: 0xc000003e, arm64: 0xc00000b7 };

const DENIED: Record<string, Record<string, number>> = {
  x64: {
    ptrace: 101,
    process_vm_readv: 310,
    process_vm_writev: 311,
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    bpf: 321,
    perf_event_open: 298,
    kexec_load: 246,
    kexec_file_load: 320,
    init_module: 175,
    finit_module: 313,
    delete_module: 176,
    unshare: 272,
    setns: 308,
    userfaultfd: 323,
    open_by_handle_at: 304,
    name_to_handle_at: 303,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    acct: 163,
    quotactl: 179,
    syslog: 103,
    iopl: 172,
    ioperm: 173,
    lookup_dcookie: 212,
    clock_settime: 227,
    settimeofday: 164,
    adjtimex: 159,
    clock_adjtime: 305,
    vhangup: 153,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
  arm64: {
    ptrace: 117,
    process_vm_readv: 270,
    process_vm_writev: 271,
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    bpf: 280,
    perf_event_open: 241,
    kexec_load: 104,
    kexec_file_load: 294,
    init_module: 105,
    finit_module: 273,
    delete_module: 106,
    unshare: 97,
    setns: 268,
    userfaultfd: 282,
    open_by_handle_at: 265,
    name_to_handle_at: 264,
    swapon: 224,
    swapoff: 225,
    reboot: 142,
    acct: 89,
    quotactl: 60,
    syslog: 116,
    lookup_dcookie: 18,
    clock_settime: 112,
    settimeofday: 170,
    adjtimex: 171,
    clock_adjtime: 266,
    vhangup: 58,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
};

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

export function seccompSupportedArch(a: string = arch): boolean {
  return a in AUDIT_ARCH;
}

export function deniedSyscalls(a: string = arch): string[] {
  return Object.keys(DENIED[a] ?? {});
}

/** The filter as the bytes of a `struct sock_filter[]` (8 bytes per instruction, little-endian). */
export function buildSeccompFilter(a: string = arch): Buffer | undefined {
  const auditArch = AUDIT_ARCH[a];
  const table = DENIED[a];
  if (auditArch === undefined || !table) return undefined;
  const nrs = [...new Set(Object.values(table))];
  type Ins = [code: number, jt: number, jf: number, k: number];
  const prog: Ins[] = [];
  // Layout: [0] ld arch, [1] jeq arch, [2] ld nr, [3] jge x32 bit (x64 only), [n…] jeq nr, allow, deny.
  const x32 = a === 'x64';
  const checks = nrs.length;
  const head = x32 ? 4 : 3;
  const allowAt = head + checks;
  const denyAt = allowAt + 1;
  prog.push([BPF_LD_W_ABS, 0, 0, OFFSET_ARCH]);
  prog.push([BPF_JMP_JEQ_K, 0, denyAt - 2, auditArch]);
  prog.push([BPF_LD_W_ABS, 0, 0, OFFSET_NR]);
  if (x32) prog.push([BPF_JMP_JGE_K, denyAt - 4, 0, 0x40000000]);
  nrs.forEach((nr, i) => {
    const at = head + i;
    prog.push([BPF_JMP_JEQ_K, denyAt - at - 1, 0, nr]);
  });
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    if (jt > 255 || jf > 255) throw new RangeError('seccomp filter jump out of range');
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
