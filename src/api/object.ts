// The minimal shape every stored Kubernetes object has. Concrete types come from kubernetes-types.
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** An object that has been through the API server: metadata is always present. */
export interface StoredObject extends KubeObject {
  metadata: ObjectMeta & { name: string; resourceVersion: string; uid: string };
}

export function deepCopy<T>(obj: T): T {
  return structuredClone(obj);
}
