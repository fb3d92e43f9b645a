// The node lifecycle controller (kube-controller-manager's nodelifecycle): a node whose agent
// stops renewing its Lease in kube-node-lease for longer than the grace period (40 s by default)
// gets its conditions set to Unknown and the unreachable taints; its pods are marked not Ready,
// and pods that do not tolerate the NoExecute taint are evicted once their toleration runs out.

import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, NodeCondition, Pod, Taint } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import { startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";

type NodeObject = Node & StoredObject;
type LeaseObject = Lease & StoredObject;
type PodObject = Pod & StoredObject;

export interface NodeLifecycleOptions {
  /** kube-controller-manager --node-monitor-grace-period */
  gracePeriodMs: number;
  /** kube-controller-manager --node-monitor-period */
  monitorPeriodMs: number;
}

const unreachable = "node.kubernetes.io/unreachable";
const notReady = "node.kubernetes.io/not-ready";
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready");
}

/** The taints a node should carry for its Ready condition (kube's TaintBasedEvictions). */
export function wantedTaints(node: Node, now: Date): Taint[] {
  const ready = readyCondition(node);
  const keep = (node.spec?.taints ?? []).filter((t) => t.key !== unreachable && t.key !== notReady);
  const key = ready?.status === "Unknown" ? unreachable : ready?.status === "False" ? notReady : undefined;
  if (!key) return keep;
  const existing = (effect: string) => node.spec?.taints?.find((t) => t.key === key && t.effect === effect);
  return [
    ...keep,
    existing("NoSchedule") ?? { key, effect: "NoSchedule" },
    existing("NoExecute") ?? { key, effect: "NoExecute", timeAdded: rfc3339(now) },
  ];
}

/** When a pod not tolerating `taint` forever must go: undefined = never, 0 = now. */
export function evictionDelayMs(pod: Pod, taint: Taint): number | undefined {
  let best: number | undefined = 0;
  let tolerated = false;
  for (const t of pod.spec?.tolerations ?? []) {
    if (t.effect && t.effect !== taint.effect) continue;
    const keyOk =
      t.operator === "Exists"
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    if (!keyOk) continue;
    tolerated = true;
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) return undefined;
    best = Math.max(best ?? 0, Math.max(0, t.tolerationSeconds) * 1000);
  }
  return tolerated ? best : 0;
}

export function startNodeLifecycleController(
  client: Client,
  events: EventRecorder,
  log: Logger,
  opts: NodeLifecycleOptions,
): { stop(): void } {
  const nodes = startInformer<NodeObject>(client, "/api/v1/nodes", { onChange: () => {} }, (e) =>
    log.warn({ err: String(e) }, "node lifecycle: node informer"),
  );
  const leases = startInformer<LeaseObject>(
    client,
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
    { onChange: () => {} },
    (e) => log.warn({ err: String(e) }, "node lifecycle: lease informer"),
  );
  const pods = startInformer<PodObject>(client, "/api/v1/pods", { onChange: () => {} }, (e) =>
    log.warn({ err: String(e) }, "node lifecycle: pod informer"),
  );
  const started = Date.now();
  let running = false;

  async function monitor(): Promise<void> {
    if (running) return;
    running = true;
    try {
      const now = new Date();
      for (const node of nodes.list()) {
        try {
          await monitorNode(node, now);
        } catch (err) {
          if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) {
            log.warn({ err: String(err), node: node.metadata.name }, "node lifecycle");
          }
        }
      }
    } finally {
      running = false;
    }
  }

  async function monitorNode(node: NodeObject, now: Date): Promise<void> {
    const name = node.metadata.name;
    const lease = leases.get(`kube-node-lease/${name}`);
    const ready = readyCondition(node);
    const heartbeats = [lease?.spec?.renewTime, ready?.lastHeartbeatTime, node.metadata.creationTimestamp]
      .filter((t): t is string => typeof t === "string")
      .map((t) => Date.parse(t));
    // A controller that just started gives every node a full grace period before judging it.
    const last = Math.max(started, ...heartbeats);
    const silent = now.getTime() - last > opts.gracePeriodMs;
    if (silent && ready?.status !== "Unknown") {
      const types = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
      const conditions: NodeCondition[] = types.map((type) => {
        const cur = node.status?.conditions?.find((c) => c.type === type);
        return {
          type,
          status: "Unknown",
          reason: "NodeStatusUnknown",
          message: "Kubelet stopped posting node status.",
          lastHeartbeatTime: cur?.lastHeartbeatTime,
          lastTransitionTime: rfc3339(now),
        } as NodeCondition;
      });
      const others = (node.status?.conditions ?? []).filter((c) => !types.includes(c.type));
      await client.request(
        "PATCH",
        `/api/v1/nodes/${encodeURIComponent(name)}/status`,
        { status: { conditions: [...conditions, ...others] } },
        "application/merge-patch+json",
      );
      events.event(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      log.info({ node: name }, "node stopped posting status");
      return; // taints follow on the next pass, from the updated object
    }
    const taints = wantedTaints(node, now);
    if (JSON.stringify(taints) !== JSON.stringify(node.spec?.taints ?? [])) {
      await client.request(
        "PATCH",
        `/api/v1/nodes/${encodeURIComponent(name)}`,
        { spec: { taints: taints.length ? taints : null } },
        "application/merge-patch+json",
      );
    }
    if (ready?.status === "True") return;
    for (const pod of pods.list()) {
      if (pod.spec?.nodeName !== name || pod.metadata.deletionTimestamp) continue;
      await markPodNotReady(pod, now);
      for (const taint of taints.filter(
        (t) => t.effect === "NoExecute" && (t.key === unreachable || t.key === notReady),
      )) {
        const delay = evictionDelayMs(pod, taint);
        const since = taint.timeAdded ? Date.parse(taint.timeAdded) : now.getTime();
        if (delay !== undefined && now.getTime() - since >= delay) {
          events.event(
            pod,
            "Normal",
            "TaintManagerEviction",
            `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
          );
          await client.request(
            "DELETE",
            `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}`,
            {},
          );
          break;
        }
      }
    }
  }

  async function markPodNotReady(pod: PodObject, now: Date): Promise<void> {
    const conds = pod.status?.conditions ?? [];
    if (!conds.some((c) => c.type === "Ready" && c.status === "True")) return;
    const conditions = conds.map((c) =>
      c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: rfc3339(now) } : c,
    );
    await client.request(
      "PATCH",
      `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}/status`,
      { status: { conditions } },
      "application/merge-patch+json",
    );
  }

  const timer = setInterval(() => void monitor(), opts.monitorPeriodMs).unref();
  return {
    stop() {
      clearInterval(timer);
      nodes.stop();
      leases.stop();
      pods.stop();
    },
  };
}
