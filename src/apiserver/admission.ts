// Mutating admission run on create, after defaulting and before validation, as kube-apiserver's
// admission chain: plugins that need to look at other stored objects (which strategies cannot).
import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../api/object.js";
import { findResource, type ResourceInfo, storagePrefix } from "../api/registry.js";
import type { Store } from "../store/store.js";

export type AdmissionPlugin = (r: ResourceInfo, obj: KubeObject, store: Store) => Promise<void>;

export const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

/** DefaultStorageClass: a claim that names no class gets the default one (the newest, if several). */
export const defaultStorageClass: AdmissionPlugin = async (r, obj, store) => {
  if (r.kind !== "PersistentVolumeClaim") return;
  const pvc = obj as PersistentVolumeClaim;
  // An explicit "" means "no class" and stays so.
  if (pvc.spec?.storageClassName !== undefined) return;
  const classes = await store.list({
    prefix: storagePrefix(findResource("storage.k8s.io", "v1", "storageclasses")!),
  });
  const defaults = classes.entries
    .map(
      (e) => e.object as unknown as StorageClass & { metadata: { name: string; creationTimestamp?: string } },
    )
    .filter((sc) => sc.metadata.annotations?.[defaultClassAnnotation] === "true")
    .sort(
      (a, b) =>
        String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  const chosen = defaults[0];
  if (chosen && pvc.spec) pvc.spec.storageClassName = chosen.metadata.name;
};

/** StorageObjectInUseProtection: claims and volumes carry the finalizer their protection controller removes. */
export const storageObjectInUseProtection: AdmissionPlugin = async (r, obj) => {
  const finalizer =
    r.kind === "PersistentVolumeClaim"
      ? "kubernetes.io/pvc-protection"
      : r.kind === "PersistentVolume"
        ? "kubernetes.io/pv-protection"
        : undefined;
  if (!finalizer) return;
  const meta = (obj.metadata ??= {});
  if (!meta.finalizers?.includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
};

export const defaultAdmission: AdmissionPlugin[] = [defaultStorageClass, storageObjectInUseProtection];
