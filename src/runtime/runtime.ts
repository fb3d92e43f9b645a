// The container runtime seam, shaped like CRI's RuntimeService: pod sandboxes (a pause process that
// owns the pod's namespaces and IP) and the containers that join them. The agent depends on this
// interface only; `oci/` is the backend (runc or crun, conmon, catatonit, overlayfs), and a `cri/`
// backend speaking to containerd or CRI-O could take its place.
//
// Field names follow CRI's api.proto (PodSandboxConfig, ContainerConfig, LinuxContainerResources…)
// in TypeScript's casing, reduced to what kite uses.

import type { Readable, Writable } from "node:stream";

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort: number;
  hostIP?: string;
}

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** The pod's hostname (the pod name unless spec.hostname), set in the UTS namespace and /etc/hostname. */
  hostname: string;
  /** `/var/log/pods/<namespace>_<name>_<uid>`; container log paths are relative to it. */
  logDirectory: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  /** Extra /etc/hosts entries (spec.hostAliases), as the kubelet writes them. */
  hostAliases?: HostAlias[];
  /** `hostname.subdomain.namespace.svc.cluster-domain` when the pod has a subdomain. */
  hostFQDN?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    /** Parent cgroup of the pod's cgroup (cgroupfs path, relative to each hierarchy's root). */
    cgroupParent?: string;
    sysctls?: Record<string, string>;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    shareProcessNamespace?: boolean;
    /** Pod-level limits, written on the pod cgroup (the sum of the containers', as the kubelet does). */
    resources?: LinuxContainerResources;
  };
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds are not worth it here: ISO timestamps. */
  createdAt: string;
  network?: { ip: string };
  hostNetwork: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pause process, while it runs. */
  pid?: number;
}

export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  labelSelector?: Record<string, string>;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  /** rprivate (default), rslave or rshared, as CRI's MountPropagation. */
  propagation?: "private" | "rslave" | "rshared";
}

export interface Device {
  containerPath: string;
  hostPath: string;
  /** cgroup permissions, "rwm" */
  permissions: string;
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  pidsLimit?: number;
}

export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  runAsUser?: number;
  /** A user name from the image's USER, resolved against the container's /etc/passwd. */
  runAsUsername?: string;
  runAsGroup?: number;
  supplementalGroups?: number[];
  readonlyRootfs?: boolean;
  noNewPrivs?: boolean;
  /** "runtime/default" (RuntimeDefault), "unconfined", or "localhost/<path>". */
  seccompProfile?: string;
  /** Paths masked with /dev/null or an empty tmpfs; the default set when absent, none when privileged. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  /** An image name or id the image service knows. */
  image: string;
  /** The final argv is command ++ args; when command is empty the image's Entrypoint is used, and Cmd when args is too. */
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Relative to the sandbox's logDirectory: `<container>/<restartCount>.log`. */
  logPath: string;
  stdin?: boolean;
  /** Close the container's stdin when the first attach session ends (the pod spec's stdinOnce). */
  stdinOnce?: boolean;
  tty?: boolean;
  /** Signal for stopContainer; defaults to the image's StopSignal, then SIGTERM. */
  stopSignal?: string;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: LinuxContainerSecurityContext;
    sysctls?: Record<string, string>;
  };
}

export type ContainerState =
  | "CONTAINER_CREATED"
  | "CONTAINER_RUNNING"
  | "CONTAINER_EXITED"
  | "CONTAINER_UNKNOWN";

export interface ContainerStatus {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** "Completed" (exit 0), "Error", "OOMKilled", as containerd reports them. */
  reason?: string;
  message?: string;
  /** The image as asked for. */
  image: string;
  /** The image's id (config digest). */
  imageRef: string;
  /** Absolute path of the CRI-format log file. */
  logPath: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The container's first process, while it runs. */
  pid?: number;
}

export interface ContainerFilter {
  id?: string;
  podSandboxId?: string;
  state?: ContainerState;
  labelSelector?: Record<string, string>;
}

export interface ExecSyncResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecOptions {
  cmd: string[];
  stdin?: Readable;
  stdout?: Writable;
  /** Ignored with tty: a terminal has one output stream. */
  stderr?: Writable;
  tty?: boolean;
  /** Terminal size changes (kubectl's resize channel); the first value, if any, is the initial size. */
  resize?: AsyncIterable<TerminalSize>;
  /** Seconds; 0 or absent for none. */
  timeout?: number;
  /** Aborting kills the exec'd process (SIGKILL), as CRI cancels an exec whose client went away. */
  signal?: AbortSignal;
}

export interface AttachOptions {
  /** Ignored unless the container was created with stdin. */
  stdin?: Readable;
  stdout?: Writable;
  /** Ignored for a tty container: a terminal has one output stream. */
  stderr?: Writable;
  /** Terminal size changes, for a tty container. */
  resize?: AsyncIterable<TerminalSize>;
  /** Aborting detaches; the container goes on. */
  signal?: AbortSignal;
}

export interface Runtime {
  /** Creates the pod's network namespace and IP (unless hostNetwork) and starts its pause process. */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container of the pod and the pause process, and releases the pod's IP. Idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes the pod's containers, mounts, namespaces, cgroups and records. Idempotent. */
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandboxStatus[]>;

  createContainer(podSandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** The stop signal, then SIGKILL after gracePeriodSeconds. Idempotent. */
  stopContainer(id: string, gracePeriodSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;
  /** Runs a command in a running container and collects its output; timeout in seconds (0: none). */
  execSync(id: string, cmd: string[], timeout: number): Promise<ExecSyncResult>;
  /** Runs a command in a running container with streams; resolves to its exit code. */
  exec(id: string, opts: ExecOptions): Promise<number>;
  /** Streams a running container's own stdio (CRI's Attach) until it exits or the caller detaches. */
  attach(id: string, opts: AttachOptions): Promise<void>;
  /** Makes the monitor reopen the log file (after the kubelet's log rotation renamed it). */
  reopenContainerLog(id: string): Promise<void>;
}

/** A sandbox or container id the runtime does not know (CRI answers NotFound). */
export class NotFoundError extends Error {
  constructor(
    readonly kind: "sandbox" | "container",
    readonly id: string,
  ) {
    super(`${kind === "sandbox" ? "pod sandbox" : "container"} "${id}" not found`);
    this.name = "NotFoundError";
  }
}

/** A verb that does not apply in the object's current state (e.g. exec in an exited container). */
export class FailedPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FailedPreconditionError";
  }
}
