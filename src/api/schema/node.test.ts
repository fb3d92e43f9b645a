import assert from "node:assert/strict";
import { test } from "node:test";
import type { SchemaNode } from "../schema-node.js";
import { schemaLookup } from "./node.js";

function at(root: SchemaNode | undefined, ...path: string[]): SchemaNode {
  let n = root;
  for (const p of path) {
    assert.ok(n, `no node before ${p}`);
    n = p === "[]" ? n.elem?.() : n.field?.(p);
  }
  assert.ok(n, `no node at ${path.join(".")}`);
  return n;
}

const pod = () => schemaLookup("v1", "Pod");

test("pod spec containers merge by name as a map list", () => {
  const containers = at(pod(), "spec", "containers");
  assert.equal(containers.kind, "array");
  assert.equal(containers.listType, "map");
  assert.deepEqual(containers.mapKeys, ["name"]);
  assert.equal(containers.patchStrategy, "merge");
  assert.equal(containers.patchMergeKey, "name");
  const c = at(containers, "[]");
  assert.equal(c.kind, "object");
  assert.ok(c.fieldNames?.().includes("image"));
  assert.equal(c.field?.("nope"), undefined);
});

test("container ports are keyed by containerPort and protocol", () => {
  const ports = at(pod(), "spec", "containers", "[]", "ports");
  assert.deepEqual(ports.mapKeys, ["containerPort", "protocol"]);
  assert.equal(ports.patchMergeKey, "containerPort");
  assert.deepEqual(at(ports, "[]", "containerPort"), { kind: "scalar", scalarType: "integer" });
});

test("volumes use merge,retainKeys; tolerations are atomic; finalizers are a set", () => {
  const volumes = at(pod(), "spec", "volumes");
  assert.equal(volumes.patchStrategy, "merge,retainKeys");
  assert.equal(volumes.patchMergeKey, "name");
  assert.equal(at(volumes, "[]", "emptyDir", "sizeLimit").scalarType, "string|integer");
  assert.equal(at(pod(), "spec", "tolerations").listType, "atomic");
  const finalizers = at(pod(), "metadata", "finalizers");
  assert.equal(finalizers.listType, "set");
  assert.equal(finalizers.patchStrategy, "merge");
  assert.equal(at(finalizers, "[]").scalarType, "string");
});

test("lists without a marker default to atomic", () => {
  assert.equal(at(pod(), "spec", "containers", "[]", "command").listType, "atomic");
});

test("labels are a free-key map; managedFields' fieldsV1 is untyped", () => {
  const labels = at(pod(), "metadata", "labels");
  assert.equal(labels.kind, "map");
  assert.equal(labels.elem?.().scalarType, "string");
  assert.equal(at(pod(), "metadata", "managedFields", "[]", "fieldsV1").kind, "any");
  assert.equal(at(pod(), "metadata", "ownerReferences", "[]").mapType, "atomic");
});

test("scalars: int-or-string, quantity, time", () => {
  assert.equal(
    at(pod(), "spec", "containers", "[]", "livenessProbe", "httpGet", "port").scalarType,
    "string|integer",
  );
  assert.equal(
    at(pod(), "spec", "containers", "[]", "resources", "limits").elem?.().scalarType,
    "string|integer",
  );
  assert.equal(at(pod(), "metadata", "creationTimestamp").scalarType, "string");
});

test("every served kind has a schema; unknown kinds have none", () => {
  for (const [v, k] of [
    ["v1", "Namespace"],
    ["v1", "Node"],
    ["v1", "Event"],
    ["v1", "ConfigMap"],
    ["v1", "Secret"],
    ["v1", "PersistentVolume"],
    ["v1", "PersistentVolumeClaim"],
    ["v1", "Binding"],
    ["v1", "PodList"],
    ["events.k8s.io/v1", "Event"],
    ["coordination.k8s.io/v1", "Lease"],
    ["storage.k8s.io/v1", "StorageClass"],
  ] as const) {
    assert.equal(schemaLookup(v, k)?.kind, "object", `${v} ${k}`);
  }
  assert.equal(schemaLookup("apps/v1", "Deployment"), undefined);
  assert.equal(schemaLookup("v1", "Deployment"), undefined);
  // The two Events are different shapes.
  assert.ok(schemaLookup("events.k8s.io/v1", "Event")?.field?.("note"));
  assert.equal(schemaLookup("v1", "Event")?.field?.("note"), undefined);
});

test("nodes are cached: walking twice returns the same node", () => {
  assert.equal(at(pod(), "spec", "containers", "[]"), at(pod(), "spec", "containers", "[]"));
});
