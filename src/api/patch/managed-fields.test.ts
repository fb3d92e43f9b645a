import assert from "node:assert/strict";
import { test } from "node:test";
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import { fieldSetOf } from "./fieldpath.js";
import type { JsonObject } from "./json.js";
import { updateManagedFields } from "./managed-fields.js";
import { testSchema, webPod } from "./test-schema.js";

const schema = testSchema("Pod");
const t0 = new Date("2026-11-24T10:00:00.789Z");
const t1 = new Date("2026-11-24T11:00:00Z");

function create(manager = "kubectl-create") {
  const obj = webPod() as unknown as JsonObject;
  return updateManagedFields({
    oldObj: undefined,
    newObj: obj,
    manager,
    operation: "Update",
    now: t0,
    apiVersion: "v1",
    schema,
  });
}

function stored(obj: JsonObject): JsonObject {
  const out = structuredClone(obj);
  (out.metadata as JsonObject).uid = "u-1";
  return out;
}

test("create records the creator's fields, spec itself unowned", () => {
  const { managedFields, object } = create();
  // kube has no "." under f:containers here: its zero Pod holds `containers: null`. kite compares
  // against plain JSON, where only metadata, spec and status start out present.
  assert.deepEqual(managedFields, [
    {
      manager: "kubectl-create",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-11-24T10:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
        "f:spec": {
          "f:containers": { ".": {}, 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
        },
      },
    },
  ]);
  assert.deepEqual((object.metadata as JsonObject).managedFields, managedFields);
});

test("an update moves the changed field to its manager and leaves the rest", () => {
  const live = stored(create().object);
  const next = structuredClone(live) as ReturnType<typeof webPod> & JsonObject;
  (next.spec.containers[0] as { image: string }).image = "nginx:1.27";
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "kubectl-edit",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  const byManager = new Map(managedFields?.map((e) => [e.manager, e]));
  assert.deepEqual(byManager.get("kubectl-edit")?.fieldsV1, {
    "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } },
  });
  assert.equal(byManager.get("kubectl-edit")?.time, "2026-11-24T11:00:00Z");
  assert.deepEqual(byManager.get("kubectl-create")?.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": { "f:containers": { ".": {}, 'k:{"name":"web"}': { ".": {}, "f:name": {} } } },
  });
  assert.deepEqual(
    managedFields?.map((e) => e.manager),
    ["kubectl-create", "kubectl-edit"],
  );
});

test("a manager whose every field is taken over disappears", () => {
  const cmSchema = testSchema("ConfigMap");
  const write = (oldObj: JsonObject | undefined, a: string, manager: string, now: Date) =>
    updateManagedFields({
      oldObj,
      newObj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", uid: "u" }, data: { a } },
      manager,
      operation: "Update",
      now,
      apiVersion: "v1",
      schema: cmSchema,
    }).object;
  const created = write(undefined, "0", "creator", t0);
  const one = write(created, "1", "one", t0);
  const two = updateManagedFields({
    oldObj: one,
    newObj: { ...structuredClone(one), data: { a: "2" } },
    manager: "two",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema: cmSchema,
  });
  assert.deepEqual(
    two.managedFields?.map((e) => [e.manager, e.fieldsV1]),
    [
      ["creator", { "f:data": {} }],
      ["two", { "f:data": { "f:a": {} } }],
    ],
  );
});

test("removing a field takes it from its owner", () => {
  const live = stored(create().object);
  const next = structuredClone(live);
  delete ((next.metadata as JsonObject).labels as JsonObject).app;
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "kubectl-label",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  assert.deepEqual(managedFields?.[0]?.fieldsV1, {
    "f:metadata": { "f:labels": {} },
    "f:spec": { "f:containers": { ".": {}, 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
  });
  assert.equal(managedFields?.length, 1, "kubectl-label changed nothing it could own");
});

test("a status write is its own manager entry, with subresource", () => {
  const live = stored(create().object);
  const next = { ...structuredClone(live), status: { phase: "Running" } };
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "kite-agent",
    operation: "Update",
    subresource: "status",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  const entry = managedFields?.find((e) => e.manager === "kite-agent");
  assert.deepEqual(entry, {
    manager: "kite-agent",
    operation: "Update",
    apiVersion: "v1",
    time: "2026-11-24T11:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:status": { ".": {}, "f:phase": {} } },
    subresource: "status",
  });
});

test("ignored fields (the endpoint's reset fields) are never owned", () => {
  const obj = { ...(webPod() as unknown as JsonObject), status: { phase: "Pending" } };
  const { managedFields } = updateManagedFields({
    oldObj: undefined,
    newObj: obj,
    manager: "m",
    operation: "Update",
    now: t0,
    apiVersion: "v1",
    schema,
    ignoredFields: fieldSetOf(["status"]),
  });
  assert.equal("f:status" in (managedFields?.[0]?.fieldsV1 ?? {}), false);
});

test("an existing object without managedFields stays untracked", () => {
  const live = stored(webPod() as unknown as JsonObject);
  const next = { ...structuredClone(live), spec: { containers: [{ name: "web", image: "x" }] } };
  const { managedFields, object } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "m",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  assert.equal(managedFields, undefined);
  assert.equal("managedFields" in (object.metadata as JsonObject), false);
});

test("sending managedFields: [] clears them", () => {
  const live = stored(create().object);
  const next = structuredClone(live);
  (next.metadata as JsonObject).managedFields = [];
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "m",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  assert.equal(managedFields, undefined);
});

test("a no-op update keeps the manager's time", () => {
  const live = stored(create().object);
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: structuredClone(live),
    manager: "kubectl-create",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  assert.equal(managedFields?.[0]?.time, "2026-11-24T10:00:00Z");
});

test("more than 10 update managers fold the oldest into ancient-changes", () => {
  const cmSchema = testSchema("ConfigMap");
  let obj: JsonObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} };
  let old: JsonObject | undefined;
  for (let i = 0; i < 12; i++) {
    const next = structuredClone(obj);
    (next.data as JsonObject)[`k${i}`] = "v";
    const r = updateManagedFields({
      oldObj: old,
      newObj: next,
      manager: `m${String(i).padStart(2, "0")}`,
      operation: "Update",
      now: new Date(t0.getTime() + i * 1000),
      apiVersion: "v1",
      schema: cmSchema,
    });
    old = r.object;
    obj = r.object;
  }
  const entries = (obj.metadata as JsonObject).managedFields as ManagedFieldsEntry[];
  assert.equal(entries.length, 10);
  const ancient = entries.find((e) => e.manager === "ancient-changes");
  assert.deepEqual(ancient?.fieldsV1, { "f:data": { ".": {}, "f:k0": {}, "f:k1": {}, "f:k2": {} } });
  assert.equal(
    entries.some((e) => e.manager === "m01"),
    false,
  );
});
