// How the main resource and the status subresource split an object on update, as kube's
// *Strategy.PrepareForUpdate and *StatusStrategy.PrepareForUpdate do for every kind with status.
import { deepCopy, type KubeObject } from "../object.js";

const shared = new Set(["apiVersion", "kind", "metadata", "status"]);

/** Main-resource update: the caller's status is ignored, the stored one is kept. */
export function keepStatus(newObj: KubeObject, oldObj: KubeObject): void {
  if (oldObj.status === undefined) delete newObj.status;
  else newObj.status = deepCopy(oldObj.status);
}

/**
 * Status update: everything but status comes from the stored object (spec and any other
 * top-level fields). Labels and annotations may change through status, as in kube; owner
 * references may not (kube guards them against old kubelets).
 */
export function keepAllButStatus(newObj: KubeObject, oldObj: KubeObject): void {
  for (const k of Object.keys(newObj)) if (!shared.has(k)) delete newObj[k];
  for (const [k, v] of Object.entries(oldObj)) if (!shared.has(k)) newObj[k] = deepCopy(v);
  const oldRefs = oldObj.metadata?.ownerReferences;
  newObj.metadata ??= {};
  if (oldRefs === undefined) delete newObj.metadata.ownerReferences;
  else newObj.metadata.ownerReferences = deepCopy(oldRefs);
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
export function nowTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
