import assert from "node:assert/strict";
import { test } from "node:test";
import { formatFieldError } from "../field-errors.js";
import type { KubeObject } from "../object.js";
import { findKind, resources } from "../registry.js";
import type { ResourceStrategy } from "../strategy.js";
import { strategyFor } from "./index.js";

function strategy(apiVersion: string, kind: string): ResourceStrategy {
  const r = findKind(apiVersion, kind);
  if (!r) throw new Error(`${kind} not served`);
  return strategyFor(r);
}

function created(s: ResourceStrategy, obj: KubeObject): KubeObject {
  s.applyDefaults(obj);
  s.prepareForCreate(obj);
  return obj;
}

const fmt = (errs: ReturnType<ResourceStrategy["validateCreate"]>) => errs.map(formatFieldError);

test("every served resource has a strategy", () => {
  for (const r of resources) assert.ok(strategyFor(r).validateCreate, r.kind);
});

test("namespace: name label, kubernetes finalizer, Active phase, label-name rules", () => {
  const s = strategy("v1", "Namespace");
  const ns = created(s, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
  assert.deepEqual(ns, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "team-a", labels: { "kubernetes.io/metadata.name": "team-a" } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  });
  assert.deepEqual(s.validateCreate(ns), []);
  const bad = created(s, { metadata: { name: "team.a" } });
  assert.match(
    fmt(s.validateCreate(bad))[0] ?? "",
    /^metadata\.name: Invalid value: "team\.a": a lowercase RFC 1123 label must/,
  );
  // finalizers belong to the finalize subresource; a plain update keeps them
  const upd = structuredClone(ns);
  upd.spec = { finalizers: [] };
  s.prepareForUpdate(upd, ns);
  assert.deepEqual(upd.spec, { finalizers: ["kubernetes"] });
});

test("configmap: key names, size limit and immutability", () => {
  const s = strategy("v1", "ConfigMap");
  const cm = created(s, { metadata: { name: "c", namespace: "d" }, data: { "bad key": "x", "ok.key": "y" } });
  assert.deepEqual(fmt(s.validateCreate(cm)), [
    `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  const big = created(s, {
    metadata: { name: "c", namespace: "d" },
    data: { a: "x".repeat(1024 * 1024 + 1) },
  });
  assert.deepEqual(fmt(s.validateCreate(big)), ["[]: Too long: must have at most 1048576 bytes"]);
  const frozen = created(s, { metadata: { name: "c", namespace: "d" }, data: { a: "1" }, immutable: true });
  const upd = structuredClone(frozen);
  upd.data = { a: "2" };
  assert.deepEqual(fmt(s.validateUpdate(upd, frozen)), [
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
});

test("secret: Opaque by default, stringData folded into data, typed keys, type immutable", () => {
  const s = strategy("v1", "Secret");
  const sec = created(s, { metadata: { name: "s", namespace: "d" }, stringData: { password: "hunter2" } });
  assert.deepEqual(sec, {
    metadata: { name: "s", namespace: "d" },
    type: "Opaque",
    data: { password: "aHVudGVyMg==" },
  });
  assert.deepEqual(s.validateCreate(sec), []);
  const tls = created(s, {
    metadata: { name: "t", namespace: "d" },
    type: "kubernetes.io/tls",
    data: { "tls.crt": "eA==" },
  });
  assert.deepEqual(fmt(s.validateCreate(tls)), ["data[tls.key]: Required value"]);
  const notB64 = created(s, { metadata: { name: "b", namespace: "d" }, data: { k: "not base64!" } });
  assert.deepEqual(fmt(s.validateCreate(notB64)), [
    'data[k]: Invalid value: "<secret contents redacted>": illegal base64 data',
  ]);
  const upd = structuredClone(sec);
  upd.type = "kubernetes.io/basic-auth";
  assert.deepEqual(fmt(s.validateUpdate(upd, sec)), [
    'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
  ]);
});

test("persistent volume: defaults, capacity and exactly one source", () => {
  const s = strategy("v1", "PersistentVolume");
  const pv = created(s, {
    metadata: { name: "pv1" },
    spec: { capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data" } },
  });
  const spec = pv.spec as Record<string, unknown>;
  assert.equal(spec.persistentVolumeReclaimPolicy, "Retain");
  assert.equal(spec.volumeMode, "Filesystem");
  assert.equal((pv.status as { phase: string }).phase, "Pending");
  assert.deepEqual(s.validateCreate(pv), []);
  const bad = created(s, { metadata: { name: "pv2" }, spec: { accessModes: ["ReadWriteSometimes"] } });
  assert.deepEqual(fmt(s.validateCreate(bad)), [
    'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    "spec.capacity: Required value",
    'spec.capacity: Unsupported value: {}: supported values: "storage"',
    "spec: Required value: must specify a volume type",
  ]);
});

test("persistent volume claim: required fields, Pending, frozen spec", () => {
  const s = strategy("v1", "PersistentVolumeClaim");
  const empty = created(s, { metadata: { name: "c", namespace: "d" }, spec: {} });
  assert.deepEqual(fmt(s.validateCreate(empty)), [
    "spec.accessModes: Required value: at least 1 access mode is required",
    "spec.resources[storage]: Required value",
  ]);
  const pvc = created(s, {
    metadata: { name: "my-data-claim", namespace: "default" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
  });
  assert.deepEqual(pvc.spec, {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "2Gi" } },
    volumeMode: "Filesystem",
  });
  assert.deepEqual(pvc.status, { phase: "Pending" });
  assert.deepEqual(s.validateCreate(pvc), []);

  const grown = structuredClone(pvc);
  (grown.spec as { resources: { requests: { storage: string } } }).resources.requests.storage = "5Gi";
  s.prepareForUpdate(grown, pvc);
  const errs = fmt(s.validateUpdate(grown, pvc));
  assert.equal(errs.length, 1);
  assert.ok(
    errs[0]?.startsWith(
      "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  core.PersistentVolumeClaimSpec{\n",
    ),
    errs[0],
  );
  // bound claims may grow, never shrink
  const bound = structuredClone(pvc);
  bound.status = { phase: "Bound" };
  const bigger = structuredClone(grown);
  s.prepareForUpdate(bigger, bound);
  assert.deepEqual(s.validateUpdate(bigger, bound), []);
  const smaller = structuredClone(bound);
  (smaller.spec as { resources: { requests: { storage: string } } }).resources.requests.storage = "1Gi";
  assert.deepEqual(fmt(s.validateUpdate(smaller, bound)), [
    "spec.resources.requests.storage: Forbidden: field can not be less than previous value",
  ]);
  // the binder may set volumeName once
  const withVolume = structuredClone(pvc);
  (withVolume.spec as { volumeName?: string }).volumeName = "pv1";
  assert.deepEqual(s.validateUpdate(withVolume, pvc), []);
});

test("storage class: defaults, provisioner required, parameters immutable", () => {
  const s = strategy("storage.k8s.io/v1", "StorageClass");
  const sc = created(s, { metadata: { name: "local-path" }, provisioner: "rancher.io/local-path" });
  assert.equal(sc.reclaimPolicy, "Delete");
  assert.equal(sc.volumeBindingMode, "Immediate");
  assert.deepEqual(s.validateCreate(sc), []);
  assert.deepEqual(fmt(s.validateCreate(created(s, { metadata: { name: "x" } }))), [
    "provisioner: Required value",
  ]);
  const upd = structuredClone(sc);
  upd.parameters = { a: "b" };
  assert.deepEqual(fmt(s.validateUpdate(upd, sc)), [
    "parameters: Forbidden: updates to parameters are forbidden.",
  ]);
});

test("core/v1 events are loose, events.k8s.io/v1 strict", () => {
  const core = strategy("v1", "Event");
  const ev = created(core, {
    metadata: { name: "web-pod.17a", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web-pod", namespace: "default" },
    reason: "Scheduled",
    message: "Successfully assigned default/web-pod to node1",
    type: "Normal",
  });
  assert.deepEqual(core.validateCreate(ev), []);
  assert.equal(ev.firstTimestamp, null);
  const mismatch = created(core, {
    metadata: { name: "e", namespace: "default" },
    involvedObject: { namespace: "other" },
  });
  assert.deepEqual(fmt(core.validateCreate(mismatch)), [
    'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
  ]);

  const v1 = strategy("events.k8s.io/v1", "Event");
  const missing = created(v1, {
    metadata: { name: "e", namespace: "default" },
    eventTime: "2024-01-01T00:00:00.000000Z",
    regarding: { namespace: "default" },
    type: "Normal",
  });
  assert.deepEqual(fmt(v1.validateCreate(missing)), [
    "reportingController: Required value",
    `reportingController: Invalid value: "": name part must be non-empty`,
    `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    "reportingInstance: Required value",
    "action: Required value",
    "reason: Required value",
  ]);
});

test("node: allocatable defaults to capacity; taints checked", () => {
  const s = strategy("v1", "Node");
  const node = created(s, {
    metadata: { name: "node1" },
    spec: { taints: [{ key: "k", effect: "Sometimes" }] },
    status: { capacity: { cpu: "2", memory: "4Gi" } },
  });
  assert.deepEqual((node.status as { allocatable: unknown }).allocatable, { cpu: "2", memory: "4Gi" });
  assert.deepEqual(fmt(s.validateCreate(node)), [
    'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
  ]);
});

test("lease and binding", () => {
  const lease = strategy("coordination.k8s.io/v1", "Lease");
  const l = created(lease, {
    metadata: { name: "node1", namespace: "kube-node-lease" },
    spec: { leaseDurationSeconds: 0 },
  });
  assert.deepEqual(fmt(lease.validateCreate(l)), [
    "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
  ]);
  const binding = strategy("v1", "Binding");
  assert.deepEqual(fmt(binding.validateCreate({ metadata: { name: "p" }, target: { kind: "Pod" } })), [
    'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
    "target.name: Required value",
  ]);
});
