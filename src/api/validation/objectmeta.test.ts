import assert from "node:assert/strict";
import { test } from "node:test";
import { formatFieldError } from "../field-errors.js";
import { nameIsDNSLabel, nameIsDNSSubdomain } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

const namespaced = { namespaced: true, nameFn: nameIsDNSSubdomain };
const msgs = (errs: Parameters<typeof formatFieldError>[0][]) => errs.map(formatFieldError);

test("a name or generateName is required", () => {
  assert.deepEqual(msgs(validateObjectMeta({ namespace: "default" }, namespaced)), [
    "metadata.name: Required value: name or generateName is required",
  ]);
});

test("namespaced kinds need a namespace, cluster kinds refuse one", () => {
  assert.deepEqual(msgs(validateObjectMeta({ name: "x" }, namespaced)), [
    "metadata.namespace: Required value",
  ]);
  assert.deepEqual(
    msgs(validateObjectMeta({ name: "x", namespace: "a" }, { namespaced: false, nameFn: nameIsDNSLabel })),
    ["metadata.namespace: Forbidden: not allowed on this type"],
  );
});

test("bad label key and value are reported on kube's paths", () => {
  const errs = msgs(
    validateObjectMeta({ name: "x", namespace: "d", labels: { "bad key": "ok", app: "not ok" } }, namespaced),
  );
  assert.equal(errs.length, 2);
  assert.match(errs[0] ?? "", /^metadata\.labels: Invalid value: "bad key": name part must consist of/);
  assert.match(
    errs[1] ?? "",
    /^metadata\.labels\[app\]: Invalid value: "not ok": a valid label must be an empty string/,
  );
});

test("annotations over 256KiB in total are too long", () => {
  const big = "x".repeat(256 * 1024);
  assert.deepEqual(
    msgs(validateObjectMeta({ name: "x", namespace: "d", annotations: { a: big } }, namespaced)),
    ["metadata.annotations: Too long: must have at most 262144 bytes"],
  );
});

test("owner references need apiVersion, kind, name and uid; one controller", () => {
  const errs = msgs(
    validateObjectMeta(
      {
        name: "x",
        namespace: "d",
        ownerReferences: [
          { apiVersion: "v1", kind: "A", name: "a", uid: "1", controller: true },
          { apiVersion: "", kind: "B", name: "b", uid: "2", controller: true },
        ],
      },
      namespaced,
    ),
  );
  assert.equal(errs[0], 'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty');
  assert.match(
    errs[1] ?? "",
    /Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/,
  );
});

test("name, namespace, uid and creationTimestamp are immutable", () => {
  const old = { name: "a", namespace: "d", uid: "u1", creationTimestamp: "2024-01-01T00:00:00Z" };
  const errs = msgs(validateObjectMetaUpdate({ ...old, name: "b", uid: "u2" }, old, namespaced));
  assert.deepEqual(errs, [
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);
});

test("no new finalizers once deletion started", () => {
  const old = {
    name: "a",
    namespace: "d",
    deletionTimestamp: "2024-01-01T00:00:00Z",
    finalizers: ["a.io/x"],
  };
  const errs = msgs(validateObjectMetaUpdate({ ...old, finalizers: ["a.io/x", "a.io/y"] }, old, namespaced));
  assert.deepEqual(errs, [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/y"}',
  ]);
});
