// Patching and field management for kite's API server (src/api/patch). Pure functions over plain
// JSON: the REST handler decodes the body, picks the engine with patchTypeOf, applies it with
// applyPatch (or serverSideApply for apply), and records ownership with updateManagedFields on
// every create, update and non-apply patch. Imports only src/api (errors, field-errors,
// schema-node).
//
// Where kite knowingly differs from kube-apiserver:
// - Update entries of a create carry "." on lists Go's zero struct holds as null (f:containers);
//   kite compares against {metadata:{}, spec:{}, status:{}}, not a typed zero value.
// - List-map key defaults come from a `default` on the key's node if the schema gives one, else
//   `protocol` defaults to "TCP" (the one defaulted key in core/v1); kube reads OpenAPI defaults.
// - Managers are only compared in the request's version (kite serves one version per kind).
export { applyPatch } from "./apply-patch.js";
export {
  defaultManagerName,
  fieldManagerMaxLength,
  type PatchType,
  patchTypeOf,
  validateFieldManager,
} from "./content-type.js";
export {
  type FieldSet,
  fieldSetOf,
  fromFieldsV1,
  type Path,
  type PathElement,
  pathString,
  toFieldsV1,
} from "./fieldpath.js";
export { applyJsonPatch, maxJsonPatchOperations } from "./json-patch.js";
export {
  decodeManagedFields,
  encodeManagedFields,
  type UpdateManagedFieldsOptions,
  updateManagedFields,
} from "./managed-fields.js";
export { applyMergePatch } from "./merge-patch.js";
export {
  applyConflictError,
  lastAppliedAnnotation,
  type ServerSideApplyOptions,
  serverSideApply,
} from "./server-side-apply.js";
export { applyStrategicMergePatch, strategicMergePatchUnsupported } from "./strategic-merge-patch.js";
