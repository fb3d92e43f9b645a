// OCI runtime specs (config.json) for a pod's pause container and its containers: pure functions
// of the CRI-shaped configs, so what runc is asked to do can be read and tested without running it.
// Defaults follow containerd's CRI plugin (pkg/oci defaults, the CRI spec opts).

import type { ContainerConfig, LinuxContainerResources, Mount, PodSandboxConfig } from "../runtime.js";
import { containerCapabilities } from "./capabilities.js";
import { runtimeDefaultSeccomp, type SeccompProfile } from "./seccomp.js";

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciNamespace {
  type: "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup";
  path?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: OciNamespace[];
    cgroupsPath: string;
    resources: OciResources;
    sysctl?: Record<string, string>;
    seccomp?: SeccompProfile;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    devices?: {
      path: string;
      type: string;
      major: number;
      minor: number;
      fileMode: number;
      uid: 0;
      gid: 0;
    }[];
  };
}

export interface OciResources {
  devices: { allow: boolean; type?: string; major?: number; minor?: number; access: string }[];
  memory?: { limit?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

/** containerd's default masked paths (pkg/oci/spec.go). */
export const DEFAULT_MASKED_PATHS = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
  "/proc/scsi",
];

export const DEFAULT_READONLY_PATHS = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The mounts every container gets (runc spec's defaults plus /dev/mqueue, as containerd). */
function baseMounts(opts: { readonlySys: boolean; shmSource?: string }): OciMount[] {
  const mounts: OciMount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/sys",
      type: "sysfs",
      source: "sysfs",
      options: ["nosuid", "noexec", "nodev", opts.readonlySys ? "ro" : "rw"],
    },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", opts.readonlySys ? "ro" : "rw"],
    },
  ];
  mounts.push(
    opts.shmSource
      ? {
          destination: "/dev/shm",
          type: "bind",
          source: opts.shmSource,
          options: ["rbind", "rprivate", "rw"],
        }
      : {
          destination: "/dev/shm",
          type: "tmpfs",
          source: "shm",
          options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        },
  );
  return mounts;
}

export function ociResources(r: LinuxContainerResources | undefined, allowAllDevices = false): OciResources {
  const out: OciResources = { devices: [{ allow: allowAllDevices, access: "rwm" }] };
  if (!r) return out;
  if (r.memoryLimitInBytes) out.memory = { limit: r.memoryLimitInBytes };
  if (r.cpuShares || r.cpuQuota || r.cpuPeriod) {
    out.cpu = {};
    if (r.cpuShares) out.cpu.shares = r.cpuShares;
    if (r.cpuQuota) out.cpu.quota = r.cpuQuota;
    if (r.cpuPeriod) out.cpu.period = r.cpuPeriod;
  }
  if (r.pidsLimit) out.pids = { limit: r.pidsLimit };
  return out;
}

export interface PauseSpecInput {
  config: PodSandboxConfig;
  rootfs: string;
  /** The catatonit binary on the host, bind-mounted read-only as /catatonit. */
  catatonit: string;
  /** The pod's netns (from CNI's side); absent: a fresh netns with only loopback, or the host's with hostNetwork. */
  netnsPath?: string;
  cgroupsPath: string;
}

/** The pause container: catatonit -P, the holder of the pod's net, IPC and UTS namespaces. */
export function pauseSpec(input: PauseSpecInput): OciSpec {
  const { config } = input;
  const linux = config.linux ?? {};
  const namespaces: OciNamespace[] = [{ type: "mount" }];
  if (!linux.hostPID) namespaces.push({ type: "pid" });
  if (!linux.hostIPC) namespaces.push({ type: "ipc" });
  // The kubelet shares the node's UTS namespace with hostNetwork pods (their hostname is the node's).
  if (!linux.hostNetwork) {
    namespaces.push({ type: "uts" });
    namespaces.push(input.netnsPath ? { type: "network", path: input.netnsPath } : { type: "network" });
  }
  const spec: OciSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ["/catatonit", "-P"],
      env: [`PATH=${DEFAULT_PATH}`],
      cwd: "/",
      // The pause process needs no privilege at all; it only sleeps and reaps.
      capabilities: { bounding: [], effective: [], permitted: [] },
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    mounts: [
      { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/catatonit",
        type: "bind",
        source: input.catatonit,
        options: ["rbind", "ro", "nosuid", "nodev"],
      },
    ],
    linux: {
      namespaces,
      cgroupsPath: input.cgroupsPath,
      resources: ociResources(undefined),
      maskedPaths: DEFAULT_MASKED_PATHS,
      readonlyPaths: DEFAULT_READONLY_PATHS,
      seccomp: runtimeDefaultSeccomp([]),
    },
  };
  if (!linux.hostNetwork) spec.hostname = config.hostname;
  // Pod sysctls are namespaced (net.*, kernel.shm*, …): set once in the pause's namespaces, seen by all.
  if (linux.sysctls && Object.keys(linux.sysctls).length > 0) spec.linux.sysctl = { ...linux.sysctls };
  return spec;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface ContainerSpecInput {
  config: ContainerConfig;
  sandbox: PodSandboxConfig;
  /** The pause process: containers join its namespaces by path. */
  pausePid: number;
  rootfs: string;
  user: ResolvedUser;
  /** Image config pieces the runtime applies when the config leaves them out (CRI semantics). */
  image: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string };
  /** Per-pod files bind-mounted into every container. */
  etcFiles: { hosts: string; resolvConf: string; hostname: string };
  /** The pod's shared /dev/shm (a tmpfs on the host), unless hostIPC. */
  shmPath?: string;
  cgroupsPath: string;
  /** Host devices looked up by the backend (stat of hostPath). */
  devices?: ResolvedDevice[];
  /** The parsed file behind a "localhost/<path>" seccomp profile. */
  localhostSeccomp?: SeccompProfile;
}

export interface ResolvedDevice {
  containerPath: string;
  type: "c" | "b";
  major: number;
  minor: number;
  fileMode: number;
  permissions: string;
}

export class NoCommandError extends Error {
  constructor(readonly container: string) {
    super(`no command specified for container "${container}"`);
    this.name = "NoCommandError";
  }
}

/** containerd's CRI argv rule: command ++ args, else the image's Entrypoint ++ (args, else Cmd). */
export function containerArgs(
  config: Pick<ContainerConfig, "command" | "args" | "metadata">,
  image: { entrypoint?: string[]; cmd?: string[] },
): string[] {
  const command = config.command ?? [];
  const args = config.args ?? [];
  const argv =
    command.length > 0
      ? [...command, ...args]
      : [...(image.entrypoint ?? []), ...(args.length > 0 ? args : (image.cmd ?? []))];
  if (argv.length === 0) throw new NoCommandError(config.metadata.name);
  return argv;
}

/** Image env first, then the container's (later wins), PATH and HOSTNAME filled in as containerd does. */
export function containerEnv(
  imageEnv: readonly string[] | undefined,
  envs: ContainerConfig["envs"],
  hostname: string,
): string[] {
  const merged = new Map<string, string>();
  merged.set("PATH", DEFAULT_PATH);
  merged.set("HOSTNAME", hostname);
  for (const kv of imageEnv ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) merged.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const { key, value } of envs ?? []) merged.set(key, value);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

function userMount(m: Mount): OciMount {
  const propagation = m.propagation ?? "private";
  return {
    destination: m.containerPath,
    type: "bind",
    source: m.hostPath,
    options: ["rbind", propagation === "private" ? "rprivate" : propagation, m.readonly ? "ro" : "rw"],
  };
}

export function containerSpec(input: ContainerSpecInput): OciSpec {
  const { config, sandbox, pausePid } = input;
  const sc = config.linux?.securityContext ?? {};
  const pod = sandbox.linux ?? {};
  const privileged = sc.privileged === true;
  const caps = containerCapabilities({
    add: sc.capabilities?.addCapabilities,
    drop: sc.capabilities?.dropCapabilities,
    privileged,
  });
  const ns = (kind: string) => `/proc/${pausePid}/ns/${kind}`;
  const namespaces: OciNamespace[] = [{ type: "mount" }];
  if (!pod.hostNetwork) {
    namespaces.push({ type: "network", path: ns("net") });
    namespaces.push({ type: "uts", path: ns("uts") });
  }
  if (!pod.hostIPC) namespaces.push({ type: "ipc", path: ns("ipc") });
  if (pod.shareProcessNamespace) namespaces.push({ type: "pid", path: ns("pid") });
  else if (!pod.hostPID) namespaces.push({ type: "pid" });

  const mounts = baseMounts({
    readonlySys: !privileged,
    shmSource: pod.hostIPC ? "/dev/shm" : input.shmPath,
  });
  const taken = new Set((config.mounts ?? []).map((m) => m.containerPath));
  // The kubelet's managed files, unless the pod mounts something of its own there.
  const etc: [string, string][] = [
    ["/etc/hosts", input.etcFiles.hosts],
    ["/etc/resolv.conf", input.etcFiles.resolvConf],
    ["/etc/hostname", input.etcFiles.hostname],
  ];
  for (const [dest, src] of etc) {
    if (!taken.has(dest)) {
      mounts.push({
        destination: dest,
        type: "bind",
        source: src,
        options: ["rbind", "rprivate", sc.readonlyRootfs ? "ro" : "rw"],
      });
    }
  }
  for (const m of config.mounts ?? []) mounts.push(userMount(m));

  const resources = ociResources(config.linux?.resources, privileged);
  for (const d of input.devices ?? []) {
    resources.devices.push({
      allow: true,
      type: d.type,
      major: d.major,
      minor: d.minor,
      access: d.permissions,
    });
  }
  const spec: OciSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: config.tty === true,
      user: {
        uid: input.user.uid,
        gid: input.user.gid,
        ...(input.user.additionalGids.length > 0 ? { additionalGids: input.user.additionalGids } : {}),
      },
      args: containerArgs(config, input.image),
      env: containerEnv(input.image.env, config.envs, sandbox.hostname),
      cwd: config.workingDir || input.image.workingDir || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: sc.noNewPrivs === true,
    },
    root: { path: input.rootfs, readonly: sc.readonlyRootfs === true },
    mounts,
    linux: {
      namespaces,
      cgroupsPath: input.cgroupsPath,
      resources,
    },
  };
  if (input.devices && input.devices.length > 0) {
    spec.linux.devices = input.devices.map((d) => ({
      path: d.containerPath,
      type: d.type,
      major: d.major,
      minor: d.minor,
      fileMode: d.fileMode,
      uid: 0 as const,
      gid: 0 as const,
    }));
  }
  const oomScoreAdj = config.linux?.resources?.oomScoreAdj;
  if (oomScoreAdj !== undefined) spec.process.oomScoreAdj = oomScoreAdj;
  if (config.annotations && Object.keys(config.annotations).length > 0)
    spec.annotations = { ...config.annotations };
  if (config.linux?.sysctls && Object.keys(config.linux.sysctls).length > 0)
    spec.linux.sysctl = { ...config.linux.sysctls };
  if (!privileged) {
    spec.linux.maskedPaths = sc.maskedPaths ?? DEFAULT_MASKED_PATHS;
    spec.linux.readonlyPaths = sc.readonlyPaths ?? DEFAULT_READONLY_PATHS;
    const profile = sc.seccompProfile ?? "runtime/default";
    if (profile === "runtime/default" || profile === "docker/default")
      spec.linux.seccomp = runtimeDefaultSeccomp(caps);
    else if (profile.startsWith("localhost/")) spec.linux.seccomp = input.localhostSeccomp;
  }
  return spec;
}
