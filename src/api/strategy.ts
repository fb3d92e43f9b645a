// Per-resource behaviour on writes, the role of kube-apiserver's RESTCreateStrategy /
// RESTUpdateStrategy: defaulting, resetting fields the caller may not set, and validation.
// The generic REST handler in src/apiserver calls these; each resource supplies its own.
import type { FieldError } from "./field-errors.js";
import type { KubeObject } from "./object.js";

export interface ResourceStrategy {
  /** Fill defaults (the versioned defaulting funcs: restartPolicy, dnsPolicy, …). Mutates obj. */
  applyDefaults(obj: KubeObject): void;
  /** On create: clear what a client may not set through the main resource (status for pods). Mutates obj. */
  prepareForCreate(obj: KubeObject): void;
  /** On update of the main resource: keep status from the old object; mutates newObj. */
  prepareForUpdate(newObj: KubeObject, oldObj: KubeObject): void;
  /** On update of the status subresource: keep everything but status from the old object. */
  prepareForStatusUpdate(newObj: KubeObject, oldObj: KubeObject): void;
  validateCreate(obj: KubeObject): FieldError[];
  validateUpdate(newObj: KubeObject, oldObj: KubeObject): FieldError[];
  validateStatusUpdate(newObj: KubeObject, oldObj: KubeObject): FieldError[];
  /** Warnings returned in the `Warning:` header (e.g. deprecated fields), never errors. */
  warnings?(obj: KubeObject): string[];
}
