// The seccomp profile behind `seccompProfile: RuntimeDefault`.
//
// runc has no built-in profile, and containerd's default (Docker's) is a ~400-entry allow list. kite
// uses the inverse: allow by default and refuse with EPERM the system calls Docker's profile
// denies to an unprivileged container (the list in Docker's seccomp documentation, "Significant
// syscalls blocked by the default profile"). Calls Docker allows only with a capability (mount,
// unshare, setns, ptrace…) are allowed here when the container holds that capability, as Docker's
// profile does. The difference from containerd: a syscall newer than this list is allowed instead
// of refused.

interface SeccompRule {
  names: string[];
  action: "SCMP_ACT_ERRNO";
  errnoRet: number;
}

export interface SeccompProfile {
  defaultAction: "SCMP_ACT_ALLOW";
  syscalls: SeccompRule[];
}

const EPERM = 1;

const ALWAYS_DENIED = [
  "acct",
  "add_key",
  "create_module",
  "get_kernel_syms",
  "get_mempolicy",
  "kexec_file_load",
  "kexec_load",
  "keyctl",
  "lookup_dcookie",
  "mbind",
  "move_pages",
  "nfsservctl",
  "query_module",
  "request_key",
  "set_mempolicy",
  "stime",
  "swapoff",
  "swapon",
  "sysfs",
  "_sysctl",
  "uselib",
  "userfaultfd",
  "ustat",
  "vm86",
  "vm86old",
];

/** Allowed only with the capability, as in Docker's profile. */
const CAPABILITY_GATED: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    "bpf",
    "clone3",
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "quotactl",
    "setdomainname",
    "sethostname",
    "setns",
    "syslog",
    "umount",
    "umount2",
    "unshare",
  ],
  CAP_SYS_BOOT: ["reboot"],
  CAP_SYS_MODULE: ["delete_module", "finit_module", "init_module"],
  CAP_SYS_PTRACE: [
    "kcmp",
    "pidfd_getfd",
    "process_madvise",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
  ],
  CAP_SYS_RAWIO: ["iopl", "ioperm"],
  CAP_SYS_TIME: ["clock_adjtime", "clock_settime", "settimeofday"],
  CAP_SYS_PACCT: ["acct"],
  CAP_SYS_NICE: ["get_mempolicy", "mbind", "set_mempolicy"],
  CAP_SYSLOG: ["syslog"],
};

export function runtimeDefaultSeccomp(capabilities: readonly string[]): SeccompProfile {
  const held = new Set(capabilities);
  const denied = new Set(ALWAYS_DENIED);
  const allowedByCap = new Set<string>();
  for (const [cap, calls] of Object.entries(CAPABILITY_GATED)) {
    for (const call of calls) (held.has(cap) ? allowedByCap : denied).add(call);
  }
  // A call gated by a held capability is allowed even when another gate or the base list names it.
  for (const call of allowedByCap) denied.delete(call);
  // clone3 has no flag filtering in seccomp; Docker answers ENOSYS so libc falls back to clone.
  const rules: SeccompRule[] = [];
  const names = [...denied].filter((n) => n !== "clone3").sort();
  rules.push({ names, action: "SCMP_ACT_ERRNO", errnoRet: EPERM });
  if (denied.has("clone3")) rules.push({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
  return { defaultAction: "SCMP_ACT_ALLOW", syscalls: rules };
}
