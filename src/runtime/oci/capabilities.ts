// Linux capabilities of a container: containerd's default set (what CRI containers get), with a
// security context's add/drop applied as containerd does — names with or without "CAP_", "ALL" on
// either side, drop applied after add.

/** containerd's pkg/oci defaultUnixCaps (also Docker's default set). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Every capability Linux 6.x knows, for privileged containers and "ALL". */
export const ALL_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

export class UnknownCapabilityError extends Error {
  constructor(readonly capability: string) {
    super(`unknown capability "${capability}"`);
    this.name = "UnknownCapabilityError";
  }
}

function normalise(name: string): string {
  const upper = name.toUpperCase();
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (upper !== "ALL" && !ALL_CAPABILITIES.includes(full)) throw new UnknownCapabilityError(name);
  return upper === "ALL" ? "ALL" : full;
}

/** The capability set for a container, in ALL_CAPABILITIES' order. */
export function containerCapabilities(opts: {
  add?: readonly string[];
  drop?: readonly string[];
  privileged?: boolean;
}): string[] {
  if (opts.privileged) return [...ALL_CAPABILITIES];
  const add = (opts.add ?? []).map(normalise);
  const drop = (opts.drop ?? []).map(normalise);
  const set = new Set<string>(DEFAULT_CAPABILITIES);
  if (add.includes("ALL")) for (const c of ALL_CAPABILITIES) set.add(c);
  else for (const c of add) set.add(c);
  // containerd: drop wins over add, and "ALL" in drop leaves only what add names explicitly.
  if (drop.includes("ALL")) {
    set.clear();
    for (const c of add) if (c !== "ALL") set.add(c);
  } else for (const c of drop) set.delete(c);
  return ALL_CAPABILITIES.filter((c) => set.has(c));
}
