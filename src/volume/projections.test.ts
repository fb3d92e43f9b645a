import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Payload } from "./atomic-writer.js";
import { configMapPayload, downwardAPIPayload, projectedPayload, secretPayload } from "./projections.js";

const show = (p: Payload) =>
  Object.fromEntries([...p].map(([k, v]) => [k, { data: v.data.toString(), mode: v.mode.toString(8) }]));

const cm = {
  metadata: { name: "cm" },
  data: { a: "1", b: "2" },
  binaryData: { bin: Buffer.from([0, 1]).toString("base64") },
};
const secret = { metadata: { name: "s" }, data: { user: Buffer.from("admin").toString("base64") } };
const pod: Pod = {
  metadata: {
    name: "p",
    namespace: "ns",
    uid: "u",
    labels: { b: "2", a: "1" },
    annotations: { note: 'say "hi"' },
  },
  spec: {
    containers: [
      { name: "c", image: "x", resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m" } } },
    ],
  },
};

describe("configMap and secret payloads", () => {
  it("every key with defaultMode 0644, binaryData decoded", () => {
    const p = configMapPayload("cm", cm, {});
    assert.deepEqual(Object.keys(show(p)).sort(), ["a", "b", "bin"]);
    assert.equal(p.get("a")?.mode, 0o644);
    assert.deepEqual([...(p.get("bin")?.data ?? [])], [0, 1]);
  });

  it("items: key to path, per-item mode over defaultMode", () => {
    const p = configMapPayload("cm", cm, {
      defaultMode: 0o400,
      items: [
        { key: "a", path: "dir/a.conf", mode: 0o600 },
        { key: "b", path: "b.conf" },
      ],
    });
    assert.deepEqual(show(p), {
      "dir/a.conf": { data: "1", mode: "600" },
      "b.conf": { data: "2", mode: "400" },
    });
  });

  it("a missing key or object fails unless optional", () => {
    assert.throws(() => configMapPayload("cm", cm, { items: [{ key: "zz", path: "z" }] }), {
      message: "configmap references non-existent config key: zz",
    });
    assert.equal(configMapPayload("cm", cm, { optional: true, items: [{ key: "zz", path: "z" }] }).size, 0);
    assert.throws(() => configMapPayload("nope", undefined, {}), { message: 'configmap "nope" not found' });
    assert.equal(configMapPayload("nope", undefined, { optional: true }).size, 0);
    assert.throws(() => secretPayload("gone", undefined, {}), { message: 'secret "gone" not found' });
  });

  it("secret data is decoded; fsGroup makes files group-readable", () => {
    const p = secretPayload("s", secret, { defaultMode: 0o400 }, 2000);
    assert.deepEqual(show(p), { user: { data: "admin", mode: "440" } });
  });
});

describe("downwardAPI", () => {
  it('labels and annotations as sorted key="value" lines; name, namespace, uid; resources', () => {
    const p = downwardAPIPayload(
      [
        { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
        { path: "name", fieldRef: { fieldPath: "metadata.name" } },
        { path: "ns", fieldRef: { fieldPath: "metadata.namespace" } },
        { path: "uid", fieldRef: { fieldPath: "metadata.uid" } },
        { path: "one", fieldRef: { fieldPath: "metadata.labels['a']" } },
        { path: "mem", resourceFieldRef: { containerName: "c", resource: "limits.memory", divisor: "1Mi" } },
        {
          path: "cpu",
          resourceFieldRef: { containerName: "c", resource: "requests.cpu", divisor: "1m" },
          mode: 0o400,
        },
      ],
      0o644,
      { pod },
    );
    assert.deepEqual(show(p), {
      labels: { data: 'a="1"\nb="2"', mode: "644" },
      name: { data: "p", mode: "644" },
      ns: { data: "ns", mode: "644" },
      uid: { data: "u", mode: "644" },
      one: { data: "1", mode: "644" },
      mem: { data: "64", mode: "644" },
      cpu: { data: "250", mode: "400" },
    });
  });
});

describe("projected", () => {
  it("all sources in one payload under one defaultMode", () => {
    const p = projectedPayload(
      {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: "cm", items: [{ key: "a", path: "cfg/a" }] } },
          { secret: { name: "s" } },
          { downwardAPI: { items: [{ path: "podname", fieldRef: { fieldPath: "metadata.name" } }] } },
          { secret: { name: "absent", optional: true } },
        ],
      },
      { pod },
      { configMap: (n) => (n === "cm" ? cm : undefined), secret: (n) => (n === "s" ? secret : undefined) },
    );
    assert.deepEqual(show(p), {
      "cfg/a": { data: "1", mode: "440" },
      user: { data: "admin", mode: "440" },
      podname: { data: "p", mode: "440" },
    });
  });

  it("a missing non-optional source and an unsupported one fail", () => {
    const none = { configMap: () => undefined, secret: () => undefined };
    assert.throws(
      () => projectedPayload({ sources: [{ secret: { name: "x" } }] }, { pod }, none),
      /secret "x" not found/,
    );
    assert.throws(
      () => projectedPayload({ sources: [{ clusterTrustBundle: { path: "b", name: "n" } }] }, { pod }, none),
      /"clusterTrustBundle" is not supported/,
    );
    assert.throws(
      () => projectedPayload({ sources: [{ serviceAccountToken: { path: "token" } }] }, { pod }, none),
      /service account tokens are not available/,
    );
  });
});
