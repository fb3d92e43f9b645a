import assert from "node:assert/strict";
import { test } from "node:test";
import { duplicateFields, strictDecodingError, strictWarnings, unknownFields } from "./strict.js";

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    labelz: { a: "b" },
    labels: { "any/key": "x", other: "y" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
    managedFields: [
      { manager: "kubectl", fieldsV1: { "f:spec": { "f:anything": {} } }, fieldsType: "FieldsV1" },
    ],
  },
  spec: {
    containers: [
      { name: "a", image: "nginx", ports: [{ containerPort: 80, hostPortz: 1 }] },
      { name: "b", image: "nginx", foo: true, resources: { limits: { cpu: "1", memory: 5 } } },
    ],
    volumes: [{ name: "v", emptyDir: { medium: "Memory", bogus: 1 } }],
    bar: 1,
  },
  status: { phase: "Pending", podIPs: [{ ip: "10.0.0.1" }] },
};

test("unknown fields are reported with kube's paths, in document order", () => {
  assert.deepEqual(unknownFields("v1", "Pod", pod), [
    "metadata.labelz",
    "spec.containers[0].ports[0].hostPortz",
    "spec.containers[1].foo",
    "spec.volumes[0].emptyDir.bogus",
    "spec.bar",
  ]);
});

test("a clean object has no unknown fields", () => {
  const clean = JSON.parse(
    JSON.stringify(pod, (key, value: unknown) =>
      ["labelz", "bar", "hostPortz", "foo", "bogus"].includes(key) ? undefined : value,
    ),
  ) as unknown;
  assert.deepEqual(unknownFields("v1", "Pod", clean), []);
});

test("top-level typos and other kinds", () => {
  assert.deepEqual(
    unknownFields("v1", "ConfigMap", { apiVersion: "v1", kind: "ConfigMap", data: { k: "v" }, dta: {} }),
    ["dta"],
  );
  assert.deepEqual(
    unknownFields("coordination.k8s.io/v1", "Lease", {
      spec: { holderIdentity: "n", renewTime: "x", leaseDuration: 1 },
    }),
    ["spec.leaseDuration"],
  );
  assert.deepEqual(unknownFields("apps/v1", "Deployment", { foo: 1 }), []);
});

test("duplicate keys are found with their paths", () => {
  const text =
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},' +
    '"spec":{"containers":[{"name":"c","image":"i","image":"j"}]},"kind":"Pod"}';
  assert.deepEqual(duplicateFields(text), [
    "metadata.name",
    "metadata.labels.x",
    "spec.containers[0].image",
    "kind",
  ]);
  assert.deepEqual(duplicateFields('{"a":{"b":1},"c":[{"b":1},{"b":2}],"s":"\\"a\\"","e":"\\u0041"}'), []);
  assert.deepEqual(duplicateFields('{"a\\u0041":1,"aA":2}'), ["aA"]);
  assert.deepEqual(duplicateFields("{not json"), []);
});

test("strict decoding error and warnings use kube's words", () => {
  assert.equal(
    strictDecodingError("Pod", ["spec.foo", "metadata.labelz"]),
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "metadata.labelz"',
  );
  assert.equal(
    strictDecodingError("Lease", ["spec.x"], ["metadata.name"]),
    'Lease in version "v1" cannot be handled as a Lease: strict decoding error: duplicate field "metadata.name", unknown field "spec.x"',
  );
  assert.deepEqual(strictWarnings(["spec.foo", "spec.foo"]), ['unknown field "spec.foo"']);
});
