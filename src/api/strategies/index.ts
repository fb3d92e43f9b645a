// strategyFor: the per-resource write behaviour the generic REST handler (src/apiserver) calls.
import type { ResourceInfo } from "../registry.js";
import type { ResourceStrategy } from "../strategy.js";
import {
  bindingStrategy,
  configMapStrategy,
  eventStrategy,
  leaseStrategy,
  metadataOnlyStrategy,
  namespaceStrategy,
  nodeStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStrategy,
  secretStrategy,
  storageClassStrategy,
} from "./core.js";
import { podStrategy } from "./pod.js";

const byKind: Record<string, ResourceStrategy> = {
  "/Pod": podStrategy,
  "/Namespace": namespaceStrategy,
  "/Node": nodeStrategy,
  "/Binding": bindingStrategy,
  "/Event": eventStrategy("v1"),
  "events.k8s.io/Event": eventStrategy("events.k8s.io/v1"),
  "/ConfigMap": configMapStrategy,
  "/Secret": secretStrategy,
  "/PersistentVolume": persistentVolumeStrategy,
  "/PersistentVolumeClaim": persistentVolumeClaimStrategy,
  "storage.k8s.io/StorageClass": storageClassStrategy,
  "coordination.k8s.io/Lease": leaseStrategy,
};

export function strategyFor(r: ResourceInfo): ResourceStrategy {
  return byKind[`${r.group}/${r.kind}`] ?? metadataOnlyStrategy(r.namespaced);
}

export { computePodQOS, type QOSClass } from "./qos.js";
