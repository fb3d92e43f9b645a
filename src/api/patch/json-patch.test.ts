import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "../errors.js";
import { applyJsonPatch } from "./json-patch.js";
import { webPod } from "./test-schema.js";

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

/** The library text kube puts in the 422's cause. */
function causeOf(e: StatusError): string | undefined {
  return e.details?.causes?.[0]?.message;
}

test("json patch adds, replaces and removes labels", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "add", path: "/metadata/labels/tier", value: "front" },
    { op: "replace", path: "/metadata/labels/app", value: "api" },
    { op: "remove", path: "/metadata/labels/tier" },
  ]) as ReturnType<typeof webPod>;
  assert.deepEqual(out.metadata.labels, { app: "api" });
});

test("json patch unescapes ~1 and ~0 in pointer tokens", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" },
    { op: "add", path: "/metadata/labels/a~0b", value: "x" },
  ]) as ReturnType<typeof webPod>;
  assert.equal(out.metadata.labels["app.kubernetes.io/name"], "web");
  assert.equal(out.metadata.labels["a~b"], "x");
});

test("json patch appends with - and inserts at an index", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "add", path: "/spec/containers/-", value: { name: "sidecar", image: "busybox" } },
    { op: "add", path: "/spec/containers/0", value: { name: "first", image: "alpine" } },
  ]) as ReturnType<typeof webPod>;
  assert.deepEqual(
    out.spec.containers.map((c) => c.name),
    ["first", "web", "sidecar"],
  );
});

test("json patch move and copy carry values between paths", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copied" },
    { op: "move", from: "/metadata/labels/app", path: "/metadata/labels/moved" },
  ]) as ReturnType<typeof webPod>;
  assert.deepEqual(out.metadata.labels, { copied: "web", moved: "web" });
});

test("json patch passing test lets the rest apply", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "test", path: "/metadata/labels/app", value: "web" },
    { op: "replace", path: "/spec/containers/0/image", value: "nginx:1.27" },
  ]) as ReturnType<typeof webPod>;
  assert.equal(out.spec.containers[0]?.image, "nginx:1.27");
});

test("json patch failing test is 422 Invalid with the library's text as cause", () => {
  const e = failure(() =>
    applyJsonPatch(webPod(), [{ op: "test", path: "/metadata/labels/app", value: "db" }]),
  );
  assert.equal(e.code, 422);
  assert.equal(e.reason, "Invalid");
  assert.equal(e.message, "the server rejected our request due to an error in our request");
  assert.deepEqual(e.details?.causes, [
    { reason: "UnexpectedServerResponse", message: "testing value /metadata/labels/app failed: test failed" },
  ]);
});

test("json patch test against a missing key passes only for null", () => {
  applyJsonPatch(webPod(), [{ op: "test", path: "/metadata/labels/nope", value: null }]);
  const e = failure(() =>
    applyJsonPatch(webPod(), [{ op: "test", path: "/metadata/labels/nope", value: "x" }]),
  );
  assert.equal(causeOf(e), "testing value /metadata/labels/nope failed: test failed");
});

test("json patch removing a missing key names the key", () => {
  const e = failure(() => applyJsonPatch(webPod(), [{ op: "remove", path: "/metadata/labels/x" }]));
  assert.equal(e.code, 422);
  assert.equal(
    causeOf(e),
    "error in remove for path: '/metadata/labels/x': Unable to remove nonexistent key: x: missing value",
  );
});

test("json patch add below a missing parent reports the missing path", () => {
  const e = failure(() => applyJsonPatch(webPod(), [{ op: "add", path: "/spec/foo/bar", value: 1 }]));
  assert.equal(
    causeOf(e),
    'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value',
  );
});

test("json patch replace of a missing object key adds it, as evanphx/json-patch v4 does", () => {
  const out = applyJsonPatch(webPod(), [
    { op: "replace", path: "/metadata/labels/new", value: "v" },
  ]) as ReturnType<typeof webPod>;
  assert.equal(out.metadata.labels.new, "v");
});

test("json patch index past the end is an invalid index", () => {
  const e = failure(() => applyJsonPatch(webPod(), [{ op: "add", path: "/spec/containers/5", value: {} }]));
  assert.equal(
    causeOf(e),
    "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced",
  );
  const r = failure(() =>
    applyJsonPatch(webPod(), [{ op: "replace", path: "/spec/containers/3", value: {} }]),
  );
  assert.equal(
    causeOf(r),
    "replace operation does not apply: doc is missing key: /spec/containers/3: missing value",
  );
});

test("json patch negative index counts from the end", () => {
  const pod = webPod();
  pod.spec.containers.push({ name: "b", image: "b" });
  const out = applyJsonPatch(pod, [{ op: "remove", path: "/spec/containers/-1" }]) as ReturnType<
    typeof webPod
  >;
  assert.deepEqual(
    out.spec.containers.map((c) => c.name),
    ["web"],
  );
});

test("json patch unknown op is Unexpected kind", () => {
  const e = failure(() => applyJsonPatch(webPod(), [{ op: "frobnicate", path: "/x" }]));
  assert.equal(causeOf(e), "Unexpected kind: frobnicate");
  const m = failure(() => applyJsonPatch(webPod(), [{ path: "/x" }]));
  assert.equal(causeOf(m), "Unexpected kind: unknown");
});

test("json patch op without path says so", () => {
  const e = failure(() => applyJsonPatch(webPod(), [{ op: "remove" }]));
  assert.equal(causeOf(e), "remove operation failed to decode path: missing value");
});

test("json patch body that is not a list is 400 from the decoder", () => {
  const e = failure(() => applyJsonPatch(webPod(), { op: "add" }));
  assert.equal(e.code, 400);
  assert.equal(e.message, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
});

test("json patch over 10000 operations is 413", () => {
  const ops = Array.from({ length: 10001 }, () => ({ op: "test", path: "/kind", value: "Pod" }));
  const e = failure(() => applyJsonPatch(webPod(), ops));
  assert.equal(e.code, 413);
  assert.equal(e.message, "The allowed maximum operations in a JSON patch is 10000, got 10001");
});

test("json patch replaces the whole document at the empty path and leaves the input alone", () => {
  const pod = webPod();
  const out = applyJsonPatch(pod, [{ op: "replace", path: "", value: { kind: "Other" } }]);
  assert.deepEqual(out, { kind: "Other" });
  assert.equal(pod.kind, "Pod");
});
