import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "../errors.js";
import { defaultManagerName, patchTypeOf, validateFieldManager } from "./content-type.js";

test("each patch media type maps to its engine, parameters ignored", () => {
  assert.equal(patchTypeOf("application/json-patch+json"), "json");
  assert.equal(patchTypeOf("application/merge-patch+json; charset=utf-8"), "merge");
  assert.equal(patchTypeOf("application/strategic-merge-patch+json"), "strategic");
  assert.equal(patchTypeOf("application/apply-patch+yaml"), "apply");
});

test("apply-patch+cbor and unknown types are 415 listing what is accepted", () => {
  for (const ct of ["application/apply-patch+cbor", "application/json", undefined]) {
    assert.throws(
      () => patchTypeOf(ct),
      (e: unknown) =>
        e instanceof StatusError &&
        e.code === 415 &&
        e.reason === "UnsupportedMediaType" &&
        e.message ===
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    );
  }
});

test("strategic merge patch is 415 where unsupported (custom resources)", () => {
  assert.throws(
    () => patchTypeOf("application/strategic-merge-patch+json", { strategicSupported: false }),
    (e: unknown) =>
      e instanceof StatusError &&
      e.message ===
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
  );
});

test("default manager is the user agent's program name", () => {
  assert.equal(defaultManagerName("kubectl.1.33/v1.33.1 (linux/amd64) kubernetes/8adc0f0"), "kubectl.1.33");
  assert.equal(defaultManagerName("node-fetch"), "node-fetch");
  assert.equal(defaultManagerName("kubectl/v1.33.1", "kubectl-create"), "kubectl-create");
  assert.equal(defaultManagerName("a\u0007b/1"), "ab");
  assert.equal(defaultManagerName(undefined), "");
  assert.equal(defaultManagerName(`${"x".repeat(200)}/1`), "x".repeat(128));
});

test("apply requires a field manager", () => {
  const e = validateFieldManager("", { options: "PatchOptions", apply: true });
  assert.equal(e?.code, 422);
  assert.equal(
    e?.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
});

test("field managers longer than 128 bytes are refused", () => {
  assert.equal(validateFieldManager("x".repeat(128), { options: "UpdateOptions" }), undefined);
  const e = validateFieldManager("x".repeat(129), { options: "UpdateOptions" });
  assert.equal(
    e?.message,
    'UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
  );
});

test("force is only for apply", () => {
  const e = validateFieldManager("m", { options: "PatchOptions", force: true });
  assert.equal(
    e?.message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
});

test("unprintable characters in a field manager are refused with their position", () => {
  const e = validateFieldManager("ab\u0007", { options: "CreateOptions" });
  assert.equal(e?.code, 422);
  assert.equal(e?.details?.causes?.[0]?.field, "fieldManager");
  assert.match(e?.message ?? "", /: invalid character U\+0007 \(at position 2\)$/);
});
