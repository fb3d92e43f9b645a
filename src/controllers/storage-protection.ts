// The pvc-protection and pv-protection controllers: a claim being deleted keeps its finalizer
// while a pod that is not finished still uses it; a volume being deleted keeps its finalizer
// while it is Bound. Then the finalizer goes and the API server completes the deletion.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import { startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";

type PVC = PersistentVolumeClaim & StoredObject;
type PV = PersistentVolume & StoredObject;
type PodObject = Pod & StoredObject;

export const pvcProtection = "kubernetes.io/pvc-protection";
export const pvProtection = "kubernetes.io/pv-protection";

/** Whether a pod still uses the claim: it names it and has not finished. */
export function podUsesClaim(pod: Pod, namespace: string, claim: string): boolean {
  if (pod.metadata?.namespace !== namespace) return false;
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return false;
  return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim);
}

export function startStorageProtection(client: Client, log: Logger): { stop(): void } {
  let synced = 0;
  let running = false;
  let again = false;
  let stopped = false;
  const onChange = () => kick();
  const claims = startInformer<PVC>(
    client,
    "/api/v1/persistentvolumeclaims",
    { onChange, onSynced: () => synced++ },
    warn,
  );
  const volumes = startInformer<PV>(
    client,
    "/api/v1/persistentvolumes",
    { onChange, onSynced: () => synced++ },
    warn,
  );
  const pods = startInformer<PodObject>(client, "/api/v1/pods", { onChange, onSynced: () => synced++ }, warn);

  function warn(e: unknown): void {
    log.warn({ err: String(e) }, "storage protection");
  }

  function kick(): void {
    again = true;
    if (running || stopped || synced < 3) return;
    running = true;
    setImmediate(() => void drain());
  }

  async function drain(): Promise<void> {
    while (again && !stopped) {
      again = false;
      for (const c of claims.list()) {
        if (!c.metadata.deletionTimestamp || !c.metadata.finalizers?.includes(pvcProtection)) continue;
        if (pods.list().some((p) => podUsesClaim(p, c.metadata.namespace!, c.metadata.name))) continue;
        await removeFinalizer(
          `/api/v1/namespaces/${encodeURIComponent(c.metadata.namespace!)}/persistentvolumeclaims/${encodeURIComponent(c.metadata.name)}`,
          c,
          pvcProtection,
        );
      }
      for (const v of volumes.list()) {
        if (!v.metadata.deletionTimestamp || !v.metadata.finalizers?.includes(pvProtection)) continue;
        if (v.status?.phase === "Bound") continue;
        await removeFinalizer(
          `/api/v1/persistentvolumes/${encodeURIComponent(v.metadata.name)}`,
          v,
          pvProtection,
        );
      }
    }
    running = false;
  }

  async function removeFinalizer(path: string, o: StoredObject, finalizer: string): Promise<void> {
    try {
      await client.request(
        "PATCH",
        path,
        [
          { op: "test", path: "/metadata/resourceVersion", value: o.metadata.resourceVersion },
          {
            op: "replace",
            path: "/metadata/finalizers",
            value: (o.metadata.finalizers ?? []).filter((f) => f !== finalizer),
          },
        ],
        "application/json-patch+json",
      );
    } catch (err) {
      if (!isStatusError(err, "NotFound")) {
        setTimeout(() => kick(), 500).unref();
      }
    }
  }

  return {
    stop() {
      stopped = true;
      claims.stop();
      volumes.stop();
      pods.stop();
    },
  };
}
