// PersistentVolume and PersistentVolumeClaim validation (ValidatePersistentVolume,
// ValidatePersistentVolumeClaim and their update/status rules).
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  PersistentVolumeSpec,
} from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { compareQuantities, formatQuantity } from "../quantity.js";
import { canonicalJSON, structDiff } from "./diff.js";
import { fieldImmutable, isDNS1123Subdomain, nameIsDNSSubdomain } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";
import { quantityAt, validateQuantityMap } from "./resources.js";
import { hostPathTypes } from "./volumes.js";

export const accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
export const volumeModes = ["Block", "Filesystem"];
export const reclaimPolicies = ["Delete", "Recycle", "Retain"];
export const pvPhases = ["Pending", "Available", "Bound", "Released", "Failed"];
export const pvcPhases = ["Pending", "Bound", "Lost"];

const positiveError = "must be greater than zero";

/** PersistentVolumeSource members; kube requires exactly one. */
const pvSourceFields = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "glusterfs",
  "flocker",
  "nfs",
  "rbd",
  "quobyte",
  "cinder",
  "cephfs",
  "iscsi",
  "fc",
  "azureFile",
  "vsphereVolume",
  "photonPersistentDisk",
  "portworxVolume",
  "azureDisk",
  "scaleIO",
  "local",
  "storageos",
  "csi",
] as const;

function validateAccessModes(
  modes: string[] | undefined,
  path: string,
  requiredDetail?: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes || modes.length === 0) errs.push(fieldErr.required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of modes ?? []) {
    if (!accessModes.includes(m)) errs.push(fieldErr.notSupported(path, m, accessModes));
    if (m === "ReadWriteOncePod") rwop = true;
    else other = true;
  }
  if (rwop && other)
    errs.push(fieldErr.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

function className(name: string | undefined, path: string): FieldError[] {
  if (!name) return [];
  return isDNS1123Subdomain(name).map((m) => fieldErr.invalid(path, name, m));
}

function pvSource(spec: PersistentVolumeSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of pvSourceFields) if (spec[f] !== undefined) out[f] = spec[f];
  return out;
}

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const errs = validateObjectMeta(pv.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const spec: PersistentVolumeSpec = pv.spec ?? {};
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  const capacity = spec.capacity ?? {};
  if (Object.keys(capacity).length === 0) errs.push(fieldErr.required("spec.capacity"));
  if (!("storage" in capacity) || Object.keys(capacity).length > 1) {
    errs.push(fieldErr.notSupported("spec.capacity", capacity, ["storage"]));
  }
  for (const [r, raw] of Object.entries(capacity)) {
    const q = quantityAt(raw, `spec.capacity[${r}]`, errs);
    if (q && q.nanos <= 0n)
      errs.push(fieldErr.invalid(`spec.capacity[${r}]`, formatQuantity(q), positiveError));
  }
  errs.push(...className(spec.storageClassName, "spec.storageClassName"));
  if (spec.volumeMode !== undefined && !volumeModes.includes(spec.volumeMode)) {
    errs.push(fieldErr.notSupported("spec.volumeMode", spec.volumeMode, volumeModes));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !reclaimPolicies.includes(policy)) {
    errs.push(fieldErr.notSupported("spec.persistentVolumeReclaimPolicy", policy, reclaimPolicies));
  }
  const present = pvSourceFields.filter((f) => spec[f] !== undefined);
  if (present.length === 0) errs.push(fieldErr.required("spec", "must specify a volume type"));
  present.forEach((f, i) => {
    if (i > 0) {
      errs.push(fieldErr.forbidden(`spec.${f}`, "may not specify more than 1 volume type"));
      return;
    }
    if (f === "hostPath") {
      const hp = spec.hostPath;
      if (!hp?.path) errs.push(fieldErr.required("spec.hostPath.path"));
      else if (hp.path.split("/").includes(".."))
        errs.push(fieldErr.invalid("spec.hostPath.path", hp.path, "must not contain '..'"));
      if (hp?.type !== undefined && !hostPathTypes.includes(hp.type)) {
        errs.push(fieldErr.notSupported("spec.hostPath.type", hp.type, hostPathTypes));
      }
    } else if (f === "local") {
      const lp = spec.local;
      if (!lp?.path) errs.push(fieldErr.required("spec.local.path"));
      else if (lp.path.split("/").includes(".."))
        errs.push(fieldErr.invalid("spec.local.path", lp.path, "must not contain '..'"));
      if (!spec.nodeAffinity?.required)
        errs.push(fieldErr.required("metadata.annotations", "Local volume requires node affinity"));
    }
  });
  if (spec.hostPath?.path && spec.hostPath.path.replace(/\/+$/, "") === "" && policy === "Recycle") {
    errs.push(
      fieldErr.forbidden(
        "spec.persistentVolumeReclaimPolicy",
        "may not be 'recycle' for a hostPath mount of '/'",
      ),
    );
  }
  return errs;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validateObjectMetaUpdate(pv.metadata, old.metadata, {
    namespaced: false,
    nameFn: nameIsDNSSubdomain,
  });
  errs.push(...validatePersistentVolume(pv).filter((e) => !e.field.startsWith("metadata.")));
  const ns = pvSource(pv.spec ?? {});
  const os = pvSource(old.spec ?? {});
  if (canonicalJSON(ns) !== canonicalJSON(os)) {
    const diff = structDiff("core.PersistentVolumeSource", os, ns);
    errs.push(
      fieldErr.forbidden(
        "spec.persistentvolumesource",
        `spec.persistentvolumesource is immutable after creation\n${diff}`,
      ),
    );
  }
  if ((pv.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) {
    errs.push(fieldErr.invalid("volumeMode", pv.spec?.volumeMode ?? null, fieldImmutable));
  }
  return errs;
}

export function validatePersistentVolumeStatusUpdate(
  pv: PersistentVolume,
  old: PersistentVolume,
): FieldError[] {
  const errs = validateObjectMetaUpdate(pv.metadata, old.metadata, {
    namespaced: false,
    nameFn: nameIsDNSSubdomain,
  });
  const phase = pv.status?.phase;
  if (phase && !pvPhases.includes(phase)) errs.push(fieldErr.notSupported("status.phase", phase, pvPhases));
  return errs;
}

const pvcMeta = { namespaced: true, nameFn: nameIsDNSSubdomain };

function validateClaimSpec(pvc: PersistentVolumeClaim): FieldError[] {
  const spec = pvc.spec ?? {};
  const errs = validateAccessModes(
    spec.accessModes,
    "spec.accessModes",
    "at least 1 access mode is required",
  );
  const storage = spec.resources?.requests?.storage;
  const sp = "spec.resources[storage]";
  if (storage === undefined) errs.push(fieldErr.required(sp));
  else {
    const q = quantityAt(storage, sp, errs);
    if (q && q.nanos <= 0n) errs.push(fieldErr.invalid(sp, formatQuantity(q), positiveError));
  }
  errs.push(...validateQuantityMap(spec.resources?.limits, "spec.resources.limits"));
  errs.push(...className(spec.storageClassName, "spec.storageClassName"));
  if (spec.volumeMode !== undefined && !volumeModes.includes(spec.volumeMode)) {
    errs.push(fieldErr.notSupported("spec.volumeMode", spec.volumeMode, volumeModes));
  }
  return errs;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  return [...validateObjectMeta(pvc.metadata, pvcMeta), ...validateClaimSpec(pvc)];
}

/** ValidatePersistentVolumeClaimUpdate: the spec is frozen except volumeName (once) and storage growth when bound. */
export function validatePersistentVolumeClaimUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata, pvcMeta);
  errs.push(...validateClaimSpec(pvc));
  const newSpec = structuredClone(pvc.spec ?? {});
  const oldSpec = structuredClone(old.spec ?? {});
  if (!oldSpec.volumeName) {
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = newSpec.volumeName;
  }
  if (pvc.status?.phase === "Bound" && newSpec.resources?.requests) {
    const oldStorage = old.spec?.resources?.requests?.storage;
    if (oldStorage === undefined) delete newSpec.resources.requests.storage;
    else newSpec.resources.requests.storage = oldStorage;
  }
  if (canonicalJSON(newSpec) !== canonicalJSON(oldSpec)) {
    const diff = structDiff("core.PersistentVolumeClaimSpec", oldSpec, newSpec);
    errs.push(
      fieldErr.forbidden(
        "spec",
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diff}`,
      ),
    );
  }
  const newSize = pvc.spec?.resources?.requests?.storage;
  const oldSize = old.spec?.resources?.requests?.storage;
  try {
    if (newSize !== undefined && oldSize !== undefined && compareQuantities(newSize, oldSize) < 0) {
      errs.push(
        fieldErr.forbidden("spec.resources.requests.storage", "field can not be less than previous value"),
      );
    }
  } catch {
    // unparseable sizes are already reported by validateClaimSpec
  }
  if ((pvc.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) {
    errs.push(fieldErr.invalid("volumeMode", pvc.spec?.volumeMode ?? null, fieldImmutable));
  }
  return errs;
}

export function validatePersistentVolumeClaimStatusUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata, pvcMeta);
  const phase = pvc.status?.phase;
  if (phase && !pvcPhases.includes(phase)) errs.push(fieldErr.notSupported("status.phase", phase, pvcPhases));
  errs.push(...validateQuantityMap(pvc.status?.capacity, "status.capacity"));
  return errs;
}
