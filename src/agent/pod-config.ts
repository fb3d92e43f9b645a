// The seam to kuberuntime: a Pod and one of its containers become the runtime's sandbox and
// container configs. `src/agent/kuberuntime` (the runtime engineer's) is the full translation
// (security context, resources, volumes, DNS, …); `basicPodConfig` here covers what the agent
// needs to run pods until it is wired in: identity, hostname, log paths, ports, command, args,
// env, working dir, the termination message file, labels and annotations.
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Image } from "../image/service.js";
import type { ContainerConfig, Mount, PodSandboxConfig } from "../runtime/runtime.js";
import { type EnvVar, expandVars } from "./env.js";

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
}

export interface PodConfigGenerator {
  sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig;
  containerConfig(input: ContainerConfigInput): ContainerConfig | Promise<ContainerConfig>;
}

/** `/var/log/pods/<namespace>_<name>_<uid>`, as the kubelet lays out pod logs. */
export const podLogDirectory = (logRoot: string, pod: Pod): string =>
  join(logRoot, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);

export function basicPodConfig(logRoot: string): PodConfigGenerator {
  return {
    sandboxConfig(pod, attempt) {
      const spec = pod.spec;
      const ports = (spec?.containers ?? []).flatMap((c) =>
        (c.ports ?? [])
          .filter((p) => p.hostPort)
          .map((p) => ({
            protocol: (p.protocol ?? "TCP") as "TCP" | "UDP" | "SCTP",
            containerPort: p.containerPort,
            hostPort: p.hostPort as number,
            hostIP: p.hostIP,
          })),
      );
      return {
        metadata: {
          name: pod.metadata?.name ?? "",
          namespace: pod.metadata?.namespace ?? "default",
          uid: pod.metadata?.uid ?? "",
          attempt,
        },
        hostname: spec?.hostname ?? pod.metadata?.name ?? "",
        logDirectory: podLogDirectory(logRoot, pod),
        portMappings: ports.length ? ports : undefined,
        hostAliases: spec?.hostAliases?.map((h) => ({ ip: h.ip ?? "", hostnames: h.hostnames ?? [] })),
        labels: { ...pod.metadata?.labels },
        annotations: { ...pod.metadata?.annotations },
        linux: {
          hostNetwork: spec?.hostNetwork,
          hostPID: spec?.hostPID,
          hostIPC: spec?.hostIPC,
          shareProcessNamespace: spec?.shareProcessNamespace,
        },
      };
    },
    containerConfig({ container: c, restartCount, image, env, terminationMessageHostPath }) {
      const lookup = (n: string) => env.find((e) => e.name === n)?.value;
      const mounts: Mount[] = [
        {
          containerPath: c.terminationMessagePath ?? "/dev/termination-log",
          hostPath: terminationMessageHostPath,
        },
      ];
      return {
        metadata: { name: c.name, attempt: restartCount },
        image: image.id,
        command: c.command?.map((x) => expandVars(x, lookup)),
        args: c.args?.map((x) => expandVars(x, lookup)),
        workingDir: c.workingDir,
        envs: env.map((e) => ({ key: e.name, value: e.value })),
        mounts,
        logPath: `${c.name}/${restartCount}.log`,
        stdin: c.stdin,
        tty: c.tty,
        linux: {
          securityContext: {
            privileged: c.securityContext?.privileged,
            runAsUser: c.securityContext?.runAsUser,
            runAsGroup: c.securityContext?.runAsGroup,
            readonlyRootfs: c.securityContext?.readOnlyRootFilesystem,
          },
        },
      };
    },
  };
}
