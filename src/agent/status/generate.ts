// The pod status as the kubelet writes it (kubelet_pods.go generateAPIPodStatus, getPhase,
// convertToAPIContainerStatuses; status/generate.go for the conditions). Pure: the pod, the
// runtime's view of it and the agent's in-memory knowledge (probe results, why a container is
// waiting) in; a v1.PodStatus out. The status manager adds transition times and writes it.
import type {
  ContainerStatus as APIContainerStatus,
  Container,
  ContainerState,
  ContainerStateTerminated,
  Pod,
  PodCondition,
  PodStatus,
} from "kubernetes-types/core/v1.js";
import type { ContainerStatus } from "../../runtime/runtime.js";
import { shouldContainerBeRestarted } from "../pod-actions.js";
import {
  type ContainerType,
  containersNamed,
  type RuntimePod,
  readySandbox,
  restartCountOf,
} from "../runtime-pod.js";

/** Why a container is waiting, remembered between syncs (kubelet's reasonCache). */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface StatusInput {
  pod: Pod;
  rp: RuntimePod;
  /** keyed by `${type}/${name}` */
  reasons: ReadonlyMap<string, WaitingReason>;
  /** readiness result for a running container id: undefined when no result yet */
  readiness(containerId: string): boolean | undefined;
  /** whether the startup probe succeeded (true when the container has none) */
  started(containerId: string): boolean;
  /** terminated.message of an exited container, read from its termination message file or logs */
  terminationMessage(containerId: string): string | undefined;
  /** imageID for a runtime container (`docker.io/library/nginx@sha256:…`) */
  imageID(c: ContainerStatus): string;
  /** e.g. "runc": containerID is `runc://<id>` */
  runtimeName: string;
  hostIPs: string[];
  /** the pod worker has stopped every container and will start none (kubelet's podIsTerminal) */
  podIsTerminal: boolean;
  now: Date;
}

export const reasonKey = (type: ContainerType, name: string): string => `${type}/${name}`;

export const ContainerCreating = "ContainerCreating";
export const PodInitializing = "PodInitializing";

/** Kubernetes timestamps are RFC 3339 with whole seconds. */
export const rfc3339 = (d: Date | string): string => new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");

function terminatedState(c: ContainerStatus, input: StatusInput): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 0;
  const t: ContainerStateTerminated = {
    exitCode,
    reason: c.reason || (exitCode === 0 ? "Completed" : "Error"),
    startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
    finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
    containerID: `${input.runtimeName}://${c.id}`,
  };
  const message = input.terminationMessage(c.id) ?? c.message;
  if (message) t.message = message;
  return t;
}

function apiState(c: ContainerStatus, input: StatusInput): ContainerState {
  switch (c.state) {
    case "CONTAINER_RUNNING":
      return { running: { startedAt: rfc3339(c.startedAt ?? c.createdAt) } };
    case "CONTAINER_EXITED":
      return { terminated: terminatedState(c, input) };
    case "CONTAINER_CREATED":
      return { waiting: { reason: ContainerCreating } };
    default:
      return {
        terminated: {
          exitCode: 137,
          reason: "ContainerStatusUnknown",
          message: "The container could not be located when the pod was terminated",
          containerID: `${input.runtimeName}://${c.id}`,
        },
      };
  }
}

function containerStatuses(
  input: StatusInput,
  specs: Container[],
  type: ContainerType,
  defaultReason: string,
): APIContainerStatus[] {
  return specs.map((spec) => {
    const all = containersNamed(input.rp, spec.name, type);
    const latest = all[0];
    const status: APIContainerStatus = {
      name: spec.name,
      image: spec.image ?? "",
      imageID: "",
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: defaultReason } },
      lastState: {},
    };
    if (latest) {
      status.state = apiState(latest, input);
      status.containerID = `${input.runtimeName}://${latest.id}`;
      status.imageID = input.imageID(latest);
      status.restartCount = restartCountOf(latest);
      const previous = all.find((c, i) => i > 0 && c.state === "CONTAINER_EXITED");
      if (previous) status.lastState = { terminated: terminatedState(previous, input) };
      if (latest.state === "CONTAINER_RUNNING") {
        const started = input.started(latest.id);
        status.started = started;
        status.ready = started && (spec.readinessProbe ? input.readiness(latest.id) === true : true);
      }
    }
    // A container that will be restarted and has a recorded reason shows it as Waiting, with the
    // exit it is recovering from as lastState.
    const restartable =
      type === "app"
        ? shouldContainerBeRestarted(spec, input.pod, input.rp)
        : latest === undefined || latest.state !== "CONTAINER_RUNNING";
    const reason = input.reasons.get(reasonKey(type, spec.name));
    if (restartable && reason && !input.podIsTerminal) {
      if (status.state?.terminated) status.lastState = { terminated: status.state.terminated };
      status.state = { waiting: { reason: reason.reason, message: reason.message || undefined } };
    }
    if (input.podIsTerminal && status.state?.waiting) {
      // A terminal pod's containers that never ran are reported terminated, so the phase can end.
      status.state = {
        terminated: {
          exitCode: 137,
          reason: "ContainerStatusUnknown",
          message: "The container could not be located when the pod was terminated",
        },
      };
    }
    return status;
  });
}

/** kubelet's getPhase. */
export function getPhase(
  pod: Pod,
  init: APIContainerStatus[],
  app: APIContainerStatus[],
  podIsTerminal: boolean,
): string {
  const spec = pod.spec;
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of spec?.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s) {
      pendingInitialization++;
      continue;
    }
    if (s.state?.running) pendingInitialization++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec?.containers ?? []) {
    const s = app.find((x) => x.name === c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && spec?.restartPolicy === "Never") return "Failed";
  const anyRegularStarted = app.some(
    (s) => s.state?.running || s.state?.terminated || s.lastState?.terminated,
  );
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    // A terminal pod's containers will not be restarted whatever the restart policy says.
    if (podIsTerminal) return stopped === succeeded ? "Succeeded" : "Failed";
    if (spec?.restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (spec?.restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

const goList = (names: string[]) => `[${names.join(" ")}]`;

export function initializedCondition(
  pod: Pod,
  init: APIContainerStatus[],
  app: APIContainerStatus[],
  phase: string,
): PodCondition {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { type: "Initialized", status: "True" };
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = init.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (s.state?.terminated?.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === "Succeeded" && unknown.length === 0)
    return { type: "Initialized", status: "True", reason: "PodCompleted" };
  if (app.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) {
    return { type: "Initialized", status: "True" };
  }
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length)
    return {
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: msgs.join(", "),
    };
  return { type: "Initialized", status: "True" };
}

export function containersReadyCondition(pod: Pod, app: APIContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const s = app.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === "Succeeded" && unknown.length === 0)
    return { type: "ContainersReady", status: "False", reason: "PodCompleted" };
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length)
    return {
      type: "ContainersReady",
      status: "False",
      reason: "ContainersNotReady",
      message: msgs.join(", "),
    };
  return { type: "ContainersReady", status: "True" };
}

export function readyCondition(
  pod: Pod,
  containersReady: PodCondition,
  others: PodCondition[],
): PodCondition {
  if (containersReady.status !== "True") {
    return {
      type: "Ready",
      status: containersReady.status,
      reason: containersReady.reason,
      message: containersReady.message,
    };
  }
  const unmet: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = others.find((x) => x.type === gate.conditionType);
    if (!c)
      unmet.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== "True")
      unmet.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (unmet.length)
    return { type: "Ready", status: "False", reason: "ReadinessGatesNotReady", message: unmet.join(", ") };
  return { type: "Ready", status: "True" };
}

/** v1qos.GetPodQOS */
export function qosClass(pod: Pod): string {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (q !== undefined || l !== undefined) any = true;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The kubelet-owned conditions, in the order the kubelet appends them. */
export const kubeletConditions = [
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
];

export function generateAPIPodStatus(input: StatusInput): PodStatus {
  const { pod, rp } = input;
  const old = pod.status ?? {};
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  const sandbox = readySandbox(rp);
  const init = containerStatuses(input, pod.spec?.initContainers ?? [], "init", PodInitializing);
  const app = containerStatuses(
    input,
    pod.spec?.containers ?? [],
    "app",
    hasInit ? PodInitializing : ContainerCreating,
  );
  let phase = getPhase(pod, init, app, input.podIsTerminal);
  // A pod never leaves a terminal phase (the status manager refuses the transition).
  if (old.phase === "Failed" || old.phase === "Succeeded") phase = old.phase;

  const others = (old.conditions ?? []).filter((c) => !kubeletConditions.includes(c.type));
  const netReady = sandbox !== undefined && (pod.spec?.hostNetwork === true || !!sandbox.network?.ip);
  const initialized = initializedCondition(pod, init, app, phase);
  const containersReady = containersReadyCondition(pod, app, phase);
  const ready = readyCondition(pod, containersReady, others);
  const conditions: PodCondition[] = [
    { type: "PodReadyToStartContainers", status: netReady ? "True" : "False" },
    initialized,
    ready,
    containersReady,
    { type: "PodScheduled", status: "True" },
    ...others,
  ];

  const ip = pod.spec?.hostNetwork ? input.hostIPs[0] : sandbox?.network?.ip;
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIPs[0],
    hostIPs: input.hostIPs.map((ip) => ({ ip })),
    podIP: ip ?? old.podIP,
    podIPs: ip ? [{ ip }] : old.podIPs,
    startTime: old.startTime ?? rfc3339(input.now),
    qosClass: old.qosClass ?? qosClass(pod),
    initContainerStatuses: hasInit ? init : undefined,
    containerStatuses: app,
  };
  if (old.reason) status.reason = old.reason;
  if (old.message) status.message = old.message;
  if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName;
  return status;
}
