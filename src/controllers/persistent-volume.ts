// The PersistentVolume controller (kube-controller-manager's persistentvolume binder): binds
// claims to volumes both ways, keeps the phases (Available, Bound, Released, Lost), hands claims
// of a provisioning class to their provisioner, and reclaims released volumes (Delete / Retain).
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import { compareQuantities } from "../api/quantity.js";
import { labelSelectorFromObject, matchesLabels } from "../api/selectors/index.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import { cacheKey, startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";

type PVC = PersistentVolumeClaim & StoredObject;
type PV = PersistentVolume & StoredObject;
type SC = StorageClass & StoredObject;

export const provisionerAnnotation = "volume.kubernetes.io/storage-provisioner";
export const betaProvisionerAnnotation = "volume.beta.kubernetes.io/storage-provisioner";
export const selectedNodeAnnotation = "volume.kubernetes.io/selected-node";
export const provisionedByAnnotation = "pv.kubernetes.io/provisioned-by";

const pvcPath = (c: PVC) =>
  `/api/v1/namespaces/${encodeURIComponent(c.metadata.namespace!)}/persistentvolumeclaims/${encodeURIComponent(c.metadata.name)}`;
const pvPath = (v: PV) => `/api/v1/persistentvolumes/${encodeURIComponent(v.metadata.name)}`;

/** Whether a volume can satisfy a claim (kube's findMatchingVolume, without the pre-bound cases). */
export function volumeMatches(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const spec = claim.spec ?? {};
  if ((spec.storageClassName ?? "") !== (volume.spec?.storageClassName ?? "")) return false;
  if ((spec.volumeMode ?? "Filesystem") !== (volume.spec?.volumeMode ?? "Filesystem")) return false;
  const modes = volume.spec?.accessModes ?? [];
  if (!(spec.accessModes ?? []).every((m) => modes.includes(m))) return false;
  const want = spec.resources?.requests?.storage;
  const have = volume.spec?.capacity?.storage;
  if (want && (!have || compareQuantities(have, want) < 0)) return false;
  if (spec.selector && !matchesLabels(labelSelectorFromObject(spec.selector), volume.metadata?.labels ?? {}))
    return false;
  return true;
}

export function startPersistentVolumeController(
  client: Client,
  events: EventRecorder,
  log: Logger,
): { stop(): void } {
  let synced = 0;
  let stopped = false;
  const queue = new Set<string>();
  let running = false;
  const onChange = () => kick();
  const claims = startInformer<PVC>(
    client,
    "/api/v1/persistentvolumeclaims",
    { onChange, onSynced: () => synced++ },
    (e) => log.warn({ err: String(e) }, "pv controller: claims"),
  );
  const volumes = startInformer<PV>(
    client,
    "/api/v1/persistentvolumes",
    { onChange, onSynced: () => synced++ },
    (e) => log.warn({ err: String(e) }, "pv controller: volumes"),
  );
  const classes = startInformer<SC>(
    client,
    "/apis/storage.k8s.io/v1/storageclasses",
    { onChange, onSynced: () => synced++ },
    (e) => log.warn({ err: String(e) }, "pv controller: classes"),
  );
  // Level-triggered: every change re-examines every claim and volume (kube resyncs the same way).
  const timer = setInterval(() => kick(), 15_000).unref();

  function kick(): void {
    queue.add("all");
    if (running || stopped || synced < 3) return;
    running = true;
    setImmediate(() => void drain());
  }

  async function drain(): Promise<void> {
    while (queue.size && !stopped) {
      queue.clear();
      for (const c of claims.list()) await guard(() => syncClaim(c), cacheKey(c));
      for (const v of volumes.list()) await guard(() => syncVolume(v), v.metadata.name);
    }
    running = false;
  }

  async function guard(fn: () => Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound"))
        log.warn({ err: String(err), what }, "pv controller");
      setTimeout(() => kick(), 1000).unref();
    }
  }

  async function syncClaim(claim: PVC): Promise<void> {
    if (claim.metadata.deletionTimestamp) return;
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const volume = volumes.get(volumeName);
      if (!volume) {
        if (claim.status?.phase === "Bound") await setClaimPhase(claim, "Lost");
        return;
      }
      const ref = volume.spec?.claimRef;
      if (!ref) return bind(claim, volume);
      if (
        ref.uid === claim.metadata.uid ||
        (!ref.uid && ref.name === claim.metadata.name && ref.namespace === claim.metadata.namespace)
      ) {
        return bind(claim, volume);
      }
      return; // the volume belongs to another claim; this one waits
    }
    // A volume created for this claim (pre-bound by claimRef), then any matching Available one.
    const prebound = volumes
      .list()
      .find(
        (v) =>
          v.spec?.claimRef?.uid === claim.metadata.uid ||
          (v.spec?.claimRef?.name === claim.metadata.name &&
            v.spec.claimRef.namespace === claim.metadata.namespace &&
            !v.spec.claimRef.uid),
      );
    if (prebound) return bind(claim, prebound);
    const candidates = volumes
      .list()
      .filter((v) => !v.spec?.claimRef && !v.metadata.deletionTimestamp && volumeMatches(claim, v))
      .sort((a, b) => compareQuantities(a.spec?.capacity?.storage ?? "0", b.spec?.capacity?.storage ?? "0"));
    if (candidates[0]) return bind(claim, candidates[0]);
    const className = claim.spec?.storageClassName;
    const sc = className ? classes.get(className) : undefined;
    if (!sc?.provisioner || sc.provisioner === "kubernetes.io/no-provisioner") {
      if (className && !sc) {
        events.event(
          claim,
          "Warning",
          "ProvisioningFailed",
          `storageclass.storage.k8s.io "${className}" not found`,
        );
      }
      return;
    }
    if (
      sc.volumeBindingMode === "WaitForFirstConsumer" &&
      !claim.metadata.annotations?.[selectedNodeAnnotation]
    ) {
      events.event(
        claim,
        "Normal",
        "WaitForFirstConsumer",
        "waiting for first consumer to be created before binding",
      );
      return;
    }
    if (claim.metadata.annotations?.[provisionerAnnotation] !== sc.provisioner) {
      await client.request(
        "PATCH",
        pvcPath(claim),
        {
          metadata: {
            annotations: {
              [provisionerAnnotation]: sc.provisioner,
              [betaProvisionerAnnotation]: sc.provisioner,
            },
          },
        },
        "application/merge-patch+json",
      );
      events.event(
        claim,
        "Normal",
        "ExternalProvisioning",
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    }
  }

  async function bind(claim: PVC, volume: PV): Promise<void> {
    if (!volume.spec?.claimRef?.uid) {
      await client.request(
        "PATCH",
        pvPath(volume),
        {
          metadata: { annotations: { "pv.kubernetes.io/bound-by-controller": "yes" } },
          spec: {
            claimRef: {
              kind: "PersistentVolumeClaim",
              apiVersion: "v1",
              namespace: claim.metadata.namespace,
              name: claim.metadata.name,
              uid: claim.metadata.uid,
              resourceVersion: claim.metadata.resourceVersion,
            },
          },
        },
        "application/merge-patch+json",
      );
    }
    if (volume.status?.phase !== "Bound") {
      await client.request(
        "PATCH",
        `${pvPath(volume)}/status`,
        { status: { phase: "Bound" } },
        "application/merge-patch+json",
      );
    }
    if (
      claim.spec?.volumeName !== volume.metadata.name ||
      claim.metadata.annotations?.["pv.kubernetes.io/bind-completed"] !== "yes"
    ) {
      await client.request(
        "PATCH",
        pvcPath(claim),
        {
          metadata: {
            annotations: {
              "pv.kubernetes.io/bind-completed": "yes",
              ...(claim.spec?.volumeName ? {} : { "pv.kubernetes.io/bound-by-controller": "yes" }),
            },
          },
          spec: { volumeName: volume.metadata.name },
        },
        "application/merge-patch+json",
      );
    }
    if (claim.status?.phase !== "Bound") {
      await client.request(
        "PATCH",
        `${pvcPath(claim)}/status`,
        {
          status: { phase: "Bound", accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity },
        },
        "application/merge-patch+json",
      );
    }
  }

  async function setClaimPhase(claim: PVC, phase: string): Promise<void> {
    await client.request(
      "PATCH",
      `${pvcPath(claim)}/status`,
      { status: { phase } },
      "application/merge-patch+json",
    );
  }

  async function syncVolume(volume: PV): Promise<void> {
    if (volume.metadata.deletionTimestamp) return;
    const ref = volume.spec?.claimRef;
    if (!ref) {
      if (volume.status?.phase !== "Available") {
        await client.request(
          "PATCH",
          `${pvPath(volume)}/status`,
          { status: { phase: "Available" } },
          "application/merge-patch+json",
        );
      }
      return;
    }
    const claim = claims.get(`${ref.namespace}/${ref.name}`);
    const claimGone = !claim || (ref.uid !== undefined && claim.metadata.uid !== ref.uid);
    if (!claimGone) return;
    if (!ref.uid) return; // pre-bound to a claim that does not exist yet
    if (volume.status?.phase !== "Released" && volume.status?.phase !== "Failed") {
      await client.request(
        "PATCH",
        `${pvPath(volume)}/status`,
        { status: { phase: "Released" } },
        "application/merge-patch+json",
      );
      return;
    }
    // Reclaim. Dynamically provisioned volumes are deleted by their provisioner; the rest here.
    if (
      volume.spec?.persistentVolumeReclaimPolicy === "Delete" &&
      !volume.metadata.annotations?.[provisionedByAnnotation]
    ) {
      await client.request("DELETE", pvPath(volume), {});
    }
  }

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      claims.stop();
      volumes.stop();
      classes.stop();
    },
  };
}
