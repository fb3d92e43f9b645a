import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { openapiV2Json, openapiV2Protobuf } from "./openapi-v2.js";
import { openapiV3Document, openapiV3Root } from "./openapi-v3.js";

interface V3Op {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  "x-kubernetes-action": string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
}
type V3Doc = {
  paths: Record<string, Record<string, V3Op>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

function doc(path: string): V3Doc {
  const d = openapiV3Document(path);
  assert.ok(d, path);
  return JSON.parse(d.body.toString()) as V3Doc;
}

test("v3 root lists every group version with the document's SHA-512 as upper-case hex", () => {
  const root = openapiV3Root();
  for (const key of [
    "api",
    "apis",
    "api/v1",
    "apis/storage.k8s.io/v1",
    "apis/coordination.k8s.io/v1",
    "apis/events.k8s.io/v1",
  ]) {
    const entry = root.paths[key];
    assert.ok(entry, key);
    const d = openapiV3Document(key);
    assert.ok(d);
    const hash = createHash("sha512").update(d.body).digest("hex").toUpperCase();
    assert.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${hash}`);
    assert.equal(d.etag, `"${hash}"`);
  }
  assert.equal(openapiV3Document("apis/apps/v1"), undefined);
});

test("documents are computed once", () => {
  assert.equal(openapiV3Document("api/v1"), openapiV3Document("/api/v1"));
  assert.equal(openapiV3Root(), openapiV3Root());
  assert.equal(openapiV2Protobuf(), openapiV2Protobuf());
});

test("the Pod PATCH operation declares fieldValidation and the four patch types (kubectl 1.29+ checks it)", () => {
  const d = doc("api/v1");
  const patch = d.paths["/api/v1/namespaces/{namespace}/pods/{name}"]?.patch;
  assert.ok(patch);
  assert.equal(patch.operationId, "patchCoreV1NamespacedPod");
  assert.equal(patch["x-kubernetes-action"], "patch");
  assert.deepEqual(patch["x-kubernetes-group-version-kind"], { group: "", version: "v1", kind: "Pod" });
  assert.deepEqual(
    patch.parameters?.map((p) => p.name),
    ["dryRun", "fieldManager", "fieldValidation", "force"],
  );
  assert.deepEqual(Object.keys(patch.requestBody?.content ?? {}).sort(), [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
  ]);
});

test("v3 api/v1 has every verb and pod subresource", () => {
  const d = doc("api/v1");
  const ops = new Map<string, string>();
  for (const [path, item] of Object.entries(d.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method !== "parameters") ops.set(op.operationId, `${method} ${path} ${op["x-kubernetes-action"]}`);
    }
  }
  const want: Record<string, string> = {
    listCoreV1NamespacedPod: "get /api/v1/namespaces/{namespace}/pods list",
    createCoreV1NamespacedPod: "post /api/v1/namespaces/{namespace}/pods post",
    deleteCoreV1CollectionNamespacedPod: "delete /api/v1/namespaces/{namespace}/pods deletecollection",
    readCoreV1NamespacedPod: "get /api/v1/namespaces/{namespace}/pods/{name} get",
    replaceCoreV1NamespacedPod: "put /api/v1/namespaces/{namespace}/pods/{name} put",
    deleteCoreV1NamespacedPod: "delete /api/v1/namespaces/{namespace}/pods/{name} delete",
    listCoreV1PodForAllNamespaces: "get /api/v1/pods list",
    watchCoreV1NamespacedPod: "get /api/v1/watch/namespaces/{namespace}/pods/{name} watch",
    watchCoreV1NamespacedPodList: "get /api/v1/watch/namespaces/{namespace}/pods watchlist",
    patchCoreV1NamespacedPodStatus: "patch /api/v1/namespaces/{namespace}/pods/{name}/status patch",
    createCoreV1NamespacedPodBinding: "post /api/v1/namespaces/{namespace}/pods/{name}/binding post",
    readCoreV1NamespacedPodLog: "get /api/v1/namespaces/{namespace}/pods/{name}/log get",
    connectCoreV1PostNamespacedPodExec: "post /api/v1/namespaces/{namespace}/pods/{name}/exec connect",
    connectCoreV1GetNamespacedPodAttach: "get /api/v1/namespaces/{namespace}/pods/{name}/attach connect",
    connectCoreV1GetNamespacedPodPortforward:
      "get /api/v1/namespaces/{namespace}/pods/{name}/portforward connect",
    listCoreV1Namespace: "get /api/v1/namespaces list",
    replaceCoreV1NamespaceFinalize: "put /api/v1/namespaces/{name}/finalize put",
    patchCoreV1PersistentVolume: "patch /api/v1/persistentvolumes/{name} patch",
    createCoreV1NamespacedBinding: "post /api/v1/namespaces/{namespace}/bindings post",
  };
  for (const [id, line] of Object.entries(want)) assert.equal(ops.get(id), line, id);
  const list = d.paths["/api/v1/namespaces/{namespace}/pods"]?.get;
  for (const p of [
    "labelSelector",
    "fieldSelector",
    "limit",
    "continue",
    "watch",
    "resourceVersion",
    "timeoutSeconds",
  ]) {
    assert.ok(
      list?.parameters?.some((x) => x.name === p),
      p,
    );
  }
});

test("v3 schemas: refs into components, allOf beside descriptions, GVK on kinds, only what is used", () => {
  const d = doc("api/v1");
  const pod = d.components.schemas["io.k8s.api.core.v1.Pod"] as {
    properties: Record<string, Record<string, unknown>>;
    "x-kubernetes-group-version-kind": unknown;
  };
  assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
  assert.deepEqual(pod.properties.spec?.allOf, [{ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" }]);
  const storage = doc("apis/storage.k8s.io/v1");
  assert.ok(storage.components.schemas["io.k8s.api.storage.v1.StorageClass"]);
  assert.equal(storage.components.schemas["io.k8s.api.core.v1.Pod"], undefined);
  const text = openapiV3Document("api/v1")?.body.toString() ?? "";
  assert.ok(!text.includes("#/definitions/"));
});

test("v2 JSON is swagger 2.0 with definitions and paths", () => {
  const v2 = JSON.parse(openapiV2Json().toString()) as {
    swagger: string;
    paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    definitions: Record<string, { properties?: Record<string, { $ref?: string }> }>;
  };
  assert.equal(v2.swagger, "2.0");
  assert.equal(
    v2.definitions["io.k8s.api.core.v1.Pod"]?.properties?.spec?.$ref,
    "#/definitions/io.k8s.api.core.v1.PodSpec",
  );
  assert.ok(v2.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"]?.patch);
  assert.ok(
    v2.paths["/api/v1/namespaces/{namespace}/pods/{name}"]?.patch?.parameters?.some(
      (p) => p.name === "fieldValidation",
    ),
  );
});

// ---- a tiny protobuf decoder: enough to read back the gnostic Document we encode ----
type Fields = Map<number, (Buffer | number)[]>;
function decode(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      assert.ok(b !== undefined, "truncated varint");
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wt = key & 7;
    let val: Buffer | number;
    if (wt === 0) val = varint();
    else if (wt === 2) {
      const len = varint();
      val = buf.subarray(i, i + len);
      assert.ok(i + len <= buf.length, "truncated field");
      i += len;
    } else assert.fail(`unexpected wire type ${wt}`);
    const list = out.get(field) ?? [];
    list.push(val);
    out.set(field, list);
  }
  return out;
}
const bytes = (f: Fields, n: number) => (f.get(n) ?? []) as Buffer[];
const str = (f: Fields, n: number) => bytes(f, n)[0]?.toString() ?? "";
const strs = (f: Fields, n: number) => bytes(f, n).map((b) => b.toString());

function named(f: Fields, n: number): Map<string, Fields> {
  const m = new Map<string, Fields>();
  for (const b of bytes(f, n)) {
    const nf = decode(b);
    m.set(str(nf, 1), decode(bytes(nf, 2)[0] ?? Buffer.alloc(0)));
  }
  return m;
}

test("v2 protobuf decodes back to the gnostic Document: info, definitions, extensions, paths", () => {
  const d = decode(openapiV2Protobuf());
  assert.equal(str(d, 1), "2.0");
  const info = decode(bytes(d, 2)[0] as Buffer);
  assert.equal(str(info, 1), "Kubernetes");
  const defs = named(decode(bytes(d, 9)[0] as Buffer), 1);
  const pod = defs.get("io.k8s.api.core.v1.Pod");
  assert.ok(pod);
  assert.deepEqual(strs(decode(bytes(pod, 22)[0] as Buffer), 1), ["object"]);
  const podExt = named(pod, 31);
  assert.equal(
    str(podExt.get("x-kubernetes-group-version-kind") as Fields, 2).trim(),
    '[{"group":"","kind":"Pod","version":"v1"}]',
  );
  const spec = named(decode(bytes(defs.get("io.k8s.api.core.v1.PodSpec") as Fields, 25)[0] as Buffer), 1);
  const containers = spec.get("containers") as Fields;
  const ext = named(containers, 31);
  assert.equal(str(ext.get("x-kubernetes-patch-merge-key") as Fields, 2).trim(), '"name"');
  assert.equal(str(ext.get("x-kubernetes-patch-strategy") as Fields, 2).trim(), '"merge"');
  const items = decode(bytes(decode(bytes(containers, 23)[0] as Buffer), 1)[0] as Buffer);
  assert.equal(str(items, 1), "#/definitions/io.k8s.api.core.v1.Container");
  assert.deepEqual(strs(defs.get("io.k8s.api.core.v1.Container") as Fields, 19), ["name"]);
  // paths: the Pod PATCH operation with its fieldValidation query parameter
  const paths = named(decode(bytes(d, 8)[0] as Buffer), 2);
  const podItem = paths.get("/api/v1/namespaces/{namespace}/pods/{name}");
  assert.ok(podItem);
  const patch = decode(bytes(podItem, 8)[0] as Buffer);
  assert.equal(str(patch, 5), "patchCoreV1NamespacedPod");
  const paramNames = bytes(patch, 8).map((b) => {
    const parameter = decode(bytes(decode(b), 1)[0] as Buffer);
    const nonBody = bytes(parameter, 2)[0];
    if (!nonBody) return "body";
    return str(decode(bytes(decode(nonBody), 3)[0] as Buffer), 4);
  });
  assert.deepEqual(paramNames, ["body", "dryRun", "fieldManager", "fieldValidation", "force"]);
});
