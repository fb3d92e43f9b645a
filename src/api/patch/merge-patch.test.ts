import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "../errors.js";
import { applyMergePatch } from "./merge-patch.js";
import { webPod } from "./test-schema.js";

test("merge patch merges objects and deletes on null", () => {
  const out = applyMergePatch(webPod(), { metadata: { labels: { app: null, tier: "front" } } }) as ReturnType<
    typeof webPod
  >;
  assert.deepEqual(out.metadata.labels, { tier: "front" });
  assert.equal(out.metadata.name, "web");
});

test("merge patch replaces lists whole", () => {
  const out = applyMergePatch(webPod(), {
    spec: { containers: [{ name: "other", image: "x" }] },
  }) as ReturnType<typeof webPod>;
  assert.deepEqual(out.spec.containers, [{ name: "other", image: "x" }]);
});

test("merge patch drops nulls inside new objects but keeps them in arrays", () => {
  const out = applyMergePatch({}, { a: { b: null, c: 1 }, d: [null, { e: null }] });
  assert.deepEqual(out, { a: { c: 1 }, d: [null, {}] });
});

test("merge patch null body is 400 Invalid JSON Patch", () => {
  assert.throws(
    () => applyMergePatch(webPod(), null),
    (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === "Invalid JSON Patch",
  );
});

test("merge patch does not mutate its input", () => {
  const pod = webPod();
  applyMergePatch(pod, { metadata: { labels: { app: null } } });
  assert.equal(pod.metadata.labels.app, "web");
});
