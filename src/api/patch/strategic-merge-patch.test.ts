import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "../errors.js";
import { applyStrategicMergePatch, strategicMergePatchUnsupported } from "./strategic-merge-patch.js";
import { testSchema, webPod } from "./test-schema.js";

const pod = testSchema("Pod");
type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { labels?: Record<string, string>; finalizers?: string[] };
  spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
};

function smp(doc: unknown, patch: unknown): Obj {
  return applyStrategicMergePatch(doc, patch, pod) as Obj;
}

function twoContainers() {
  const p = webPod() as unknown as Obj;
  p.spec.containers.push({ name: "sidecar", image: "busybox", env: [{ name: "A", value: "1" }] });
  return p;
}

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

test("strategic merge adds a container by name without touching the others", () => {
  const out = smp(twoContainers(), { spec: { containers: [{ name: "logger", image: "fluentbit" }] } });
  // Without $setElementOrder kube puts the patch's items first (mergeSortedSlice).
  assert.deepEqual(out.spec.containers, [
    { name: "logger", image: "fluentbit" },
    { name: "web", image: "nginx:1.25" },
    { name: "sidecar", image: "busybox", env: [{ name: "A", value: "1" }] },
  ]);
});

test("strategic merge with $setElementOrder appends where kubectl apply asks", () => {
  const out = smp(twoContainers(), {
    spec: {
      "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }, { name: "logger" }],
      containers: [{ name: "logger", image: "fluentbit" }],
    },
  });
  assert.deepEqual(
    out.spec.containers.map((c) => c.name),
    ["web", "sidecar", "logger"],
  );
});

test("strategic merge changes one container's image in place", () => {
  const out = smp(twoContainers(), { spec: { containers: [{ name: "sidecar", image: "busybox:2" }] } });
  assert.deepEqual(out.spec.containers[1], {
    name: "sidecar",
    image: "busybox:2",
    env: [{ name: "A", value: "1" }],
  });
  assert.deepEqual(out.spec.containers[0], { name: "web", image: "nginx:1.25" });
});

test("strategic merge merges env by name inside a matched container", () => {
  const out = smp(twoContainers(), {
    spec: {
      containers: [
        {
          name: "sidecar",
          env: [
            { name: "B", value: "2" },
            { name: "A", value: "9" },
          ],
        },
      ],
    },
  });
  assert.deepEqual(out.spec.containers[1]?.env, [
    { name: "B", value: "2" },
    { name: "A", value: "9" },
  ]);
});

test("strategic merge $patch delete removes the matching list element", () => {
  const out = smp(twoContainers(), { spec: { containers: [{ name: "web", $patch: "delete" }] } });
  assert.deepEqual(
    out.spec.containers.map((c) => c.name),
    ["sidecar"],
  );
});

test("strategic merge $patch replace in a list replaces the list", () => {
  const out = smp(twoContainers(), {
    spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] },
  });
  assert.deepEqual(out.spec.containers, [{ name: "only", image: "x" }]);
});

test("strategic merge $patch replace in a map replaces the map", () => {
  const out = smp(webPod(), { metadata: { labels: { tier: "db", $patch: "replace" } } });
  assert.deepEqual(out.metadata.labels, { tier: "db" });
});

test("strategic merge $patch delete on a map empties it", () => {
  const out = smp(webPod(), { metadata: { labels: { $patch: "delete" } } });
  assert.deepEqual(out.metadata.labels, {});
});

test("strategic merge null deletes a label and keeps the rest", () => {
  const p = webPod();
  p.metadata.labels.tier = "front";
  const out = smp(p, { metadata: { labels: { app: null } } });
  assert.deepEqual(out.metadata.labels, { tier: "front" });
});

test("strategic merge unions a merge-strategy primitive list (finalizers), patch items first", () => {
  const p = { ...webPod(), metadata: { name: "web", finalizers: ["a", "b"] } };
  const out = smp(p, { metadata: { finalizers: ["c", "a"] } });
  assert.deepEqual(out.metadata.finalizers, ["c", "a", "b"]);
});

test("strategic merge $deleteFromPrimitiveList removes finalizers", () => {
  const p = { ...webPod(), metadata: { name: "web", finalizers: ["a", "b", "c"] } };
  const out = smp(p, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } });
  assert.deepEqual(out.metadata.finalizers, ["a", "c"]);
});

test("strategic merge $setElementOrder orders the merged list", () => {
  const out = smp(twoContainers(), {
    spec: {
      "$setElementOrder/containers": [{ name: "sidecar" }, { name: "web" }],
      containers: [{ name: "web", image: "nginx:2" }],
    },
  });
  assert.deepEqual(
    out.spec.containers.map((c) => [c.name, c.image]),
    [
      ["sidecar", "busybox"],
      ["web", "nginx:2"],
    ],
  );
  assert.equal("$setElementOrder/containers" in out.spec, false);
});

test("strategic merge replaces an atomic list (tolerations) whole", () => {
  const p = { ...webPod(), spec: { containers: [], tolerations: [{ key: "a", operator: "Exists" }] } };
  const out = smp(p, { spec: { tolerations: [{ key: "b", operator: "Exists" }] } });
  assert.deepEqual(out.spec.tolerations, [{ key: "b", operator: "Exists" }]);
});

test("strategic merge $retainKeys switches a volume's source", () => {
  const p = { ...webPod(), spec: { containers: [], volumes: [{ name: "data", emptyDir: {} }] } };
  const out = smp(p, {
    spec: { volumes: [{ name: "data", $retainKeys: ["hostPath", "name"], hostPath: { path: "/srv" } }] },
  });
  assert.deepEqual(out.spec.volumes, [{ name: "data", hostPath: { path: "/srv" } }]);
});

test("strategic merge merges ports by containerPort", () => {
  const p = webPod();
  p.spec.containers[0] = { name: "web", image: "nginx", ports: [{ containerPort: 80 }] };
  const out = smp(p, { spec: { containers: [{ name: "web", ports: [{ containerPort: 443 }] }] } });
  assert.deepEqual(out.spec.containers[0]?.ports, [{ containerPort: 443 }, { containerPort: 80 }]);
});

test("strategic merge item without its merge key is a 500 naming the map", () => {
  const e = failure(() => smp(webPod(), { spec: { containers: [{ image: "nginx" }] } }));
  assert.equal(e.code, 500);
  assert.equal(e.message, "map: map[image:nginx] does not contain declared merge key: name");
});

test("strategic merge $patch merge in a list is refused", () => {
  const e = failure(() => smp(webPod(), { spec: { containers: [{ name: "web", $patch: "merge" }] } }));
  assert.equal(e.message, "merging lists cannot yet be specified in the patch");
});

test("strategic merge unknown $patch value in a map is refused", () => {
  const e = failure(() => smp(webPod(), { metadata: { labels: { $patch: "frob" } } }));
  assert.equal(e.message, "unknown patch type: frob in map: map[$patch:frob]");
});

test("strategic merge list of lists is 422", () => {
  const p = { ...webPod(), metadata: { name: "web", finalizers: [] } };
  const e = failure(() => smp(p, { metadata: { finalizers: [["x"]] } }));
  assert.equal(e.code, 422);
  assert.equal(e.details?.causes?.[0]?.message, "lists of lists are not supported");
});

test("strategic merge list with mixed element types is a 500 printing both lists", () => {
  const p = { ...webPod(), metadata: { name: "web", finalizers: ["a"] } };
  const e = failure(() => smp(p, { metadata: { finalizers: [["x"]] } }));
  assert.equal(e.code, 500);
  assert.equal(e.message, "list element types are not identical: [[a] [[x]]]");
});

test("strategic merge malformed $retainKeys is 400", () => {
  const p = { ...webPod(), spec: { containers: [], volumes: [{ name: "data", emptyDir: {} }] } };
  const e = failure(() =>
    smp(p, { spec: { volumes: [{ name: "data", $retainKeys: ["name"], hostPath: {} }] } }),
  );
  assert.equal(e.code, 400);
  assert.equal(e.message, "invalid patch format of retainKeys");
});

test("strategic merge body that is not an object is 400", () => {
  const e = failure(() => smp(webPod(), [1]));
  assert.equal(e.message, "json: cannot unmarshal array into Go value of type map[string]interface {}");
});

test("strategic merge without a schema behaves like a merge patch", () => {
  const out = applyStrategicMergePatch(
    twoContainers(),
    { spec: { containers: [{ name: "x" }] } },
    undefined,
  ) as Obj;
  assert.deepEqual(out.spec.containers, [{ name: "x" }]);
});

test("strategic merge for custom resources can be refused with kube's 415", () => {
  const e = strategicMergePatchUnsupported();
  assert.equal(e.code, 415);
  assert.equal(
    e.message,
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
  );
});

test("strategic merge leaves its inputs untouched", () => {
  const p = twoContainers();
  const patch = { spec: { containers: [{ name: "web", $patch: "delete" }] } };
  smp(p, patch);
  assert.equal(p.spec.containers.length, 2);
  assert.deepEqual(patch.spec.containers[0], { name: "web", $patch: "delete" });
});

test("strategic merge orders a $setElementOrder merge with a delete as kube does", () => {
  // kube reads the live order after its in-place delete and append have rewritten it, which puts
  // the server-only container between the patch's ones here.
  const p = webPod() as unknown as Obj;
  p.spec.containers = [{ name: "a" }, { name: "b", image: "b" }, { name: "d", image: "d" }];
  const out = smp(p, {
    spec: {
      "$setElementOrder/containers": [{ name: "b" }, { name: "c" }],
      containers: [{ name: "c" }, { name: "a", $patch: "delete" }],
    },
  });
  assert.deepEqual(
    out.spec.containers.map((c) => c.name),
    ["b", "d", "c"],
  );
});
