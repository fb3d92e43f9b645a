// The seam to kuberuntime: a Pod and one of its containers become the runtime's sandbox and
// container configs. `src/agent/kuberuntime` (the runtime engineer's) is the full translation
// (security context, resources, volumes, DNS, …); `basicPodConfig` here covers what the agent
// needs to run pods until it is wired in: identity, hostname, log paths, ports, command, args,
// env, working dir, the termination message file, labels and annotations.

import { hostname } from "node:os";
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Image } from "../image/service.js";
import type { ContainerConfig, Mount, PodSandboxConfig } from "../runtime/runtime.js";
import type { EnvVar } from "./env.js";
import { containerConfig as kubeContainerConfig } from "./kuberuntime/container-config.js";
import { podSandboxConfig } from "./kuberuntime/sandbox-config.js";

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  type: "init" | "app";
  restartCount: number;
  image: Image;
  env: EnvVar[];
  sandboxConfig: PodSandboxConfig;
  /** host side of the termination message file, mounted at terminationMessagePath */
  terminationMessageHostPath: string;
  /** the container's volume mounts, resolved by the volume manager */
  mounts?: Mount[];
}

export interface PodConfigGenerator {
  sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig;
  containerConfig(input: ContainerConfigInput): ContainerConfig | Promise<ContainerConfig>;
}

/** `/var/log/pods/<namespace>_<name>_<uid>`, as the kubelet lays out pod logs. */
export const podLogDirectory = (logRoot: string, pod: Pod): string =>
  join(logRoot, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);

/**
 * The kubelet's full translation (src/agent/kuberuntime): security context, users, capabilities,
 * seccomp, QoS resources and OOM score, DNS and /etc files, command and args against the image.
 * The agent has already resolved the container's environment (configMap/secret/field refs), so
 * kuberuntime gets it as final values.
 */
export function kubeRuntimePodConfig(logRoot: string, memoryCapacity: number): PodConfigGenerator {
  return {
    sandboxConfig: (pod, attempt) => podSandboxConfig(pod, attempt, { logRoot, nodeHostname: hostname() }),
    containerConfig({ pod, container, restartCount, image, env, terminationMessageHostPath, mounts }) {
      return kubeContainerConfig({
        pod,
        container,
        env,
        image: image.config,
        imageRef: image.id,
        restartCount,
        terminationLogPath: terminationMessageHostPath,
        mounts,
        memoryCapacity,
      });
    },
  };
}
