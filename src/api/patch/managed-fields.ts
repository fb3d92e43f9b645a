// metadata.managedFields as kube-apiserver's field manager keeps it
// (k8s.io/apimachinery/pkg/util/managedfields/internal): decoding and encoding entries, manager
// identities, the Update bookkeeping every write does, and the pieces apply shares with it.
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import type { SchemaNode } from "../schema-node.js";
import {
  difference,
  type FieldSet,
  fieldSetOf,
  fromFieldsV1,
  insertPath,
  intersection,
  isEmptySet,
  type Path,
  recursiveDifference,
  setPaths,
  toFieldsV1,
  union,
} from "./fieldpath.js";
import { clone, isObject, type JsonObject } from "./json.js";
import { type Comparison, compare } from "./typed.js";

export type Operation = "Apply" | "Update";

/** One manager's fields: a decoded ManagedFieldsEntry. */
export interface ManagerFields {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers by identity (BuildManagerIdentifier's JSON), in insertion order. */
export type Managers = Map<string, ManagerFields>;

/**
 * A manager's identity: the entry without time and fields, and without apiVersion for Apply (an
 * applier keeps one entry across versions), JSON-encoded in the struct's field order.
 */
export function managerId(m: {
  manager: string;
  operation: Operation;
  apiVersion?: string;
  subresource?: string;
}) {
  const id: JsonObject = {};
  if (m.manager) id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation === "Update" && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Decodes metadata.managedFields; throws Error with kube's text when an entry is malformed. */
export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): Managers {
  const out: Managers = new Map();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== "Apply" && e.operation !== "Update")
      throw new Error("operation must be `Apply` or `Update`");
    if (!e.apiVersion) throw new Error("apiVersion must not be empty");
    if (!e.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== "FieldsV1")
      throw new Error(`invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}`);
    const m: ManagerFields = {
      manager: e.manager ?? "",
      operation: e.operation,
      apiVersion: e.apiVersion,
      set: fromFieldsV1(e.fieldsV1 ?? {}),
    };
    if (e.subresource) m.subresource = e.subresource;
    if (e.time) m.time = e.time;
    out.set(managerId(m), m);
  });
  return out;
}

const seconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Encodes managers as kube stores them: Apply before Update, then oldest first, then by name. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  if (managers.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [...managers.values()].map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = toFieldsV1(m.set);
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
  return entries.sort(
    (p, q) =>
      cmpStr(p.operation ?? "", q.operation ?? "") ||
      seconds(p.time) - seconds(q.time) ||
      cmpStr(p.manager ?? "", q.manager ?? "") ||
      cmpStr(p.apiVersion ?? "", q.apiVersion ?? "") ||
      cmpStr(p.subresource ?? "", q.subresource ?? ""),
  );
}

/** RFC 3339 at second precision, as metav1.Time serializes: 2026-11-24T13:27:49Z. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Fields no manager owns: type and identity metadata the server sets (stripMetaManager). */
const strippedFields = (() => {
  const s = fieldSetOf(["apiVersion"], ["kind"], ["metadata"]);
  for (const f of [
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
  ]) {
    insertPath(s, [{ field: "metadata" }, { field: f }]);
  }
  return s;
})();

export function stripMeta(set: FieldSet): FieldSet {
  return difference(set, strippedFields);
}

/** The object as the field manager compares it: no managedFields. */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const out = clone(obj);
  if (isObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

/**
 * The object a create starts from. kube compares against a zero Go struct, which has metadata,
 * spec and status present but empty; so a create owns spec's fields but not `spec` itself.
 */
export function zeroObject(schema: SchemaNode | undefined, like: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (like.apiVersion !== undefined) out.apiVersion = like.apiVersion;
  if (like.kind !== undefined) out.kind = like.kind;
  out.metadata = {};
  for (const f of ["spec", "status"]) if (schema?.field?.(f)?.kind === "object") out[f] = {};
  return out;
}

/** A field owned by a manager other than the one writing, that the write changes. */
export interface Conflict {
  managerId: string;
  path: Path;
}

export class ConflictList extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super("conflicts");
  }
}

/**
 * Updater.update: compares old and new, takes changed fields away from every other manager, or
 * throws the conflicts when `force` is false. Returns the comparison.
 */
export function takeOwnership(
  schema: SchemaNode | undefined,
  oldObj: JsonObject,
  newObj: JsonObject,
  managers: Managers,
  workflow: string,
  force: boolean,
  ignored: FieldSet | undefined,
): Comparison {
  const cmp = compare(schema, oldObj, newObj);
  if (ignored) {
    cmp.added = recursiveDifference(cmp.added, ignored);
    cmp.modified = recursiveDifference(cmp.modified, ignored);
    cmp.removed = recursiveDifference(cmp.removed, ignored);
  }
  const changed = union(cmp.modified, cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === workflow) continue;
    const cs = intersection(m.set, changed);
    if (!isEmptySet(cs)) conflicts.set(id, cs);
  }
  if (!force && conflicts.size > 0) {
    const list: Conflict[] = [];
    for (const id of [...conflicts.keys()].sort()) {
      for (const path of setPaths(conflicts.get(id) as FieldSet)) list.push({ managerId: id, path });
    }
    throw new ConflictList(list);
  }
  for (const [id, m] of managers) {
    if (id === workflow) continue;
    const cs = conflicts.get(id);
    if (cs) m.set = difference(m.set, cs);
    m.set = difference(m.set, cmp.removed);
  }
  for (const [id, m] of managers) if (isEmptySet(m.set)) managers.delete(id);
  return cmp;
}

/** kube's limit on managers with operation Update; older ones merge into "ancient-changes". */
export const maxUpdateManagers = 10;

function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === "Update");
  if (updaters.length <= maxUpdateManagers) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmpStr(ia, ib));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const [id, m] = updaters[i] as [string, ManagerFields];
    const bucketId = managerId({ manager: "ancient-changes", operation: "Update", apiVersion: m.apiVersion });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managers.has(bucketId)) {
      const f = managers.get(first) as ManagerFields;
      managers.delete(first);
      managers.set(bucketId, { ...f, manager: "ancient-changes", subresource: undefined });
    }
    const bucket = managers.get(bucketId) as ManagerFields;
    bucket.set = union(m.set, bucket.set);
    bucket.time = m.time;
    managers.delete(id);
    length--;
  }
}

export interface UpdateTracking {
  manager: string;
  apiVersion: string;
  subresource?: string;
  now: Date;
  schema: SchemaNode | undefined;
  ignored?: FieldSet;
}

/**
 * One Update through the field manager chain (managedFieldsUpdater, stripMeta, Updater.Update,
 * capManagers): the writer gains what it added or changed, others lose it, removed fields leave
 * every set, and the writer's time moves only when it gained fields.
 */
export function trackUpdate(
  managers: Managers,
  oldObj: JsonObject,
  newObj: JsonObject,
  t: UpdateTracking,
): void {
  const current = "\u0000current-operation";
  const cmp = takeOwnership(t.schema, oldObj, newObj, managers, current, true, t.ignored);
  let set = union(cmp.modified, cmp.added);
  if (t.ignored) set = recursiveDifference(set, t.ignored);
  set = stripMeta(set);
  if (!isEmptySet(set)) {
    const id = managerId({
      manager: t.manager,
      operation: "Update",
      apiVersion: t.apiVersion,
      subresource: t.subresource,
    });
    const previous = managers.get(id);
    const m: ManagerFields = {
      manager: t.manager,
      operation: "Update",
      apiVersion: t.apiVersion,
      set: previous ? union(set, previous.set) : set,
      time: rfc3339(t.now),
    };
    if (t.subresource) m.subresource = t.subresource;
    managers.delete(id);
    managers.set(id, m);
  }
  capUpdateManagers(managers);
}

function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && isObject(mf[0]) && Object.keys(mf[0]).length === 0;
}

function managedFieldsOf(obj: unknown): ManagedFieldsEntry[] | undefined {
  if (!isObject(obj) || !isObject(obj.metadata)) return undefined;
  const mf = obj.metadata.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : undefined;
}

function decodeOrEmpty(entries: ManagedFieldsEntry[] | undefined): Managers {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

export interface UpdateManagedFieldsOptions {
  /** The stored object before the write; undefined for a create. */
  oldObj: JsonObject | undefined;
  /** The object about to be stored (after the patch, or the PUT/POST body). */
  newObj: JsonObject;
  /** The field manager: ?fieldManager=, else defaultManagerName(User-Agent). */
  manager: string;
  operation: "Update";
  /** "status", "scale", … for writes to a subresource. */
  subresource?: string;
  now: Date;
  /** The version the request used, e.g. "v1" or "apps/v1". */
  apiVersion: string;
  schema: SchemaNode | undefined;
  /** Fields this endpoint resets and so never gives anyone (e.g. status on the main resource). */
  ignoredFields?: FieldSet;
}

/**
 * The managedFields bookkeeping of every create, update and non-apply patch
 * (FieldManager.UpdateNoErrors). Managed fields come from the new object when the client sent
 * some (an empty list or `[{}]` clears them), else from the old one; an existing object that has
 * none stays untracked, as in kube. Returns the new object with metadata.managedFields set, and
 * the entries.
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[] | undefined;
} {
  const object = clone(opts.newObj);
  const liveEntries = managedFieldsOf(opts.oldObj);
  let managers: Managers;
  if (opts.subresource) {
    managers = decodeOrEmpty(liveEntries);
  } else {
    const sent = isObject(object.metadata) ? object.metadata.managedFields : undefined;
    if (isResetManagedFields(sent)) managers = new Map();
    else {
      managers = Array.isArray(sent) ? decodeOrEmpty(sent as ManagedFieldsEntry[]) : new Map();
      if (managers.size === 0) managers = decodeOrEmpty(liveEntries);
    }
  }
  if (isObject(object.metadata)) delete object.metadata.managedFields;
  const uid = isObject(opts.oldObj) && isObject(opts.oldObj.metadata) ? opts.oldObj.metadata.uid : undefined;
  if (managers.size === 0 && uid) return { object, managedFields: undefined };

  try {
    const oldView = opts.oldObj ? withoutManagedFields(opts.oldObj) : zeroObject(opts.schema, object);
    trackUpdate(managers, oldView, object, {
      manager: opts.manager,
      apiVersion: opts.apiVersion,
      subresource: opts.subresource,
      now: opts.now,
      schema: opts.schema,
      ignored: opts.ignoredFields,
    });
  } catch {
    // kube logs "[SHOULD NOT HAPPEN] failed to update managedFields" and keeps the old entries.
    setManagedFields(object, liveEntries);
    return { object, managedFields: liveEntries };
  }
  const managedFields = encodeManagedFields(managers);
  setManagedFields(object, managedFields);
  return { object, managedFields };
}

export function setManagedFields(obj: JsonObject, mf: ManagedFieldsEntry[] | undefined): void {
  if (mf) {
    if (!isObject(obj.metadata)) obj.metadata = {};
    (obj.metadata as JsonObject).managedFields = mf;
  } else if (isObject(obj.metadata)) {
    delete obj.metadata.managedFields;
  }
}
