// The pod table: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES), with STATUS
// computed exactly as printers.go's printPod does, since that string is what every kubectl user reads.
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js";
import { doc } from "./descriptions.js";
import { humanDuration, parseTime, translateTimestampSince } from "./duration.js";
import { ageColumn, column, nameColumn, type Printer, type TableRowCondition } from "./types.js";

/** kubelet's reason for pods on a node that stopped reporting (k8s.io/kubernetes/pkg/util/node). */
const nodeUnreachablePodReason = "NodeLost";

const podSuccessConditions: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const podFailedConditions: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

/** What printPod computes for one pod, before it becomes cells. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function isTerminalPhase(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** READY, STATUS and RESTARTS for a pod at time `now`. */
export function podSummary(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initSpecs = spec?.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  let reason = status.phase ?? "";
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  // Sidecars (init containers with restartPolicy Always) count as containers of the pod.
  const restartable = new Set<string>();
  for (const c of initSpecs) {
    if (c.restartPolicy === "Always") {
      restartable.add(c.name);
      totalContainers++;
    }
  }
  const finishedAt = (c: ContainerStatus) => parseTime(c.lastState?.terminated?.finishedAt) ?? 0;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i] as ContainerStatus;
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const isRestartable = restartable.has(c.name);
    if (isRestartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (isRestartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).find((c) => c.type === "Initialized")?.status === "True";
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Backwards, so the first container's state has the last word, as in kube.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] as ContainerStatus;
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose first container completed while another still runs is not "Completed".
    if (reason === "Completed" && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === nodeUnreachablePodReason) reason = "Unknown";
  else if (deleting && !isTerminalPhase(status.phase)) reason = "Terminating";

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) {
    restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

export const podPrinter: Printer<Pod> = {
  columns: [
    nameColumn,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    ageColumn,
    column("IP", "string", doc["PodStatus.podIP"], { priority: 1 }),
    column("Node", "string", doc["PodSpec.nodeName"], { priority: 1 }),
    column("Nominated Node", "string", doc["PodStatus.nominatedNodeName"], { priority: 1 }),
    column("Readiness Gates", "string", doc["PodSpec.readinessGates"], { priority: 1 }),
  ],
  row(pod, now) {
    const s = podSummary(pod, now);
    const status = pod.status ?? {};
    // The internal pod's PodIPs come from podIPs, or from podIP when podIPs is empty.
    const podIP = status.podIPs?.[0]?.ip || status.podIP || "<none>";
    const gates = pod.spec?.readinessGates ?? [];
    let readinessGates = "<none>";
    if (gates.length > 0) {
      let trueConditions = 0;
      for (const gate of gates) {
        const cond = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
        if (cond?.status === "True") trueConditions++;
      }
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    const conditions =
      status.phase === "Succeeded"
        ? podSuccessConditions
        : status.phase === "Failed"
          ? podFailedConditions
          : undefined;
    return {
      cells: [
        pod.metadata?.name ?? "",
        s.ready,
        s.status,
        s.restarts,
        translateTimestampSince(pod.metadata?.creationTimestamp, now),
        podIP,
        pod.spec?.nodeName || "<none>",
        status.nominatedNodeName || "<none>",
        readinessGates,
      ],
      ...(conditions ? { conditions } : {}),
    };
  },
};
