// Patching and field management for kite's API server (src/api/patch). Pure functions over plain
// JSON: the REST handler decodes the body, picks the engine with patchTypeOf, and records
// ownership with updateManagedFields (create/update/patch) or serverSideApply (apply).
// Imports only src/api (errors, field-errors, schema-node).

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
