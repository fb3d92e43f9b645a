// What one sync must do to bring the runtime to the pod's spec (kuberuntime_manager.go
// computePodActions): whether the sandbox must be (re)created, which init container runs next,
// which containers start and which are killed. Pure: desired state (the Pod), actual state (the
// runtime) and probe results in, actions out — so a replayed or missed event changes nothing.
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { ContainerStatus } from "../runtime/runtime.js";
import { hashContainer } from "./labels.js";
import { hashOf, latestContainer, type RuntimePod, readySandbox } from "./runtime-pod.js";

export interface ContainerToKill {
  name: string;
  type: "init" | "app";
  /** the Killing event's message */
  message: string;
}

export interface PodActions {
  killPod: boolean;
  createSandbox: boolean;
  /** the ready sandbox to keep using, when not creating one */
  sandboxId?: string;
  attempt: number;
  /** the init container to start next */
  nextInitContainer?: Container;
  /** indexes into spec.containers */
  containersToStart: number[];
  /** by runtime container id */
  containersToKill: Map<string, ContainerToKill>;
}

export interface ProbeState {
  /** the liveness probe of this container id has failed failureThreshold times */
  livenessFailed(containerId: string): boolean;
  startupFailed(containerId: string): boolean;
}

const noProbes: ProbeState = { livenessFailed: () => false, startupFailed: () => false };

export const shouldRestartOnFailure = (pod: Pod): boolean => pod.spec?.restartPolicy !== "Never";

const isExited = (c: ContainerStatus) => c.state === "CONTAINER_EXITED";

function containerSucceeded(c: Container, rp: RuntimePod): boolean {
  const s = latestContainer(rp, c.name, "app");
  return s !== undefined && isExited(s) && s.exitCode === 0;
}

/** kubecontainer.ShouldContainerBeRestarted */
export function shouldContainerBeRestarted(c: Container, pod: Pod, rp: RuntimePod): boolean {
  const s = latestContainer(rp, c.name, "app");
  if (!s) return true;
  if (s.state === "CONTAINER_RUNNING") return false;
  if (s.state === "CONTAINER_UNKNOWN" || s.state === "CONTAINER_CREATED") return true;
  if (pod.spec?.restartPolicy === "Never") return false;
  if (pod.spec?.restartPolicy === "OnFailure" && s.exitCode === 0) return false;
  return true;
}

const initFailed = (s: ContainerStatus) =>
  s.state === "CONTAINER_UNKNOWN" || (isExited(s) && s.exitCode !== 0);

export interface NextInit {
  /** the init container that failed, if the last one to run did */
  failed?: Container;
  next?: Container;
  done: boolean;
}

/** kuberuntime's findNextInitContainerToRun */
export function findNextInitContainerToRun(pod: Pod, rp: RuntimePod): NextInit {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  // A running app container means initialisation finished earlier.
  for (const c of pod.spec?.containers ?? []) {
    if (latestContainer(rp, c.name, "app")?.state === "CONTAINER_RUNNING") return { done: true };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i] as Container;
    const s = latestContainer(rp, c.name, "init");
    if (!s) continue;
    if (s.state === "CONTAINER_RUNNING") return { done: false };
    if (s.state === "CONTAINER_CREATED") return { next: c, done: false };
    if (initFailed(s)) return { failed: c, next: c, done: false };
    if (i === inits.length - 1) return { done: true };
    return { next: inits[i + 1], done: false };
  }
  return { next: inits[0], done: false };
}

/** Whether the pod needs a new sandbox (podSandboxChanged), and the attempt number it gets. */
export function podSandboxChanged(
  pod: Pod,
  rp: RuntimePod,
): { changed: boolean; attempt: number; sandboxId?: string } {
  const newest = rp.sandboxes[0];
  if (!newest) return { changed: true, attempt: 0 };
  const ready = rp.sandboxes.filter((s) => s.state === "SANDBOX_READY").length;
  const next = newest.metadata.attempt + 1;
  if (ready > 1 || newest.state !== "SANDBOX_READY")
    return { changed: true, attempt: next, sandboxId: newest.id };
  if (!pod.spec?.hostNetwork && !newest.network?.ip)
    return { changed: true, attempt: next, sandboxId: newest.id };
  return { changed: false, attempt: newest.metadata.attempt, sandboxId: newest.id };
}

export function computePodActions(pod: Pod, rp: RuntimePod, probes: ProbeState = noProbes): PodActions {
  const sb = podSandboxChanged(pod, rp);
  const actions: PodActions = {
    killPod: sb.changed,
    createSandbox: sb.changed,
    sandboxId: sb.changed ? undefined : readySandbox(rp)?.id,
    attempt: sb.attempt,
    containersToStart: [],
    containersToKill: new Map(),
  };
  const containers = pod.spec?.containers ?? [];

  if (sb.changed) {
    // restartPolicy Never: a pod whose containers have run is not given a second sandbox.
    if (!shouldRestartOnFailure(pod) && sb.attempt !== 0 && rp.containers.length !== 0) {
      actions.createSandbox = false;
      return actions;
    }
    const toStart: number[] = [];
    containers.forEach((c, i) => {
      if (pod.spec?.restartPolicy === "OnFailure" && containerSucceeded(c, rp)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && findNextInitContainerToRun(pod, rp).done) {
      actions.createSandbox = false;
      return actions;
    }
    const inits = pod.spec?.initContainers ?? [];
    if (inits.length > 0) {
      actions.nextInitContainer = inits[0];
      return actions;
    }
    actions.containersToStart = toStart;
    return actions;
  }

  const init = findNextInitContainerToRun(pod, rp);
  if (!init.done) {
    if (init.failed && !shouldRestartOnFailure(pod)) {
      actions.killPod = true;
      return actions;
    }
    actions.nextInitContainer = init.next;
    return actions;
  }

  let keep = 0;
  containers.forEach((c, i) => {
    const s = latestContainer(rp, c.name, "app");
    if (s?.state !== "CONTAINER_RUNNING") {
      if (shouldContainerBeRestarted(c, pod, rp)) actions.containersToStart.push(i);
      return;
    }
    let message: string;
    if (probes.livenessFailed(s.id)) message = `Container ${c.name} failed liveness probe`;
    else if (probes.startupFailed(s.id)) message = `Container ${c.name} failed startup probe`;
    else if (hashOf(s) !== undefined && hashOf(s) !== hashContainer(c))
      message = `Container ${c.name} definition changed`;
    else {
      keep++;
      return;
    }
    if (pod.spec?.restartPolicy !== "Never") {
      message += ", will be restarted";
      actions.containersToStart.push(i);
    }
    actions.containersToKill.set(s.id, { name: c.name, type: "app", message });
  });
  if (keep === 0 && actions.containersToStart.length === 0) actions.killPod = true;
  return actions;
}
