// The scheduler (kube-scheduler's default profile in small): binds each unscheduled pod that
// names "default-scheduler" to a node that fits — node selector and required node affinity,
// taints and tolerations, unschedulable nodes, and resource requests against allocatable —
// preferring the least allocated node. A pod that fits nowhere stays Pending with
// PodScheduled=False/Unschedulable and a FailedScheduling event carrying kube's message.
import type {
  Node,
  NodeSelectorRequirement,
  PersistentVolumeClaim,
  Pod,
  Taint,
  Toleration,
} from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import { quantityToBytes, quantityToMillis } from "../api/quantity.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import { cacheKey, startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";
import { selectedNodeAnnotation } from "./persistent-volume.js";

type PodObject = Pod & StoredObject;
type NodeObject = Node & StoredObject;

export const defaultSchedulerName = "default-scheduler";

interface Requests {
  milliCpu: bigint;
  memory: bigint;
  ephemeralStorage: bigint;
}

/** The pod's effective requests: max(init containers) vs sum(containers), as the scheduler computes them. */
export function podRequests(pod: Pod): Requests {
  const sum: Requests = { milliCpu: 0n, memory: 0n, ephemeralStorage: 0n };
  const add = (r: Record<string, string> | undefined, into: Requests) => {
    if (!r) return;
    if (r.cpu !== undefined) into.milliCpu += quantityToMillis(r.cpu);
    if (r.memory !== undefined) into.memory += quantityToBytes(r.memory);
    if (r["ephemeral-storage"] !== undefined)
      into.ephemeralStorage += quantityToBytes(r["ephemeral-storage"]);
  };
  for (const c of pod.spec?.containers ?? []) add(c.resources?.requests, sum);
  for (const c of pod.spec?.initContainers ?? []) {
    const one: Requests = { milliCpu: 0n, memory: 0n, ephemeralStorage: 0n };
    add(c.resources?.requests, one);
    if (one.milliCpu > sum.milliCpu) sum.milliCpu = one.milliCpu;
    if (one.memory > sum.memory) sum.memory = one.memory;
    if (one.ephemeralStorage > sum.ephemeralStorage) sum.ephemeralStorage = one.ephemeralStorage;
  }
  const overhead = pod.spec?.overhead;
  if (overhead) add(overhead, sum);
  return sum;
}

function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function matchesRequirement(
  labels: Record<string, string>,
  req: NodeSelectorRequirement,
  node: Node,
): boolean {
  const value = req.key === "metadata.name" ? node.metadata?.name : labels[req.key];
  switch (req.operator) {
    case "In":
      return value !== undefined && (req.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(req.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(req.values?.[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(req.values?.[0]);
    default:
      return false;
  }
}

/** Why a node does not fit, in kube-scheduler's words, or undefined when it fits. */
export function unfitReasons(pod: Pod, node: Node, podsOnNode: Pod[]): string[] {
  const reasons: string[] = [];
  const labels = node.metadata?.labels ?? {};
  if (
    node.spec?.unschedulable &&
    !tolerates(pod.spec?.tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })
  ) {
    reasons.push("node(s) were unschedulable");
  }
  const selector = pod.spec?.nodeSelector ?? {};
  let affinityOk = Object.entries(selector).every(([k, v]) => labels[k] === v);
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (affinityOk && required?.nodeSelectorTerms?.length) {
    affinityOk = required.nodeSelectorTerms.some(
      (term) =>
        (term.matchExpressions ?? []).every((r) => matchesRequirement(labels, r, node)) &&
        (term.matchFields ?? []).every((r) => matchesRequirement({}, { ...r, key: "metadata.name" }, node)),
    );
  }
  if (!affinityOk) reasons.push("node(s) didn't match Pod's node affinity/selector");
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tolerates(pod.spec?.tolerations, taint)) {
      reasons.push(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
      break;
    }
  }
  const alloc = node.status?.allocatable ?? {};
  const want = podRequests(pod);
  const used: Requests = { milliCpu: 0n, memory: 0n, ephemeralStorage: 0n };
  for (const p of podsOnNode) {
    const r = podRequests(p);
    used.milliCpu += r.milliCpu;
    used.memory += r.memory;
    used.ephemeralStorage += r.ephemeralStorage;
  }
  if (alloc.pods !== undefined && BigInt(podsOnNode.length + 1) > quantityToMillis(alloc.pods) / 1000n)
    reasons.push("Too many pods");
  if (
    alloc.cpu !== undefined &&
    want.milliCpu > 0n &&
    used.milliCpu + want.milliCpu > quantityToMillis(alloc.cpu)
  ) {
    reasons.push("Insufficient cpu");
  }
  if (
    alloc.memory !== undefined &&
    want.memory > 0n &&
    used.memory + want.memory > quantityToBytes(alloc.memory)
  ) {
    reasons.push("Insufficient memory");
  }
  if (
    alloc["ephemeral-storage"] !== undefined &&
    want.ephemeralStorage > 0n &&
    used.ephemeralStorage + want.ephemeralStorage > quantityToBytes(alloc["ephemeral-storage"])
  ) {
    reasons.push("Insufficient ephemeral-storage");
  }
  return reasons;
}

/**
 * kube-scheduler's FitError text, e.g. "0/1 nodes are available: 1 Insufficient memory.
 * preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
 * `perNode` holds each infeasible node's reasons.
 */
export function fitErrorMessage(nodeCount: number, perNode: string[][]): string {
  if (nodeCount === 0) return "no nodes available to schedule pods";
  const count = (items: string[]) => {
    const m = new Map<string, number>();
    for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
    return [...m].map(([r, n]) => `${n} ${r}`).sort();
  };
  const reasons = count(perNode.flat());
  const base = `0/${nodeCount} nodes are available${reasons.length ? `: ${reasons.join(", ")}` : ""}.`;
  // Preemption could only help where every reason is a resource shortage, and kite has no victims to offer.
  const resource = (r: string) => r.startsWith("Insufficient ") || r === "Too many pods";
  const preemption = count(
    perNode.map((rs) =>
      rs.every(resource)
        ? "No preemption victims found for incoming pod"
        : "Preemption is not helpful for scheduling",
    ),
  );
  return `${base} preemption: 0/${nodeCount} nodes are available: ${preemption.join(", ")}.`;
}

const terminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export function startScheduler(client: Client, events: EventRecorder, log: Logger): { stop(): void } {
  let stopped = false;
  let synced = 0;
  const queue = new Set<string>();
  let scheduled = false;
  // Pods that did not fit are retried when nodes or pods change, and every 10 s regardless.
  const unschedulable = new Set<string>();
  // Bindings kite made but the informer has not seen yet: count them against their node.
  const assumed = new Map<string, { node: string; pod: PodObject }>();

  const pods = startInformer<PodObject>(
    client,
    "/api/v1/pods",
    {
      onChange(pod, type) {
        const key = cacheKey(pod);
        if (pod.spec?.nodeName || type === "DELETED") {
          assumed.delete(key);
          unschedulable.delete(key);
          if (unschedulable.size) retryUnschedulable();
          return;
        }
        enqueue(key);
      },
      onSynced: () => {
        synced++;
        kick();
      },
    },
    (err) => log.warn({ err: String(err) }, "scheduler pod informer"),
  );
  const nodes = startInformer<NodeObject>(
    client,
    "/api/v1/nodes",
    {
      onChange: () => retryUnschedulable(),
      onSynced: () => {
        synced++;
        kick();
      },
    },
    (err) => log.warn({ err: String(err) }, "scheduler node informer"),
  );
  const timer = setInterval(() => retryUnschedulable(), 10_000).unref();

  function retryUnschedulable(): void {
    for (const k of unschedulable) enqueue(k);
    unschedulable.clear();
  }

  function enqueue(key: string): void {
    queue.add(key);
    kick();
  }

  function kick(): void {
    if (scheduled || synced < 2 || stopped) return;
    scheduled = true;
    setImmediate(() => void drain());
  }

  async function drain(): Promise<void> {
    while (queue.size > 0 && !stopped) {
      const key = queue.values().next().value as string;
      queue.delete(key);
      try {
        await scheduleOne(key);
      } catch (err) {
        if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) {
          log.warn({ err: String(err), pod: key }, "scheduling failed; will retry");
        }
        unschedulable.add(key);
      }
    }
    scheduled = false;
  }

  async function scheduleOne(key: string): Promise<void> {
    const pod = pods.get(key);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || terminal(pod)) return;
    if ((pod.spec?.schedulerName ?? defaultSchedulerName) !== defaultSchedulerName) return;
    if (pod.spec?.schedulingGates?.length) return;
    const allNodes = nodes.list();
    const byNode = new Map<string, Pod[]>();
    for (const p of pods.list()) {
      const n = p.spec?.nodeName;
      if (n && !terminal(p)) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    for (const { node, pod: p } of assumed.values()) byNode.set(node, [...(byNode.get(node) ?? []), p]);

    const perNode: string[][] = [];
    const feasible: Array<{ node: NodeObject; score: number }> = [];
    for (const node of allNodes) {
      const on = byNode.get(node.metadata.name) ?? [];
      const why = unfitReasons(pod, node, on);
      if (why.length) {
        perNode.push(why);
        continue;
      }
      // Least allocated: the share of cpu and memory still free after placing the pod.
      const alloc = node.status?.allocatable ?? {};
      const req = podRequests(pod);
      let usedCpu = req.milliCpu;
      let usedMem = req.memory;
      for (const p of on) {
        const r = podRequests(p);
        usedCpu += r.milliCpu;
        usedMem += r.memory;
      }
      const cpu = alloc.cpu ? Number(quantityToMillis(alloc.cpu)) : 1;
      const mem = alloc.memory ? Number(quantityToBytes(alloc.memory)) : 1;
      feasible.push({ node, score: (1 - Number(usedCpu) / cpu + (1 - Number(usedMem) / mem)) / 2 });
    }
    if (feasible.length === 0) {
      const message = fitErrorMessage(allNodes.length, perNode);
      await markUnschedulable(pod, message);
      unschedulable.add(key);
      return;
    }
    feasible.sort((a, b) => b.score - a.score || a.node.metadata.name.localeCompare(b.node.metadata.name));
    const target = feasible[0]!.node.metadata.name;
    await selectNodeForDelayedClaims(pod, target);
    assumed.set(key, { node: target, pod });
    try {
      await client.request(
        "POST",
        `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}/binding`,
        {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: pod.metadata.name },
          target: { apiVersion: "v1", kind: "Node", name: target },
        },
      );
    } catch (err) {
      assumed.delete(key);
      throw err;
    }
    events.event(
      pod,
      "Normal",
      "Scheduled",
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${target}`,
    );
  }

  /**
   * The scheduler's VolumeBinding step for WaitForFirstConsumer classes: an unbound claim the pod
   * uses is told where the pod goes (the selected-node annotation), so its provisioner places the
   * volume there.
   */
  async function selectNodeForDelayedClaims(pod: PodObject, node: string): Promise<void> {
    const ns = encodeURIComponent(pod.metadata.namespace!);
    for (const v of pod.spec?.volumes ?? []) {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const claim = await client
        .request<PersistentVolumeClaim>(
          "GET",
          `/api/v1/namespaces/${ns}/persistentvolumeclaims/${encodeURIComponent(claimName)}`,
        )
        .catch(() => undefined);
      if (!claim || claim.spec?.volumeName || claim.metadata?.annotations?.[selectedNodeAnnotation]) continue;
      const className = claim.spec?.storageClassName;
      if (!className) continue;
      const sc = await client
        .request<StorageClass>(
          "GET",
          `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(className)}`,
        )
        .catch(() => undefined);
      if (sc?.volumeBindingMode !== "WaitForFirstConsumer") continue;
      await client.request(
        "PATCH",
        `/api/v1/namespaces/${ns}/persistentvolumeclaims/${encodeURIComponent(claimName)}`,
        { metadata: { annotations: { [selectedNodeAnnotation]: node } } },
        "application/merge-patch+json",
      );
    }
  }

  async function markUnschedulable(pod: PodObject, message: string): Promise<void> {
    const cond = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (cond?.status === "False" && cond.reason === "Unschedulable" && cond.message === message) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: cond?.status === "False" ? cond.lastTransitionTime : now,
    });
    await client.request(
      "PATCH",
      `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}/status`,
      { status: { conditions } },
      "application/merge-patch+json",
    );
    events.event(pod, "Warning", "FailedScheduling", message);
  }

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      pods.stop();
      nodes.stop();
    },
  };
}
