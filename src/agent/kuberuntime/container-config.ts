// The kubelet's kuberuntime translation (pkg/kubelet/kuberuntime/kuberuntime_container*.go): a
// pod's container plus its image's config become the runtime's ContainerConfig — the final argv
// (Kubernetes' command/args rules against Entrypoint/Cmd, with $(VAR) expansion), the environment,
// the user, the security context, cgroup resources, the termination-log mount and the log path.

import type { Container, Pod, PodSecurityContext, SecurityContext } from "kubernetes-types/core/v1.js";
import { quantityToBytes, quantityToMillis } from "../../api/quantity.js";
import type { ImageConfig } from "../../image/manifest.js";
import type { ContainerConfig, LinuxContainerResources, Mount } from "../../runtime/runtime.js";
import { ContainerConfigError, NoCommandSpecifiedError } from "./errors.js";
import { expand, mappingFor } from "./expansion.js";

export { ContainerConfigError, CreateContainerConfigError, NoCommandSpecifiedError } from "./errors.js";

/**
 * The four rules (Kubernetes docs, "Notes" under Define a Command and Arguments for a Container):
 * neither → Entrypoint + Cmd; command only → command (Cmd ignored); args only → Entrypoint + args;
 * both → command + args. command and args are $(VAR)-expanded with the container's env.
 */
export function commandAndArgs(
  container: Container,
  image: ImageConfig,
  env: ReadonlyMap<string, string>,
): string[] {
  const mapping = mappingFor(env);
  const command = (container.command ?? []).map((s) => expand(s, mapping));
  const args = (container.args ?? []).map((s) => expand(s, mapping));
  let argv: string[];
  if (command.length > 0) argv = [...command, ...args];
  else argv = [...(image.Entrypoint ?? []), ...(args.length > 0 ? args : (image.Cmd ?? []))];
  if (argv.length === 0) throw new NoCommandSpecifiedError(container.name);
  return argv;
}

export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

const millis = (q: unknown) => (q === undefined ? 0 : Number(quantityToMillis(q as string)));
const bytes = (q: unknown) => (q === undefined ? 0 : Number(quantityToBytes(q as string)));

/** kube's GetPodQOS for the pod's regular and init containers. */
export function podQOS(pod: Pod): QOSClass {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      if (req[r] !== undefined && millis(req[r]) > 0) any = true;
      if (lim[r] !== undefined && millis(lim[r]) > 0) any = true;
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || millis(l) !== millis(q)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milliCPU * 1024) / 1000)));
}

export function milliCPUToQuota(milliCPU: number): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA, Math.floor((milliCPU * QUOTA_PERIOD) / 1000));
}

/** kubelet's GetContainerOOMScoreAdjust (pkg/kubelet/qos/policy.go). */
export function oomScoreAdjust(pod: Pod, container: Container, memoryCapacity: number): number {
  const qos = podQOS(pod);
  if (qos === "Guaranteed") return -997;
  if (qos === "BestEffort") return 1000;
  const request = bytes(container.resources?.requests?.memory);
  let adj = 1000 - Math.floor((1000 * request) / memoryCapacity);
  if (adj < 3) adj = 2;
  if (adj === 1000) adj = 999;
  return adj;
}

/** kubelet's generateLinuxContainerResources. */
export function containerResources(
  pod: Pod,
  container: Container,
  memoryCapacity: number,
): LinuxContainerResources {
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  const cpuRequest = millis(req.cpu);
  const cpuLimit = millis(lim.cpu);
  const out: LinuxContainerResources = {
    // No request but a limit: the API defaults the request to the limit; shares follow it.
    cpuShares: milliCPUToShares(cpuRequest === 0 && cpuLimit !== 0 ? cpuLimit : cpuRequest),
    oomScoreAdj: oomScoreAdjust(pod, container, memoryCapacity),
  };
  if (cpuLimit > 0) {
    out.cpuQuota = milliCPUToQuota(cpuLimit);
    out.cpuPeriod = QUOTA_PERIOD;
  }
  const mem = bytes(lim.memory);
  if (mem > 0) out.memoryLimitInBytes = mem;
  return out;
}

/** kubelet's format.Pod: name_namespace(uid). */
const podDesc = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

function effective<K extends keyof SecurityContext & keyof PodSecurityContext>(
  pod: PodSecurityContext | undefined,
  c: SecurityContext | undefined,
  key: K,
): SecurityContext[K] | undefined {
  return c?.[key] ?? (pod?.[key] as SecurityContext[K] | undefined);
}

/** kubelet's verifyRunAsNonRoot, with its messages. */
function verifyRunAsNonRoot(
  pod: Pod,
  container: Container,
  uid: number | undefined,
  imageUser: string,
): void {
  if (uid !== undefined) {
    if (uid === 0) {
      throw new ContainerConfigError(
        `container's runAsUser breaks non-root policy (pod: "${podDesc(pod)}", container: ${container.name})`,
      );
    }
    return;
  }
  const user = imageUser.split(":")[0] ?? "";
  if (user !== "" && !/^[0-9]+$/.test(user)) {
    throw new ContainerConfigError(
      `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${podDesc(pod)}", container: ${container.name})`,
    );
  }
  if (user === "" || Number(user) === 0) {
    throw new ContainerConfigError(
      `container has runAsNonRoot and image will run as root (pod: "${podDesc(pod)}", container: ${container.name})`,
    );
  }
}

export interface ContainerConfigOptions {
  pod: Pod;
  container: Container;
  /** The image's config (Entrypoint, Cmd, Env, WorkingDir, User). */
  image: ImageConfig;
  /** What the runtime should run: the image id the pull resolved. */
  imageRef: string;
  restartCount: number;
  /** Host file bind-mounted at terminationMessagePath (see terminationLog.ts). */
  terminationLogPath?: string;
  /** Volume mounts, resolved by the volume manager. */
  mounts?: Mount[];
  /**
   * The container's environment as the agent resolved it (src/agent/env.ts: envFrom, valueFrom,
   * $(VAR) in values): final values, passed through as they are, never expanded again.
   */
  env?: readonly { name: string; value: string }[];
  /** Node memory capacity in bytes, for Burstable pods' OOM score. */
  memoryCapacity: number;
  /** The kubelet's --seccomp-default: RuntimeDefault for containers without a profile (off by default, as in kubelet). */
  seccompDefault?: boolean;
  /** The kubelet's seccomp profile root for Localhost profiles. */
  seccompProfileRoot?: string;
}

export function containerConfig(opts: ContainerConfigOptions): ContainerConfig {
  const { pod, container, image } = opts;
  const podSC = pod.spec?.securityContext;
  const sc = container.securityContext;
  const envs = opts.env ?? [];
  const envMap = new Map(envs.map((e) => [e.name, e.value]));
  const argv = commandAndArgs(container, image, envMap);

  const runAsUser = effective(podSC, sc, "runAsUser");
  const runAsGroup = effective(podSC, sc, "runAsGroup");
  if (effective(podSC, sc, "runAsNonRoot")) verifyRunAsNonRoot(pod, container, runAsUser, image.User ?? "");
  const supplementalGroups = [...(podSC?.supplementalGroups ?? [])];
  // The kubelet adds fsGroup as a supplementary group, so volume files owned by it are writable.
  if (podSC?.fsGroup !== undefined && !supplementalGroups.includes(podSC.fsGroup))
    supplementalGroups.push(podSC.fsGroup);

  const seccomp = effective(podSC, sc, "seccompProfile");
  let seccompProfile: string;
  if (seccomp?.type === "RuntimeDefault") seccompProfile = "runtime/default";
  else if (seccomp?.type === "Localhost") {
    seccompProfile = `localhost/${opts.seccompProfileRoot ?? "/var/lib/kubelet/seccomp"}/${seccomp.localhostProfile ?? ""}`;
  } else if (seccomp?.type === "Unconfined") seccompProfile = "unconfined";
  else seccompProfile = opts.seccompDefault ? "runtime/default" : "unconfined";

  const mounts: Mount[] = [...(opts.mounts ?? [])];
  if (opts.terminationLogPath) {
    mounts.push({
      hostPath: opts.terminationLogPath,
      containerPath: container.terminationMessagePath || "/dev/termination-log",
    });
  }
  const unmasked = sc?.procMount === "Unmasked";
  const config: ContainerConfig = {
    metadata: { name: container.name, attempt: opts.restartCount },
    image: opts.imageRef,
    command: argv,
    args: [],
    workingDir: container.workingDir || image.WorkingDir || undefined,
    envs: envs.map((e) => ({ key: e.name, value: e.value })),
    mounts,
    labels: {
      "io.kubernetes.container.name": container.name,
      "io.kubernetes.pod.name": pod.metadata?.name ?? "",
      "io.kubernetes.pod.namespace": pod.metadata?.namespace ?? "",
      "io.kubernetes.pod.uid": pod.metadata?.uid ?? "",
    },
    annotations: {
      "io.kubernetes.container.restartCount": String(opts.restartCount),
      "io.kubernetes.container.terminationMessagePath":
        container.terminationMessagePath || "/dev/termination-log",
      "io.kubernetes.container.terminationMessagePolicy": container.terminationMessagePolicy || "File",
    },
    logPath: `${container.name}/${opts.restartCount}.log`,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: containerResources(pod, container, opts.memoryCapacity),
      securityContext: {
        privileged: sc?.privileged === true,
        runAsUser,
        runAsUsername: runAsUser === undefined ? image.User || undefined : undefined,
        runAsGroup,
        supplementalGroups,
        readonlyRootfs: sc?.readOnlyRootFilesystem === true,
        // kube's AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false sets it.
        noNewPrivs: sc?.allowPrivilegeEscalation === false,
        capabilities: {
          addCapabilities: sc?.capabilities?.add ?? [],
          dropCapabilities: sc?.capabilities?.drop ?? [],
        },
        seccompProfile,
        ...(unmasked ? { maskedPaths: [], readonlyPaths: [] } : {}),
      },
    },
  };
  return config;
}
