// The status manager (kubelet's status/status_manager.go): keeps the last status written for each
// pod, stamps condition transition times (kept while a condition's status is unchanged), and writes
// `pods/status` only when something changed — one merge patch carrying the pod's UID as a
// precondition, so a status never lands on a newer pod of the same name.
import type { Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../api/errors.js";
import type { Client } from "../../client/client.js";
import { rfc3339 } from "./generate.js";

export interface StatusManager {
  /** Writes `status` for `pod` unless the API already holds it. Resolves to whether a write happened. */
  setPodStatus(pod: Pod, status: PodStatus): Promise<boolean>;
  /** The latest status known for a pod: the one written last, or the API's if newer. */
  currentStatus(pod: Pod): PodStatus | undefined;
  forget(uid: string): void;
}

/** Keeps lastTransitionTime of conditions whose status did not change; stamps the others. */
export function updateTransitionTimes(
  next: PodCondition[],
  prev: PodCondition[] | undefined,
  now: Date,
): PodCondition[] {
  return next.map((c) => {
    const old = prev?.find((p) => p.type === c.type);
    const lastTransitionTime =
      old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
    return { ...c, lastProbeTime: null as unknown as string, lastTransitionTime };
  });
}

const rvNewer = (a: string | undefined, b: string | undefined): boolean => {
  if (!a || !b) return !!a;
  try {
    return BigInt(a) > BigInt(b);
  } catch {
    return a !== b;
  }
};

/** A stable text of a status for comparison: key order does not matter, absent equals null. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

export function newStatusManager(client: Client, now: () => Date = () => new Date()): StatusManager {
  const written = new Map<string, { rv: string; status: PodStatus }>();

  const base = (pod: Pod): PodStatus | undefined => {
    const w = written.get(pod.metadata?.uid ?? "");
    if (w && !rvNewer(pod.metadata?.resourceVersion, w.rv)) return w.status;
    return pod.status;
  };

  // One write at a time per pod, in call order: a status computed later never lands first.
  const inflight = new Map<string, Promise<unknown>>();
  async function serialized<T>(uid: string, write: () => Promise<T>): Promise<T> {
    const prev = inflight.get(uid) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(write);
    inflight.set(uid, next);
    try {
      return await next;
    } finally {
      if (inflight.get(uid) === next) inflight.delete(uid);
    }
  }

  return {
    currentStatus: base,
    setPodStatus: (pod, status) => serialized(pod.metadata?.uid ?? "", () => write(pod, status)),
    forget(uid) {
      written.delete(uid);
    },
  };

  async function write(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata?.uid ?? "";
    const old = base(pod) ?? {};
    const next: PodStatus = {
      ...status,
      conditions: updateTransitionTimes(status.conditions ?? [], old.conditions, now()),
    };
    if (canonical(next) === canonical(old)) return false;
    // Merge patch: lists replace wholesale; keys the new status drops are set to null.
    const patch: Record<string, unknown> = { ...next };
    for (const k of Object.keys(old))
      if (!(k in next) || (next as Record<string, unknown>)[k] === undefined) patch[k] = null;
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? "default")}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}/status`;
    try {
      const res = await client.request<Pod>(
        "PATCH",
        path,
        { metadata: { uid }, status: patch },
        "application/merge-patch+json",
      );
      written.set(uid, { rv: res.metadata?.resourceVersion ?? "", status: res.status ?? next });
      return true;
    } catch (err) {
      // The pod is gone (or replaced): nothing to report on.
      if (isStatusError(err, "NotFound") || isStatusError(err, "Conflict")) return false;
      throw err;
    }
  }
}
