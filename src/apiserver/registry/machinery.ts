// What the generic registry needs from the API machinery (schema, patching, selectors,
// per-resource strategies), gathered behind one small interface so the registry reads as the
// request flow and each piece stays replaceable.
import type { StatusError } from "../../api/errors.js";
import type { KubeObject, StoredObject } from "../../api/object.js";
import type { ResourceInfo } from "../../api/registry.js";
import type { ResourceStrategy } from "../../api/strategy.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";
export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface ManagedFieldsUpdate {
  oldObj: KubeObject | undefined;
  newObj: KubeObject;
  manager: string;
  subresource?: string;
  now: Date;
}

export interface ApplyRequest {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  subresource?: string;
  now: Date;
}

export interface Machinery {
  strategy(r: ResourceInfo): ResourceStrategy;
  /** paths of fields the schema doesn't know, in kube's notation (`spec.containers[0].foo`) */
  unknownFields(r: ResourceInfo, obj: unknown): string[];
  /** removes the unknown fields from obj (Warn and Ignore keep going without them) */
  pruneUnknownFields(r: ResourceInfo, obj: KubeObject): void;
  /** applies a json, merge or strategic patch to a copy of live */
  patch(r: ResourceInfo, type: Exclude<PatchType, "apply">, live: KubeObject, patch: unknown): KubeObject;
  /** server-side apply; throws a Conflict StatusError listing conflicting fields */
  apply(r: ResourceInfo, req: ApplyRequest): KubeObject;
  /** records an Update operation of `manager` in newObj.metadata.managedFields */
  updateManagedFields(r: ResourceInfo, u: ManagedFieldsUpdate): void;
  /** a predicate for ?labelSelector= and ?fieldSelector=; throws a 400 StatusError when malformed */
  selector(
    r: ResourceInfo,
    labelSelector: string | null,
    fieldSelector: string | null,
  ): ((o: StoredObject) => boolean) | undefined;
  /** the Kubernetes error for fields rejected under fieldValidation=Strict */
  strictDecodingError(r: ResourceInfo, unknown: string[], duplicates?: string[]): StatusError;
}
