// Test-only builders of pods and runtime records for the agent's unit tests.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { ContainerStatus, PodSandboxStatus } from "../runtime/runtime.js";
import {
  ContainerHashAnnotation,
  ContainerNameLabel,
  ContainerRestartCountAnnotation,
  ContainerTypeLabel,
  hashContainer,
  PodUIDLabel,
} from "./labels.js";
import type { RuntimePod } from "./runtime-pod.js";

export function testPod(over: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-pod", namespace: "default", uid: "u1", resourceVersion: "1" },
    spec: { restartPolicy: "Always", containers: [{ name: "web", image: "nginx:alpine" }], ...over },
  };
}

let seq = 0;
export function ctr(
  pod: Pod,
  name: string,
  state: ContainerStatus["state"],
  o: { exitCode?: number; restartCount?: number; type?: "init" | "app"; finishedAt?: string } = {},
): ContainerStatus {
  seq++;
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (c) => c.name === name,
  );
  return {
    id: `c${seq}`,
    podSandboxId: "s1",
    metadata: { name, attempt: o.restartCount ?? 0 },
    state,
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    startedAt:
      state === "CONTAINER_CREATED" ? undefined : new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    finishedAt:
      state === "CONTAINER_EXITED"
        ? (o.finishedAt ?? new Date(1_700_000_000_500 + seq * 1000).toISOString())
        : undefined,
    exitCode: state === "CONTAINER_EXITED" ? (o.exitCode ?? 0) : undefined,
    image: spec?.image ?? "busybox",
    imageRef: "sha256:abc",
    logPath: "/dev/null",
    labels: {
      [PodUIDLabel]: pod.metadata?.uid ?? "",
      [ContainerNameLabel]: name,
      [ContainerTypeLabel]: o.type ?? "app",
    },
    annotations: {
      [ContainerRestartCountAnnotation]: String(o.restartCount ?? 0),
      ...(spec ? { [ContainerHashAnnotation]: hashContainer(spec) } : {}),
    },
  };
}

export function sandbox(state: PodSandboxStatus["state"] = "SANDBOX_READY", attempt = 0): PodSandboxStatus {
  return {
    id: `s${attempt + 1}`,
    metadata: { name: "web-pod", namespace: "default", uid: "u1", attempt },
    state,
    createdAt: new Date(1_700_000_000_000 + attempt).toISOString(),
    network: { ip: "10.42.0.5" },
    hostNetwork: false,
    labels: { [PodUIDLabel]: "u1" },
    annotations: {},
  };
}

/** newest first, as groupByPod orders them */
export const rpOf = (sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): RuntimePod => ({
  uid: "u1",
  sandboxes,
  containers: [...containers].reverse(),
});
