// The Machinery the generic registry uses, assembled from src/api: the OpenAPI-derived schema
// (strict field validation, patch metadata), the patch engines, selectors and strategies.
import { badRequest, type StatusError } from "../api/errors.js";
import type { KubeObject, StoredObject } from "../api/object.js";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  type FieldSet,
  fieldSetOf,
  serverSideApply,
  updateManagedFields,
} from "../api/patch/index.js";
import { apiVersionOf, type ResourceInfo } from "../api/registry.js";
import { schemaLookup } from "../api/schema/node.js";
import { strictDecodingError, unknownFields } from "../api/schema/strict.js";
import {
  matchesLabels,
  objectMatchesFields,
  parseFieldSelectorParam,
  parseLabelSelectorParam,
  SelectorError,
} from "../api/selectors/index.js";
import { strategyFor } from "../api/strategies/index.js";
import type { Machinery } from "./registry/machinery.js";

/** Removes a field given in kube's path notation (`spec.containers[0].foo`). */
function removePath(obj: unknown, path: string): void {
  const parts: Array<string | number> = [];
  for (const seg of path.split(".")) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(seg);
    if (!m) return;
    if (m[1]) parts.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur === null || typeof cur !== "object") return;
    cur = (cur as Record<string | number, unknown>)[parts[i]!];
  }
  if (cur !== null && typeof cur === "object")
    delete (cur as Record<string | number, unknown>)[parts[parts.length - 1]!];
}

type Json = { [key: string]: unknown };

/**
 * Fields an endpoint resets and so never gives to a manager (kube's ResetFieldsStrategy): the main
 * resource ignores status where status is a subresource; the status subresource ignores spec.
 */
function ignoredFields(r: ResourceInfo, subresource: string | undefined): FieldSet | undefined {
  if (subresource === "status") {
    return r.kind === "Pod"
      ? fieldSetOf(["spec"], ["metadata", "deletionTimestamp"], ["metadata", "ownerReferences"])
      : fieldSetOf(["spec"]);
  }
  if (!subresource && r.subresources.some((s) => s.name === "status")) return fieldSetOf(["status"]);
  return undefined;
}

function setManagedFields(obj: KubeObject, managed: unknown[] | undefined): void {
  const meta = (obj.metadata ??= {});
  if (managed && managed.length > 0) meta.managedFields = managed as typeof meta.managedFields;
  else delete meta.managedFields;
}

export function newMachinery(): Machinery {
  const schemaOf = (r: ResourceInfo) => schemaLookup(apiVersionOf(r), r.kind);
  return {
    strategy: strategyFor,
    unknownFields: (r, obj) => unknownFields(apiVersionOf(r), r.kind, obj),
    pruneUnknownFields(r, obj) {
      // Deepest paths first so array indexes stay valid while removing.
      const paths = unknownFields(apiVersionOf(r), r.kind, obj).sort((a, b) => b.length - a.length);
      for (const p of paths) removePath(obj, p);
    },
    patch(r, type, live, patch) {
      switch (type) {
        case "json":
          return applyJsonPatch(live, patch) as KubeObject;
        case "merge":
          return applyMergePatch(live, patch) as KubeObject;
        case "strategic":
          return applyStrategicMergePatch(live, patch, schemaOf(r)) as KubeObject;
      }
    },
    apply(r, req) {
      const res = serverSideApply({
        live: req.live as Json | undefined,
        applied: req.applied as Json,
        manager: req.manager,
        force: req.force,
        schema: schemaOf(r),
        now: req.now,
        apiVersion: apiVersionOf(r),
        kind: r.kind,
        ignoredFields: ignoredFields(r, req.subresource),
      });
      const obj = res.object as KubeObject;
      setManagedFields(obj, res.managedFields);
      return obj;
    },
    updateManagedFields(r, u) {
      const res = updateManagedFields({
        oldObj: u.oldObj as Json | undefined,
        newObj: u.newObj as Json,
        manager: u.manager,
        operation: "Update",
        subresource: u.subresource,
        now: u.now,
        apiVersion: apiVersionOf(r),
        schema: schemaOf(r),
        ignoredFields: ignoredFields(r, u.subresource),
      });
      setManagedFields(u.newObj, res.managedFields);
    },
    selector(r, labelSelector, fieldSelector) {
      if (!labelSelector && !fieldSelector) return undefined;
      try {
        const labels = parseLabelSelectorParam(labelSelector);
        const fields = parseFieldSelectorParam(r, fieldSelector);
        return (o: StoredObject) =>
          matchesLabels(labels, o.metadata.labels ?? {}) && objectMatchesFields(r, fields, o);
      } catch (err) {
        if (err instanceof SelectorError) throw badRequest(err.message);
        throw err;
      }
    },
    strictDecodingError(r, unknown, duplicates = []): StatusError {
      return badRequest(strictDecodingError(r.kind, unknown, duplicates, r.version));
    },
  };
}
