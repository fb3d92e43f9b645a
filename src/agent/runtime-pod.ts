// The runtime's view of one pod (kubelet's kubecontainer.PodStatus): its sandboxes and every
// container it still keeps, grouped by the pod UID label, newest first. Everything the agent needs
// after a restart (restart counts, spec hashes, exits) is read back from here.
import type { ContainerStatus, PodSandboxStatus } from "../runtime/runtime.js";
import {
  ContainerHashAnnotation,
  ContainerNameLabel,
  ContainerRestartCountAnnotation,
  ContainerTypeLabel,
  PodUIDLabel,
} from "./labels.js";

export type ContainerType = "init" | "app";

export interface RuntimePod {
  uid: string;
  /** newest first */
  sandboxes: PodSandboxStatus[];
  /** newest first */
  containers: ContainerStatus[];
}

const newestFirst = (a: { createdAt: string }, b: { createdAt: string }) =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;

export function groupByPod(
  sandboxes: PodSandboxStatus[],
  containers: ContainerStatus[],
): Map<string, RuntimePod> {
  const pods = new Map<string, RuntimePod>();
  const get = (uid: string) => {
    let p = pods.get(uid);
    if (!p) pods.set(uid, (p = { uid, sandboxes: [], containers: [] }));
    return p;
  };
  for (const s of sandboxes) {
    const uid = s.labels[PodUIDLabel] ?? s.metadata.uid;
    if (uid) get(uid).sandboxes.push(s);
  }
  for (const c of containers) {
    const uid = c.labels[PodUIDLabel];
    if (uid) get(uid).containers.push(c);
  }
  for (const p of pods.values()) {
    p.sandboxes.sort(newestFirst);
    p.containers.sort(newestFirst);
  }
  return pods;
}

export const emptyRuntimePod = (uid: string): RuntimePod => ({ uid, sandboxes: [], containers: [] });

export const containerName = (c: ContainerStatus): string => c.labels[ContainerNameLabel] ?? c.metadata.name;
export const containerType = (c: ContainerStatus): ContainerType =>
  c.labels[ContainerTypeLabel] === "init" ? "init" : "app";
export const restartCountOf = (c: ContainerStatus): number =>
  Number(c.annotations[ContainerRestartCountAnnotation] ?? c.metadata.attempt ?? 0) || 0;
export const hashOf = (c: ContainerStatus): string | undefined => c.annotations[ContainerHashAnnotation];

/** All containers of one name and type, newest first. */
export function containersNamed(rp: RuntimePod, name: string, type: ContainerType): ContainerStatus[] {
  return rp.containers.filter((c) => containerName(c) === name && containerType(c) === type);
}

export function latestContainer(
  rp: RuntimePod,
  name: string,
  type: ContainerType,
): ContainerStatus | undefined {
  return containersNamed(rp, name, type)[0];
}

/** The sandbox containers should join: the newest, when it is ready. */
export function readySandbox(rp: RuntimePod): PodSandboxStatus | undefined {
  const s = rp.sandboxes[0];
  return s?.state === "SANDBOX_READY" ? s : undefined;
}
