// The local-path provisioner (the role k3s's local-path-provisioner plays): for each claim handed
// to it, a PersistentVolume `pvc-<claim uid>` backed by a directory on one node, with that node
// as its node affinity and the class's reclaim policy; when a released volume's policy is Delete,
// the volume object goes (the node's agent removes the directory it no longer backs).
import type { Node, PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import { startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";
import {
  provisionedByAnnotation,
  provisionerAnnotation,
  selectedNodeAnnotation,
} from "./persistent-volume.js";

type PVC = PersistentVolumeClaim & StoredObject;
type PV = PersistentVolume & StoredObject;
type SC = StorageClass & StoredObject;
type NodeObject = Node & StoredObject;

export const localPathProvisioner = "kite.io/local-path";
export const localPathClassName = "local-path";

export interface LocalPathOptions {
  /** where volumes live on every node (k3s: --default-local-storage-path) */
  storagePath: string;
}

/** The directory a claim's volume lives in, named as k3s's provisioner names it. */
export function volumeDirectory(
  storagePath: string,
  volumeName: string,
  claim: PersistentVolumeClaim,
): string {
  return `${storagePath.replace(/\/+$/, "")}/${volumeName}_${claim.metadata?.namespace}_${claim.metadata?.name}`;
}

/** The StorageClass created at start: the default, binding at once as the chapter expects. */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: localPathClassName,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: localPathProvisioner,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
  };
}

export function startLocalPathProvisioner(
  client: Client,
  events: EventRecorder,
  log: Logger,
  opts: LocalPathOptions,
): { stop(): void } {
  let synced = 0;
  let stopped = false;
  let running = false;
  let again = false;
  const onChange = () => kick();
  const informers = {
    claims: startInformer<PVC>(
      client,
      "/api/v1/persistentvolumeclaims",
      { onChange, onSynced: () => synced++ },
      warn("claims"),
    ),
    volumes: startInformer<PV>(
      client,
      "/api/v1/persistentvolumes",
      { onChange, onSynced: () => synced++ },
      warn("volumes"),
    ),
    classes: startInformer<SC>(
      client,
      "/apis/storage.k8s.io/v1/storageclasses",
      { onChange, onSynced: () => synced++ },
      warn("classes"),
    ),
    nodes: startInformer<NodeObject>(
      client,
      "/api/v1/nodes",
      { onChange, onSynced: () => synced++ },
      warn("nodes"),
    ),
  };
  const timer = setInterval(() => kick(), 15_000).unref();

  function warn(what: string) {
    return (e: unknown) => log.warn({ err: String(e) }, `local-path provisioner: ${what}`);
  }

  function kick(): void {
    again = true;
    if (running || stopped || synced < 4) return;
    running = true;
    setImmediate(() => void drain());
  }

  async function drain(): Promise<void> {
    while (again && !stopped) {
      again = false;
      for (const claim of informers.claims.list()) {
        try {
          await provision(claim);
        } catch (err) {
          if (!isStatusError(err, "AlreadyExists") && !isStatusError(err, "Conflict")) {
            log.warn({ err: String(err), claim: claim.metadata.name }, "provisioning failed");
            events.event(
              claim,
              "Warning",
              "ProvisioningFailed",
              `failed to provision volume with StorageClass "${claim.spec?.storageClassName}": ${(err as Error).message}`,
            );
          }
        }
      }
      for (const volume of informers.volumes.list()) {
        try {
          await reclaim(volume);
        } catch (err) {
          if (!isStatusError(err, "NotFound"))
            log.warn({ err: String(err), volume: volume.metadata.name }, "reclaim failed");
        }
      }
    }
    running = false;
  }

  function pickNode(claim: PVC): string | undefined {
    const selected = claim.metadata.annotations?.[selectedNodeAnnotation];
    if (selected) return selected;
    const ready = informers.nodes
      .list()
      .filter(
        (n) =>
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") &&
          !n.spec?.unschedulable,
      )
      .map((n) => n.metadata.name)
      .sort();
    return ready[0];
  }

  async function provision(claim: PVC): Promise<void> {
    if (claim.metadata.annotations?.[provisionerAnnotation] !== localPathProvisioner) return;
    if (claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
    const name = `pvc-${claim.metadata.uid}`;
    if (informers.volumes.get(name)) return;
    const sc = informers.classes.get(claim.spec?.storageClassName ?? "");
    if (!sc) return;
    const node = pickNode(claim);
    if (!node) {
      events.event(claim, "Warning", "ProvisioningFailed", "no Ready node to place the volume on");
      return;
    }
    events.event(
      claim,
      "Normal",
      "Provisioning",
      `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`,
    );
    const pv: PersistentVolume = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name,
        annotations: {
          [provisionedByAnnotation]: localPathProvisioner,
          "local.path.provisioner/selected-node": node,
        },
      },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "0" },
        accessModes: claim.spec?.accessModes,
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
        storageClassName: sc.metadata.name,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        hostPath: { path: volumeDirectory(opts.storagePath, name, claim), type: "DirectoryOrCreate" },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
            ],
          },
        },
        claimRef: {
          kind: "PersistentVolumeClaim",
          apiVersion: "v1",
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
          resourceVersion: claim.metadata.resourceVersion,
        },
      },
    };
    await client.request("POST", "/api/v1/persistentvolumes", pv);
    events.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`);
  }

  async function reclaim(volume: PV): Promise<void> {
    if (volume.metadata.annotations?.[provisionedByAnnotation] !== localPathProvisioner) return;
    if (volume.status?.phase !== "Released" || volume.metadata.deletionTimestamp) return;
    if (volume.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
    await client.request(
      "DELETE",
      `/api/v1/persistentvolumes/${encodeURIComponent(volume.metadata.name)}`,
      {},
    );
  }

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const i of Object.values(informers)) i.stop();
    },
  };
}
