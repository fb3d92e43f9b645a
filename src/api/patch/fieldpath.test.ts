import assert from "node:assert/strict";
import { test } from "node:test";
import {
  difference,
  emptySet,
  fromFieldsV1,
  hasPath,
  insertPath,
  keyElement,
  type Path,
  pathString,
  recursiveDifference,
  setPaths,
  toFieldsV1,
} from "./fieldpath.js";

// A fieldsV1 as kube-apiserver wrote it for `kubectl run web --image=nginx --port=80`.
const kubectlRun = {
  "f:metadata": { "f:labels": { ".": {}, "f:run": {} } },
  "f:spec": {
    "f:containers": {
      'k:{"name":"web"}': {
        ".": {},
        "f:image": {},
        "f:name": {},
        "f:ports": {
          ".": {},
          'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} },
        },
      },
    },
    "f:dnsPolicy": {},
  },
};

test("fieldsV1 round-trips byte for byte, '.' first and fields before keys", () => {
  const set = fromFieldsV1(kubectlRun);
  assert.equal(JSON.stringify(toFieldsV1(set)), JSON.stringify(kubectlRun));
});

test("fieldsV1 '.' makes the node itself a member besides its children", () => {
  const set = fromFieldsV1(kubectlRun);
  const web = keyElement([["name", "web"]]);
  assert.ok(hasPath(set, [{ field: "spec" }, { field: "containers" }, web]));
  assert.ok(hasPath(set, [{ field: "metadata" }, { field: "labels" }]));
  assert.ok(!hasPath(set, [{ field: "spec" }]));
  assert.ok(!hasPath(set, [{ field: "spec" }, { field: "containers" }]));
});

test("fieldsV1 key elements sort their fields and set values serialize as v:", () => {
  const set = emptySet();
  insertPath(set, [
    { field: "ports" },
    keyElement([
      ["protocol", "TCP"],
      ["containerPort", 80],
    ]),
  ]);
  insertPath(set, [{ field: "finalizers" }, { value: "example.com/x" }]);
  assert.deepEqual(toFieldsV1(set), {
    "f:finalizers": { 'v:"example.com/x"': {} },
    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': {} },
  });
});

test("paths print as conflict messages show them", () => {
  const p: Path = [
    { field: "spec" },
    { field: "containers" },
    keyElement([["name", "web"]]),
    { field: "ports" },
    keyElement([
      ["containerPort", 80],
      ["protocol", "TCP"],
    ]),
  ];
  assert.equal(pathString(p), '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]');
  assert.equal(
    pathString([{ field: "metadata" }, { field: "finalizers" }, { value: "a" }]),
    '.metadata.finalizers[="a"]',
  );
});

test("set iteration lists members before children, each level sorted", () => {
  const set = fromFieldsV1(kubectlRun);
  assert.deepEqual(setPaths(set).map(pathString), [
    ".metadata.labels",
    ".metadata.labels.run",
    ".spec.dnsPolicy",
    '.spec.containers[name="web"]',
    '.spec.containers[name="web"].image',
    '.spec.containers[name="web"].name',
    '.spec.containers[name="web"].ports',
    '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
    '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].protocol',
  ]);
});

test("difference keeps children of a removed member; recursive difference drops them", () => {
  const a = fromFieldsV1({ "f:status": { ".": {}, "f:phase": {} }, "f:spec": { "f:nodeName": {} } });
  const status = fromFieldsV1({ "f:status": {} });
  assert.deepEqual(toFieldsV1(difference(a, status)), {
    "f:spec": { "f:nodeName": {} },
    "f:status": { "f:phase": {} },
  });
  assert.deepEqual(toFieldsV1(recursiveDifference(a, status)), { "f:spec": { "f:nodeName": {} } });
});

test("malformed fieldsV1 keys are rejected", () => {
  assert.throws(() => fromFieldsV1({ "x:foo": {} }), /unknown path element type/);
  assert.throws(() => fromFieldsV1({ f: {} }), /key must be 2 characters long/);
});

test("key values escape <, > and & as Go's encoder does", () => {
  const set = emptySet();
  insertPath(set, [keyElement([["name", "a<b&c"]])]);
  assert.deepEqual(Object.keys(toFieldsV1(set)), ['k:{"name":"a\\u003cb\\u0026c"}']);
});
