// Tables for PersistentVolumes, PersistentVolumeClaims and StorageClasses.
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { doc } from "./descriptions.js";
import { translateTimestampSince } from "./duration.js";
import { ageColumn, column, nameColumn, type Printer } from "./types.js";

/** The pre-storageClassName annotation still wins over the field (helper.GetPersistentVolumeClass). */
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

/** helper.GetAccessModesAsString: a fixed order, duplicates dropped. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const have = new Set(modes ?? []);
  const out: string[] = [];
  if (have.has("ReadWriteOnce")) out.push("RWO");
  if (have.has("ReadOnlyMany")) out.push("ROX");
  if (have.has("ReadWriteMany")) out.push("RWX");
  if (have.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

/**
 * Quantity.String() of a resource list entry, and "0" for a missing one (Go's zero Quantity). Kube prints the
 * canonical form ("1024Mi" → "1Gi"); kite prints the stored string, which is canonical once the API server
 * canonicalizes quantities on write.
 */
export function quantityString(q: string | number | undefined): string {
  return q === undefined ? "0" : String(q);
}

function storageClassOf(meta: ObjectMeta | undefined, field: string | undefined): string {
  const ann = meta?.annotations;
  if (ann && Object.hasOwn(ann, betaStorageClassAnnotation)) return ann[betaStorageClassAnnotation] ?? "";
  return field ?? "";
}

export const persistentVolumePrinter: Printer<PersistentVolume> = {
  columns: [
    nameColumn,
    column("Capacity", "string", doc["PersistentVolumeSpec.capacity"]),
    column("Access Modes", "string", doc["PersistentVolumeSpec.accessModes"]),
    column("Reclaim Policy", "string", doc["PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
    column("Status", "string", doc["PersistentVolumeStatus.phase"]),
    column("Claim", "string", doc["PersistentVolumeSpec.claimRef"]),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", doc["PersistentVolumeStatus.reason"]),
    ageColumn,
    column("VolumeMode", "string", doc["PersistentVolumeSpec.volumeMode"], { priority: 1 }),
  ],
  row(pv, now) {
    const spec = pv.spec ?? {};
    const claimRef = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    const phase = pv.metadata?.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? "");
    return {
      cells: [
        pv.metadata?.name ?? "",
        quantityString(spec.capacity?.storage),
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? "",
        phase,
        claimRef,
        storageClassOf(pv.metadata, spec.storageClassName),
        spec.volumeAttributesClassName ?? "<unset>",
        pv.status?.reason ?? "",
        translateTimestampSince(pv.metadata?.creationTimestamp, now),
        spec.volumeMode ?? "<unset>",
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: Printer<PersistentVolumeClaim> = {
  columns: [
    nameColumn,
    column("Status", "string", doc["PersistentVolumeClaimStatus.phase"]),
    column("Volume", "string", doc["PersistentVolumeClaimSpec.volumeName"]),
    column("Capacity", "string", doc["PersistentVolumeClaimStatus.capacity"]),
    column("Access Modes", "string", doc["PersistentVolumeClaimStatus.accessModes"]),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn,
    column("VolumeMode", "string", doc["PersistentVolumeClaimSpec.volumeMode"], { priority: 1 }),
  ],
  row(pvc, now) {
    const spec = pvc.spec ?? {};
    const phase = pvc.metadata?.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? "");
    // Capacity and access modes are shown only once the claim is bound to a volume.
    const bound = Boolean(spec.volumeName);
    return {
      cells: [
        pvc.metadata?.name ?? "",
        phase,
        spec.volumeName ?? "",
        bound ? quantityString(pvc.status?.capacity?.storage) : "",
        bound ? accessModesString(pvc.status?.accessModes) : "",
        storageClassOf(pvc.metadata, spec.storageClassName),
        spec.volumeAttributesClassName ?? "<unset>",
        translateTimestampSince(pvc.metadata?.creationTimestamp, now),
        spec.volumeMode ?? "<unset>",
      ],
    };
  },
};

/** storageutil.IsDefaultAnnotation: the GA or the beta annotation set to "true". */
export function isDefaultStorageClass(meta: ObjectMeta | undefined): boolean {
  const ann = meta?.annotations ?? {};
  return (
    ann["storageclass.kubernetes.io/is-default-class"] === "true" ||
    ann["storageclass.beta.kubernetes.io/is-default-class"] === "true"
  );
}

export const storageClassPrinter: Printer<StorageClass> = {
  columns: [
    nameColumn,
    column("Provisioner", "string", doc["StorageClass.provisioner"]),
    column("ReclaimPolicy", "string", doc["StorageClass.reclaimPolicy"]),
    column("VolumeBindingMode", "string", doc["StorageClass.volumeBindingMode"]),
    column("AllowVolumeExpansion", "string", doc["StorageClass.allowVolumeExpansion"]),
    ageColumn,
  ],
  row(sc, now) {
    const name = sc.metadata?.name ?? "";
    return {
      cells: [
        isDefaultStorageClass(sc.metadata) ? `${name} (default)` : name,
        sc.provisioner ?? "",
        sc.reclaimPolicy ?? "Delete",
        sc.volumeBindingMode ?? "Immediate",
        sc.allowVolumeExpansion ?? false,
        translateTimestampSince(sc.metadata?.creationTimestamp, now),
      ],
    };
  },
};
