// The minimal shape every stored Kubernetes object has. Concrete types come from kubernetes-types.
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** ObjectMeta as the API server handles it: kubernetes-types marks server-set fields readonly. */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  [field: string]: unknown;
}

/** An object that has been through the API server: metadata is always present. */
export interface StoredObject extends KubeObject {
  metadata: Meta & { name: string; resourceVersion: string; uid: string };
}

export function deepCopy<T>(obj: T): T {
  return structuredClone(obj);
}
