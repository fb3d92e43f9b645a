// One entry point for the non-apply patch types, so the PATCH handler can go from Content-Type
// (patchTypeOf) to the patched object in one call; apply goes through serverSideApply instead.
import type { SchemaNode } from "../schema-node.js";
import type { PatchType } from "./content-type.js";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

/**
 * Applies a decoded JSON patch, merge patch or strategic merge patch to a copy of `doc`. Throws
 * the StatusError kube-apiserver would answer with when the patch does not apply.
 */
export function applyPatch(
  type: Exclude<PatchType, "apply">,
  doc: unknown,
  patch: unknown,
  schema: SchemaNode | undefined,
): unknown {
  switch (type) {
    case "json":
      return applyJsonPatch(doc, patch);
    case "merge":
      return applyMergePatch(doc, patch);
    case "strategic":
      return applyStrategicMergePatch(doc, patch, schema);
  }
}
