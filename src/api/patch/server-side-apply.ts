// Server-side apply (`application/apply-patch+yaml`), as kube-apiserver's field manager runs it:
// structured-merge-diff's Updater.Apply wrapped in the managers that matter to clients —
// versionCheck, lastAppliedUpdater/lastAppliedManager (the client-side → server-side apply
// upgrade for manager "kubectl"), skipNonApplied ("before-first-apply"), managedFieldsUpdater
// (times) and stripMeta.
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import { badRequest, StatusError } from "../errors.js";
import type { SchemaNode } from "../schema-node.js";
import { unknownServerError } from "./errors.js";
import {
  difference,
  type FieldSet,
  hasPath,
  isEmptySet,
  pathString,
  recursiveDifference,
  union,
} from "./fieldpath.js";
import { clone, deepEqual, isObject, type JsonObject } from "./json.js";
import {
  type Conflict,
  ConflictList,
  decodeManagedFields,
  encodeManagedFields,
  type Managers,
  managerId,
  rfc3339,
  setManagedFields,
  stripMeta,
  takeOwnership,
  trackUpdate,
  withoutManagedFields,
  zeroObject,
} from "./managed-fields.js";
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, TypedError, toFieldSet } from "./typed.js";

/** The annotation client-side `kubectl apply` keeps its last applied configuration in. */
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

export interface ServerSideApplyOptions {
  /** The stored object; undefined when the apply creates it. */
  live: JsonObject | undefined;
  /** The applied configuration (the request body, decoded). */
  applied: JsonObject;
  /** ?fieldManager= (required for apply; kubectl sends "kubectl"). */
  manager: string;
  /** ?force=true */
  force: boolean;
  schema: SchemaNode | undefined;
  now: Date;
  /** The version of the endpoint, e.g. "v1" or "apps/v1"; the applied object must use it. */
  apiVersion: string;
  /** The endpoint's kind; when given, the applied object must have it. */
  kind?: string;
  /** Fields the endpoint resets and so never gives anyone (e.g. status on the main resource). */
  ignoredFields?: FieldSet;
}

function gvkString(obj: JsonObject): string {
  const av = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const i = av.indexOf("/");
  const group = i >= 0 ? av.slice(0, i) : "";
  const version = i >= 0 ? av.slice(i + 1) : av;
  return `${group}/${version}, Kind=${typeof obj.kind === "string" ? obj.kind : ""}`;
}

function objectGVKNN(obj: JsonObject): string {
  const md = isObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof md.namespace === "string" ? md.namespace : "";
  const name = typeof md.name === "string" ? md.name : "";
  return `${ns}/${name}; ${gvkString(obj)}`;
}

/** printManager: `"kubectl"` for appliers, `"kube-controller-manager" using v1` for updaters. */
function printManager(id: string): string {
  let e: JsonObject;
  try {
    e = JSON.parse(id) as JsonObject;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? "");
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${String(e.apiVersion ?? "")}`;
  return s;
}

/** The 409 an apply gets for fields other managers own (internal.NewConflictError). */
export function applyConflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.managerId)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as Conflict;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.managerId)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts)
      byManager.set(c.managerId, [...(byManager.get(c.managerId) ?? []), pathString(c.path)]);
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(id)}:`);
      for (const p of byManager.get(id) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}

/** Updater.prune: drops what the applier set last time, no longer sets, and nobody else owns. */
function prune(
  schema: SchemaNode | undefined,
  merged: JsonObject,
  managers: Managers,
  lastSet: FieldSet | undefined,
): JsonObject {
  if (!lastSet || isEmptySet(lastSet)) return merged;
  let owned: FieldSet | undefined;
  for (const m of managers.values()) owned = owned ? union(owned, m.set) : m.set;
  const toRemove = difference(
    ensureNamedFieldsAreMembers(schema, lastSet),
    ensureNamedFieldsAreMembers(schema, owned ?? lastSet),
  );
  if (isEmptySet(toRemove)) return merged;
  const out = removeItems(schema, merged, toRemove);
  return isObject(out) ? out : {};
}

/** The fields of the last-applied annotation whose values the live object still has. */
function allowedFromLastApplied(
  schema: SchemaNode | undefined,
  live: JsonObject,
  apiVersion: string,
): FieldSet | undefined {
  const md = isObject(live.metadata) ? live.metadata : undefined;
  const ann = isObject(md?.annotations) ? md.annotations[lastAppliedAnnotation] : undefined;
  if (typeof ann !== "string" || ann === "") return undefined;
  try {
    const last: unknown = JSON.parse(ann);
    if (!isObject(last) || last.apiVersion !== apiVersion) return undefined;
    const set = toFieldSet(schema, last);
    const cmp = compare(schema, last, live);
    return difference(difference(difference(set, cmp.modified), cmp.added), cmp.removed);
  } catch {
    return undefined;
  }
}

/** encoding/json of a decoded object: map keys sorted, plus the Encoder's newline. */
function goEncode(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (!isObject(x)) return x;
    const out: JsonObject = {};
    for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k]);
    return out;
  };
  return `${JSON.stringify(sortKeys(v))}\n`;
}

/**
 * Applies `applied` for `manager` (server-side apply) and returns the new object — with
 * metadata.managedFields set — and the entries. Fields the manager applied before and leaves out
 * now are removed unless another manager owns them. Without `force`, changing a field another
 * manager owns throws kube's 409, e.g. `Apply failed with 1 conflict: conflict with
 * "kubectl-client-side-apply" using v1: .spec.containers[name="web"].image`, with one
 * FieldManagerConflict cause per field. For manager "kubectl", conflicts on fields whose live
 * values still equal the last-applied annotation are taken over silently, and that annotation is
 * rewritten to the new configuration, as kube does to let `kubectl apply` move to server-side.
 */
export function serverSideApply(opts: ServerSideApplyOptions): {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[] | undefined;
} {
  const { applied, schema, apiVersion } = opts;
  if (!isObject(applied)) throw badRequest("error decoding patch: expected an object");
  if (opts.kind !== undefined && (applied.kind !== opts.kind || applied.apiVersion !== apiVersion)) {
    throw badRequest(`invalid object type: ${gvkString(applied)}`);
  }
  if (applied.apiVersion !== apiVersion) {
    const v = typeof applied.apiVersion === "string" ? applied.apiVersion : "";
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${v}, expected: ${apiVersion}`,
    );
  }
  if (isObject(applied.metadata) && applied.metadata.managedFields != null) {
    throw badRequest("metadata.managedFields must be nil");
  }

  let managers: Managers;
  try {
    managers = decodeManagedFields(
      isObject(opts.live?.metadata) ? (opts.live.metadata.managedFields as ManagedFieldsEntry[]) : undefined,
    );
  } catch (e) {
    throw unknownServerError(`failed to decode managed fields: ${(e as Error).message}`);
  }
  const live = opts.live ? withoutManagedFields(opts.live) : zeroObject(schema, applied);

  // skipNonApplied: an object nobody tracks yet is first given to "before-first-apply".
  if (managers.size === 0 && opts.live) {
    trackUpdate(managers, zeroObject(schema, live), live, {
      manager: "before-first-apply",
      apiVersion,
      now: opts.now,
      schema,
      ignored: opts.ignoredFields,
    });
  }

  let set: FieldSet;
  try {
    set = toFieldSet(schema, applied);
  } catch (e) {
    if (e instanceof TypedError) {
      throw unknownServerError(`failed to create typed patch object (${objectGVKNN(applied)}): ${e.message}`);
    }
    throw e;
  }
  if (opts.ignoredFields) set = recursiveDifference(set, opts.ignoredFields);

  const run = (force: boolean) => {
    const ms: Managers = new Map([...managers].map(([id, m]) => [id, { ...m }]));
    const id = managerId({ manager: opts.manager, operation: "Apply" });
    const previous = ms.get(id);
    let object = merge(schema, live, applied) as JsonObject;
    ms.set(id, {
      manager: opts.manager,
      operation: "Apply",
      apiVersion,
      set,
      ...(previous?.time ? { time: previous.time } : {}),
    });
    object = prune(schema, object, ms, previous?.set);
    takeOwnership(schema, live, object, ms, id, force, opts.ignoredFields);
    const mine = ms.get(id);
    if (mine) {
      mine.set = stripMeta(mine.set);
      if (isEmptySet(mine.set)) ms.delete(id);
    }
    const changed = !deepEqual(live, object);
    const after = ms.get(id);
    if (changed && after) after.time = rfc3339(opts.now);
    return { object: changed ? object : clone(live), ms };
  };

  let result: { object: JsonObject; ms: Managers };
  try {
    result = run(opts.force);
  } catch (e) {
    if (!(e instanceof ConflictList)) throw e;
    if (opts.manager !== "kubectl" || !opts.live) throw applyConflictError(e.conflicts);
    const allowed = allowedFromLastApplied(schema, live, apiVersion);
    if (!allowed) throw applyConflictError(e.conflicts);
    const left = e.conflicts.filter((c) => !hasPath(allowed, c.path));
    if (left.length > 0) throw applyConflictError(left);
    result = run(true);
  }

  const { object } = result;
  const md = isObject(object.metadata) ? object.metadata : undefined;
  const ann = isObject(md?.annotations) ? md.annotations : undefined;
  if (
    opts.manager === "kubectl" &&
    ann &&
    typeof ann[lastAppliedAnnotation] === "string" &&
    ann[lastAppliedAnnotation]
  ) {
    const config = clone(applied);
    if (isObject(config.metadata) && isObject(config.metadata.annotations)) {
      delete config.metadata.annotations[lastAppliedAnnotation];
    }
    ann[lastAppliedAnnotation] = goEncode(config);
  }
  const managedFields = encodeManagedFields(result.ms);
  setManagedFields(object, managedFields);
  return { object, managedFields };
}
