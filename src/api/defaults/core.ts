// Defaults of the other served kinds (v1 defaulting funcs and storage/v1 defaults).
import type {
  Event,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  PersistentVolumeClaimStatus,
  PersistentVolumeStatus,
  Secret,
} from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { canonicalizeMap } from "./quantities.js";

/** SetDefaults_Namespace/NamespaceStatus: the name label kube-apiserver keeps on every namespace. */
export function defaultNamespace(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata ??= {};
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), "kubernetes.io/metadata.name": name };
  }
  ns.status ??= {};
  ns.status.phase ??= "Active";
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: Node): void {
  // Go always serializes the spec and status structs, so kube returns `spec: {}` at least.
  (node as { spec?: object }).spec ??= {};
  const st = ((node as { status?: object }).status ??= {}) as NonNullable<Node["status"]>;
  canonicalizeMap(st.capacity);
  canonicalizeMap(st.allocatable);
  if (st.capacity && !st.allocatable) st.allocatable = { ...st.capacity };
}

/**
 * core/v1 Event fields Go serializes even when empty; kube returns them, so kite stores them
 * (clients such as `kubectl get events` read lastTimestamp/eventTime either way).
 */
export function defaultCoreEvent(ev: Event): void {
  ev.involvedObject ??= {};
  ev.source ??= {};
  ev.reportingComponent ??= "";
  ev.reportingInstance ??= "";
  const e = ev as unknown as Record<string, unknown>;
  for (const k of ["firstTimestamp", "lastTimestamp", "eventTime"]) if (e[k] === undefined) e[k] = null;
}

/** SetDefaults_Secret, plus the v1→internal conversion that folds stringData into data. */
export function defaultSecret(secret: Secret): void {
  secret.type ||= "Opaque";
  if (secret.stringData) {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData))
      secret.data[k] = Buffer.from(String(v), "utf8").toString("base64");
    delete secret.stringData;
  }
}

export function defaultPersistentVolume(pv: PersistentVolume): void {
  pv.spec ??= {};
  pv.spec.persistentVolumeReclaimPolicy ??= "Retain";
  pv.spec.volumeMode ??= "Filesystem";
  if (pv.spec.hostPath) pv.spec.hostPath.type ??= "";
  canonicalizeMap(pv.spec.capacity);
  const st = ((pv as { status?: PersistentVolumeStatus }).status ??= {});
  st.phase ??= "Pending";
}

export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  pvc.spec ??= {};
  pvc.spec.volumeMode ??= "Filesystem";
  pvc.spec.resources ??= {};
  canonicalizeMap(pvc.spec.resources.requests);
  canonicalizeMap(pvc.spec.resources.limits);
  const st = ((pvc as { status?: PersistentVolumeClaimStatus }).status ??= {});
  st.phase ??= "Pending";
  canonicalizeMap(st.capacity);
}

export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ??= "Delete";
  sc.volumeBindingMode ??= "Immediate";
}
