import assert from "node:assert/strict";
import { test } from "node:test";
import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import { StatusError } from "../errors.js";
import { fieldSetOf } from "./fieldpath.js";
import type { JsonObject } from "./json.js";
import { updateManagedFields } from "./managed-fields.js";
import { lastAppliedAnnotation, serverSideApply } from "./server-side-apply.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";
import { testSchema, webPod } from "./test-schema.js";

const schema = testSchema("Pod");
const t0 = new Date("2026-11-24T10:00:00Z");
const t1 = new Date("2026-11-24T11:00:00Z");
const t2 = new Date("2026-11-24T12:00:00Z");

type Pod = ReturnType<typeof webPod> & JsonObject;

function pod(image = "nginx:1.25", labels: Record<string, string> = { app: "web" }): Pod {
  const p = webPod() as Pod;
  p.metadata.labels = labels;
  (p.spec.containers[0] as { image: string }).image = image;
  return p;
}

function apply(
  live: JsonObject | undefined,
  applied: JsonObject,
  manager: string,
  opts: { force?: boolean; now?: Date } = {},
) {
  const r = serverSideApply({
    live,
    applied,
    manager,
    force: opts.force ?? false,
    schema,
    now: opts.now ?? t0,
    apiVersion: "v1",
    kind: "Pod",
  });
  // what the store would hold: the server gives the object a uid on create
  const md = r.object.metadata as JsonObject;
  md.uid ??= "u-1";
  return r;
}

function entry(mf: ManagedFieldsEntry[] | undefined, manager: string) {
  return mf?.find((e) => e.manager === manager);
}

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a conflict");
}

test("apply creates the object and records an Apply entry without '.' on fields it only fills", () => {
  const { object, managedFields } = apply(undefined, pod(), "kubectl");
  assert.equal((object.spec as Pod["spec"]).containers[0]?.image, "nginx:1.25");
  assert.deepEqual(managedFields, [
    {
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "v1",
      time: "2026-11-24T10:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
      },
    },
  ]);
});

test("apply keys ports by containerPort and the defaulted protocol, as kube's schema does", () => {
  const p = pod();
  p.spec.containers[0] = { name: "web", image: "nginx", ports: [{ containerPort: 80 }] };
  const { managedFields } = apply(undefined, p, "kubectl");
  const web = ((managedFields?.[0]?.fieldsV1 ?? {}) as JsonObject)["f:spec"] as JsonObject;
  assert.deepEqual(((web["f:containers"] as JsonObject)['k:{"name":"web"}'] as JsonObject)["f:ports"], {
    'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
  });
});

test("apply by a second manager conflicts on a field owned by the first", () => {
  const live = apply(undefined, pod(), "team-a").object;
  const e = conflictOf(() => apply(live, pod("nginx:1.27"), "team-b"));
  assert.equal(e.code, 409);
  assert.equal(e.reason, "Conflict");
  assert.equal(
    e.message,
    'Apply failed with 1 conflict: conflict with "team-a": .spec.containers[name="web"].image',
  );
  assert.deepEqual(e.details, {
    causes: [
      {
        reason: "FieldManagerConflict",
        message: 'conflict with "team-a"',
        field: '.spec.containers[name="web"].image',
      },
    ],
  });
});

test("a conflict with an Update manager names its version", () => {
  const created = updateManagedFields({
    oldObj: undefined,
    newObj: pod(),
    manager: "kubectl-client-side-apply",
    operation: "Update",
    now: t0,
    apiVersion: "v1",
    schema,
  }).object;
  (created.metadata as JsonObject).uid = "u-1";
  const e = conflictOf(() => apply(created, pod("nginx:1.27"), "other"));
  assert.equal(
    e.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="web"].image',
  );
  assert.equal(e.details?.causes?.[0]?.message, 'conflict with "kubectl-client-side-apply" using v1');
});

test("several conflicts are listed per manager", () => {
  const live = apply(undefined, pod(), "team-a").object;
  const e = conflictOf(() => apply(live, pod("nginx:2", { app: "api" }), "team-b"));
  assert.equal(
    e.message,
    'Apply failed with 2 conflicts: conflicts with "team-a":\n- .metadata.labels.app\n- .spec.containers[name="web"].image',
  );
  assert.equal(e.details?.causes?.length, 2);
});

test("force takes ownership", () => {
  const live = apply(undefined, pod(), "team-a").object;
  const { object, managedFields } = apply(live, pod("nginx:1.27"), "team-b", { force: true, now: t1 });
  assert.equal((object.spec as Pod["spec"]).containers[0]?.image, "nginx:1.27");
  assert.deepEqual(entry(managedFields, "team-a")?.fieldsV1, {
    "f:metadata": { "f:labels": { "f:app": {} } },
    "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:name": {} } } },
  });
  assert.deepEqual(entry(managedFields, "team-b")?.time, "2026-11-24T11:00:00Z");
});

test("applying the same value as another manager shares ownership without conflict", () => {
  const live = apply(undefined, pod(), "team-a").object;
  const { managedFields } = apply(live, pod(), "team-b", { now: t1 });
  assert.deepEqual(entry(managedFields, "team-a")?.fieldsV1, entry(managedFields, "team-b")?.fieldsV1);
  // nothing changed, so team-b's entry carries no time, as in kube
  assert.equal(entry(managedFields, "team-b")?.time, undefined);
});

test("a field the applier drops from its configuration is removed", () => {
  const live = apply(undefined, pod("nginx:1.25", { app: "web", tier: "front" }), "kubectl").object;
  const { object, managedFields } = apply(live, pod("nginx:1.25", { app: "web" }), "kubectl", { now: t1 });
  assert.deepEqual((object.metadata as Pod["metadata"]).labels, { app: "web" });
  assert.deepEqual(((entry(managedFields, "kubectl")?.fieldsV1 ?? {}) as JsonObject)["f:metadata"], {
    "f:labels": { "f:app": {} },
  });
});

test("a dropped field another manager also owns stays", () => {
  const live = apply(undefined, pod("nginx:1.25", { app: "web", tier: "front" }), "kubectl").object;
  const shared = apply(live, pod("nginx:1.25", { tier: "front" }), "labeler").object;
  const { object } = apply(shared, pod("nginx:1.25", { app: "web" }), "kubectl", { now: t1 });
  assert.deepEqual((object.metadata as Pod["metadata"]).labels, { app: "web", tier: "front" });
});

test("a container dropped from the configuration is removed from the list", () => {
  const two = pod();
  two.spec.containers.push({ name: "sidecar", image: "busybox" });
  const live = apply(undefined, two, "kubectl").object;
  const { object } = apply(live, pod(), "kubectl", { now: t1 });
  assert.deepEqual(
    (object.spec as Pod["spec"]).containers.map((c) => c.name),
    ["web"],
  );
});

test("apply merges a new container into the live list by name", () => {
  const live = apply(undefined, pod(), "kubectl").object;
  const side = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "sidecar", image: "busybox" }] },
  };
  const { object } = apply(live, side, "sidecar-injector", { now: t1 });
  assert.deepEqual(
    (object.spec as Pod["spec"]).containers.map((c) => c.name),
    ["web", "sidecar"],
  );
});

test("an object nobody tracked is first given to before-first-apply", () => {
  const live = {
    ...(pod() as JsonObject),
    metadata: { name: "web", namespace: "default", uid: "u", labels: { app: "web" } },
  };
  const { managedFields } = apply(live, pod("nginx:1.25", { extra: "x" }), "kubectl", { now: t1 });
  const before = entry(managedFields, "before-first-apply");
  assert.equal(before?.operation, "Update");
  assert.deepEqual(before?.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": { "f:containers": { ".": {}, 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
  });
});

test("an apply that changes nothing keeps the applier's time", () => {
  const live = apply(undefined, pod(), "kubectl").object;
  const { managedFields } = apply(live, pod(), "kubectl", { now: t2 });
  assert.equal(entry(managedFields, "kubectl")?.time, "2026-11-24T10:00:00Z");
});

test("apply refuses another kind or version, and managedFields in the body", () => {
  const wrongKind = { ...(pod() as JsonObject), kind: "Service" };
  const e = conflictOf(() => apply(undefined, wrongKind, "kubectl"));
  assert.equal(e.code, 400);
  assert.equal(e.message, "invalid object type: /v1, Kind=Service");
  const withMf = pod() as JsonObject;
  (withMf.metadata as JsonObject).managedFields = [];
  assert.equal(
    conflictOf(() => apply(undefined, withMf, "kubectl")).message,
    "metadata.managedFields must be nil",
  );
  const noKind = serverSideApply.bind(null, {
    live: undefined,
    applied: { ...(pod() as JsonObject), apiVersion: "v2" },
    manager: "m",
    force: false,
    schema,
    now: t0,
    apiVersion: "v1",
  });
  assert.equal(
    conflictOf(noKind).message,
    "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1",
  );
});

test("apply of a field the schema lacks fails as kube's typed conversion does", () => {
  const bad = pod() as JsonObject;
  (bad.spec as JsonObject).foo = 1;
  const e = conflictOf(() => apply(undefined, bad, "kubectl"));
  assert.equal(e.code, 500);
  assert.equal(
    e.message,
    "failed to create typed patch object (default/web; /v1, Kind=Pod): .spec.foo: field not declared in schema",
  );
});

test("apply with duplicate keys in the configuration fails", () => {
  const dup = pod();
  dup.spec.containers.push({ name: "web", image: "other" });
  const e = conflictOf(() => apply(undefined, dup, "kubectl"));
  assert.equal(
    e.message,
    'failed to create typed patch object (default/web; /v1, Kind=Pod): .spec.containers: duplicate entries for key [name="web"]',
  );
});

test("apply never gives anyone the endpoint's reset fields", () => {
  const withStatus = { ...(pod() as JsonObject), status: { phase: "Running" } };
  const { managedFields } = serverSideApply({
    live: undefined,
    applied: withStatus,
    manager: "kubectl",
    force: false,
    schema,
    now: t0,
    apiVersion: "v1",
    ignoredFields: fieldSetOf(["status"]),
  });
  assert.equal("f:status" in ((managedFields?.[0]?.fieldsV1 ?? {}) as JsonObject), false);
});

// kubectl apply (client-side) then kubectl apply --server-side, as kubectl 1.27+ sends them.
function clientSideApplyCreate(config: JsonObject): JsonObject {
  const body = structuredClone(config);
  (body.metadata as JsonObject).annotations = { [lastAppliedAnnotation]: `${JSON.stringify(config)}\n` };
  const created = updateManagedFields({
    oldObj: undefined,
    newObj: body,
    manager: "kubectl-client-side-apply",
    operation: "Update",
    now: t0,
    apiVersion: "v1",
    schema,
  }).object;
  (created.metadata as JsonObject).uid = "u-1";
  return created;
}

function clientSideApplyPatch(live: JsonObject, config: JsonObject, patch: JsonObject): JsonObject {
  (patch.metadata as JsonObject).annotations = { [lastAppliedAnnotation]: `${JSON.stringify(config)}\n` };
  const patched = applyStrategicMergePatch(live, patch, schema) as JsonObject;
  return updateManagedFields({
    oldObj: live,
    newObj: patched,
    manager: "kubectl-client-side-apply",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  }).object;
}

test("kubectl apply then apply --server-side takes over the client-side fields without conflict", () => {
  const v1 = pod("nginx:1.25") as JsonObject;
  let live = clientSideApplyCreate(v1);
  const v2 = pod("nginx:1.26") as JsonObject;
  live = clientSideApplyPatch(live, v2, {
    metadata: {},
    spec: {
      "$setElementOrder/containers": [{ name: "web" }],
      containers: [{ name: "web", image: "nginx:1.26" }],
    },
  });
  assert.equal((live.spec as Pod["spec"]).containers[0]?.image, "nginx:1.26");

  const v3 = pod("nginx:1.27") as JsonObject;
  const { object, managedFields } = apply(live, v3, "kubectl", { now: t2 });
  assert.equal((object.spec as Pod["spec"]).containers[0]?.image, "nginx:1.27");
  const annotations = (object.metadata as JsonObject).annotations as Record<string, string>;
  assert.equal(
    annotations[lastAppliedAnnotation],
    '{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}\n',
  );
  assert.deepEqual(entry(managedFields, "kubectl")?.operation, "Apply");
  const csa = entry(managedFields, "kubectl-client-side-apply")?.fieldsV1 as JsonObject;
  assert.deepEqual((csa["f:spec"] as JsonObject)["f:containers"], {
    ".": {},
    'k:{"name":"web"}': { ".": {}, "f:name": {} },
  });
});

test("apply --server-side conflicts when the live value drifted from the last-applied one", () => {
  const v1 = pod("nginx:1.25") as JsonObject;
  let live = clientSideApplyCreate(v1);
  // someone else edits the image: live no longer matches the annotation there
  const edited = structuredClone(live);
  ((edited.spec as Pod["spec"]).containers[0] as { image: string }).image = "nginx:hotfix";
  live = updateManagedFields({
    oldObj: live,
    newObj: edited,
    manager: "kubectl-edit",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  }).object;
  const e = conflictOf(() => apply(live, pod("nginx:1.27") as JsonObject, "kubectl", { now: t2 }));
  assert.equal(
    e.message,
    'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .spec.containers[name="web"].image',
  );
});

test("the client-side apply takeover is kubectl's alone: other managers see the conflict", () => {
  const live = clientSideApplyCreate(pod("nginx:1.25") as JsonObject);
  const e = conflictOf(() => apply(live, pod("nginx:1.27") as JsonObject, "my-tool", { now: t2 }));
  assert.equal(
    e.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="web"].image',
  );
});

test("two appliers each keep their own container; dropping one removes only it", () => {
  const live = apply(undefined, pod(), "team-a").object;
  const side = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "sidecar", image: "busybox" }] },
  };
  const both = apply(live, side, "team-b", { now: t1 }).object;
  const empty = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" } };
  const { object, managedFields } = apply(both, empty, "team-b", { now: t2 });
  assert.deepEqual(
    (object.spec as Pod["spec"]).containers.map((c) => c.name),
    ["web"],
  );
  assert.equal(entry(managedFields, "team-b"), undefined);
});

test("apply owns set items (finalizers) one by one and unions them with others'", () => {
  const withFinalizers = (f: string[]) => {
    const p = pod() as JsonObject;
    (p.metadata as JsonObject).finalizers = f;
    return p;
  };
  const live = apply(undefined, withFinalizers(["a.example/x"]), "team-a").object;
  const { object, managedFields } = apply(live, withFinalizers(["b.example/y"]), "team-b", { now: t1 });
  assert.deepEqual((object.metadata as JsonObject).finalizers, ["a.example/x", "b.example/y"]);
  assert.deepEqual(((entry(managedFields, "team-b")?.fieldsV1 ?? {}) as JsonObject)["f:metadata"], {
    "f:finalizers": { 'v:"b.example/y"': {} },
    "f:labels": { "f:app": {} },
  });
});

test("an atomic list (tolerations) is owned and replaced whole", () => {
  const withTolerations = (keys: string[]) => {
    const p = pod() as JsonObject;
    (p.spec as JsonObject).tolerations = keys.map((key) => ({ key, operator: "Exists" }));
    return p;
  };
  const live = apply(undefined, withTolerations(["a", "b"]), "team-a").object;
  const fv = (entry(apply(undefined, withTolerations(["a"]), "x").managedFields, "x")?.fieldsV1 ??
    {}) as JsonObject;
  assert.deepEqual((fv["f:spec"] as JsonObject)["f:tolerations"], {});
  const e = conflictOf(() => apply(live, withTolerations(["c"]), "team-b"));
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "team-a": .spec.tolerations');
  const { object } = apply(live, withTolerations(["c"]), "team-b", { force: true });
  assert.deepEqual((object.spec as JsonObject).tolerations, [{ key: "c", operator: "Exists" }]);
});

test("an update that removes an applied field takes it from the applier", () => {
  const live = apply(undefined, pod("nginx:1.25", { app: "web", tier: "front" }), "kubectl").object;
  const next = structuredClone(live);
  delete ((next.metadata as JsonObject).labels as JsonObject).tier;
  const { managedFields } = updateManagedFields({
    oldObj: live,
    newObj: next,
    manager: "kubectl-label",
    operation: "Update",
    now: t1,
    apiVersion: "v1",
    schema,
  });
  assert.deepEqual(((entry(managedFields, "kubectl")?.fieldsV1 ?? {}) as JsonObject)["f:metadata"], {
    "f:labels": { "f:app": {} },
  });
});

// The flow of kube's integration test TestApplyManagedFields: apply a ConfigMap, then two merge
// patches by "updater" add a key and change the applied one.
test("updates after an apply take fields from the applier and group under one Update entry", () => {
  const cmSchema = testSchema("ConfigMap");
  const cm = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "test-cm", namespace: "default", labels: { "test-label": "test" } },
    data: { key: "value" },
  };
  let live = serverSideApply({
    live: undefined,
    applied: cm,
    manager: "apply_test",
    force: false,
    schema: cmSchema,
    now: t0,
    apiVersion: "v1",
  }).object;
  (live.metadata as JsonObject).uid = "u-1";
  for (const [patch, now] of [
    [{ data: { "new-key": "value" } }, t1],
    [{ data: { key: "new value" } }, t2],
  ] as const) {
    const patched = applyStrategicMergePatch(live, patch, cmSchema) as JsonObject;
    live = updateManagedFields({
      oldObj: live,
      newObj: patched,
      manager: "updater",
      operation: "Update",
      now,
      apiVersion: "v1",
      schema: cmSchema,
    }).object;
  }
  assert.deepEqual((live.metadata as JsonObject).managedFields, [
    {
      manager: "apply_test",
      operation: "Apply",
      apiVersion: "v1",
      time: "2026-11-24T10:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { "f:test-label": {} } } },
    },
    {
      manager: "updater",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-11-24T12:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { "f:key": {}, "f:new-key": {} } },
    },
  ]);
  assert.deepEqual(live.data, { key: "new value", "new-key": "value" });
});

test("an apply that owns nothing but name and namespace leaves no managedFields", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "test-cm", namespace: "default" } };
  const cmSchema = testSchema("ConfigMap");
  const first = serverSideApply({
    live: undefined,
    applied: cm,
    manager: "apply_test",
    force: false,
    schema: cmSchema,
    now: t0,
    apiVersion: "v1",
  });
  assert.equal(first.managedFields, undefined);
  (first.object.metadata as JsonObject).uid = "u-1";
  const again = serverSideApply({
    live: first.object,
    applied: cm,
    manager: "apply_test",
    force: false,
    schema: cmSchema,
    now: t1,
    apiVersion: "v1",
  });
  assert.equal(again.managedFields, undefined);
  assert.equal("managedFields" in (again.object.metadata as JsonObject), false);
});
