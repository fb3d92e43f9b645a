import assert from "node:assert/strict";
import { test } from "node:test";
import { StatusError } from "../errors.js";
import { decodeProtobufObject, supportsProtobuf } from "./decode.js";
import { captures } from "./testdata/kubectl-captures.js";

// A minimal protobuf writer for hand-built bodies. Field numbers below are written as literals, read
// from kubernetes' generated.proto, so a wrong number in a descriptor table fails these tests.
function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (no: number, wt: number) => varint((no << 3) | wt);
const num = (no: number, v: bigint | number) => Buffer.concat([tag(no, 0), varint(v)]);
const bytes = (no: number, v: Buffer | string) => {
  const b = typeof v === "string" ? Buffer.from(v) : v;
  return Buffer.concat([tag(no, 2), varint(b.length), b]);
};
const msg = (no: number, ...parts: Buffer[]) => bytes(no, Buffer.concat(parts));
const entry = (no: number, k: string, v: Buffer) => msg(no, bytes(1, k), v);

/** the k8s envelope: magic, then runtime.Unknown{typeMeta=1{apiVersion=1, kind=2}, raw=2} */
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from("k8s\0", "latin1"),
    msg(1, bytes(1, apiVersion), bytes(2, kind)),
    bytes(2, raw),
  ]);
}

for (const c of captures) {
  test(`kubectl ${c.kubectl} protobuf body decodes to what kubectl 1.31 sent as JSON: ${c.command}`, () => {
    const decoded = decodeProtobufObject(Buffer.from(c.protobuf, "base64"));
    const want = JSON.parse(c.json) as Record<string, unknown>;
    const got = decoded.object;
    if (c.randomName) {
      const meta = got.metadata as Record<string, unknown>;
      assert.match(String(meta.name), /^node-debugger-n1-[a-z0-9]{5}$/);
      meta.name = (want.metadata as Record<string, unknown>).name;
    }
    assert.deepEqual(got, want);
    assert.equal(JSON.stringify(got), JSON.stringify(want), "same key order as Go's encoding/json");
    assert.deepEqual(decoded.unknownFieldNumbers, []);
    assert.equal(decoded.kind, want.kind);
    assert.equal(decoded.apiVersion, want.apiVersion);
  });
}

test("Secret data is base64 in JSON, stringData and type are plain", () => {
  const raw = Buffer.concat([
    msg(1, bytes(1, "s")),
    entry(2, "bin", bytes(2, Buffer.from([0, 255, 1]))),
    entry(2, "empty", Buffer.alloc(0)),
    entry(4, "plain", bytes(2, "text")),
    bytes(3, "Opaque"),
    num(5, 1),
  ]);
  const { object } = decodeProtobufObject(envelope("v1", "Secret", raw));
  assert.deepEqual(object, {
    kind: "Secret",
    apiVersion: "v1",
    metadata: { name: "s", creationTimestamp: null },
    immutable: true,
    data: { bin: "AP8B", empty: "" },
    stringData: { plain: "text" },
    type: "Opaque",
  });
});

test("ObjectMeta: labels, annotations, ownerReferences, finalizers, managedFields, times", () => {
  const meta = Buffer.concat([
    bytes(2, "gen-"),
    bytes(3, "ns"),
    bytes(5, "uid-1"),
    bytes(6, "42"),
    num(7, 3),
    msg(8, num(1, 1700000000)),
    msg(9, num(1, 1700000060), num(2, 5)),
    num(10, 30),
    entry(11, "app", bytes(2, "web")),
    entry(11, "tier", bytes(2, "")),
    entry(12, "note", bytes(2, "x")),
    msg(
      13,
      bytes(1, "ReplicaSet"),
      bytes(3, "rs"),
      bytes(4, "u2"),
      bytes(5, "apps/v1"),
      num(6, 1),
      num(7, 0),
    ),
    bytes(14, "kubernetes.io/pv-protection"),
    bytes(14, "example.com/f"),
    msg(
      17,
      bytes(1, "kubectl"),
      bytes(2, "Apply"),
      bytes(3, "v1"),
      msg(4, num(1, 1700000000)),
      bytes(6, "FieldsV1"),
      msg(7, bytes(1, '{"f:metadata":{"f:labels":{".":{}}}}')),
    ),
  ]);
  const { object } = decodeProtobufObject(envelope("v1", "ConfigMap", msg(1, meta)));
  assert.deepEqual(object.metadata, {
    generateName: "gen-",
    namespace: "ns",
    uid: "uid-1",
    resourceVersion: "42",
    generation: 3,
    creationTimestamp: "2023-11-14T22:13:20Z",
    // metav1.Time drops nanoseconds, as kube's Unmarshal does
    deletionTimestamp: "2023-11-14T22:14:20Z",
    deletionGracePeriodSeconds: 30,
    labels: { app: "web", tier: "" },
    annotations: { note: "x" },
    ownerReferences: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "rs",
        uid: "u2",
        controller: true,
        blockOwnerDeletion: false,
      },
    ],
    finalizers: ["kubernetes.io/pv-protection", "example.com/f"],
    managedFields: [
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "v1",
        time: "2023-11-14T22:13:20Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { ".": {} } } },
      },
    ],
  });
});

test("Lease: pointer fields present at zero are kept, MicroTime has six fractional digits", () => {
  const spec = Buffer.concat([
    bytes(1, "holder"),
    num(2, 15),
    msg(3, num(1, 1700000000), num(2, 123456789)),
    num(5, 0),
  ]);
  const { object } = decodeProtobufObject(
    envelope("coordination.k8s.io/v1", "Lease", Buffer.concat([msg(1, bytes(1, "l")), msg(2, spec)])),
  );
  assert.deepEqual(object.spec, {
    holderIdentity: "holder",
    leaseDurationSeconds: 15,
    acquireTime: "2023-11-14T22:13:20.123456Z",
    leaseTransitions: 0,
  });
});

test("Pod: IntOrString, Quantity maps, packed and unpacked int64 lists, negative int32", () => {
  const container = Buffer.concat([
    bytes(1, "c"),
    bytes(2, "nginx"),
    msg(6, num(3, 80), bytes(1, "http")),
    msg(8, entry(1, "cpu", msg(2, bytes(1, "500m"))), entry(2, "memory", msg(2, bytes(1, "128Mi")))),
    // readinessProbe: Probe{handler=1 (inline ProbeHandler){httpGet=2{port=2 IntOrString{type=1,strVal=3}}}, periodSeconds=4}
    msg(11, msg(1, msg(2, bytes(1, "/"), msg(2, num(1, 1), bytes(3, "http")))), num(4, 5)),
    msg(10, msg(1, msg(3, msg(1, num(1, 0), num(2, 8080)))), num(6, -1)),
  ]);
  const podSecurity = Buffer.concat([num(4, 1), num(4, 2), bytes(4, Buffer.from([3, 4]))]);
  const spec = Buffer.concat([msg(2, container), msg(14, podSecurity)]);
  const { object, unknownFieldNumbers } = decodeProtobufObject(
    envelope("v1", "Pod", Buffer.concat([msg(1, bytes(1, "p")), msg(2, spec)])),
  );
  assert.deepEqual(unknownFieldNumbers, []);
  const s = object.spec as { containers: Record<string, unknown>[]; securityContext: unknown };
  assert.deepEqual(s.containers[0], {
    name: "c",
    image: "nginx",
    ports: [{ name: "http", containerPort: 80 }],
    resources: { limits: { cpu: "500m" }, requests: { memory: "128Mi" } },
    livenessProbe: { tcpSocket: { port: 8080 }, failureThreshold: -1 },
    readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
  });
  assert.deepEqual(s.securityContext, { supplementalGroups: [1, 2, 3, 4] });
  assert.deepEqual(object.status, {});
});

test("field numbers not in the tables are returned with their path, not dropped silently", () => {
  const container = Buffer.concat([bytes(1, "c"), bytes(99, "future")]);
  const raw = Buffer.concat([msg(1, bytes(1, "p"), num(50, 1)), msg(2, msg(2, container)), bytes(9, "x")]);
  const { object, unknownFieldNumbers } = decodeProtobufObject(envelope("v1", "Pod", raw));
  // a message's own unknown numbers are listed before those of the messages inside it
  assert.deepEqual(unknownFieldNumbers, ["#9", "metadata#50", "spec.containers[0]#99"]);
  assert.deepEqual((object.spec as { containers: unknown[] }).containers, [{ name: "c", resources: {} }]);
});

test("a body without the k8s prefix is refused with kube's text", () => {
  const body = Buffer.from('{"kind":"Namespace"}');
  assert.throws(
    () => decodeProtobufObject(body),
    (err: unknown) =>
      err instanceof StatusError &&
      err.code === 400 &&
      err.reason === "BadRequest" &&
      err.message ===
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
  );
  assert.throws(() => decodeProtobufObject(body, "Namespace"), {
    message:
      'the object provided is unrecognized (must be of type Namespace): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Namespace"})',
  });
  assert.throws(() => decodeProtobufObject(Buffer.alloc(0)), { message: "empty data" });
  assert.throws(() => decodeProtobufObject(Buffer.from("k8s\0", "latin1")), { message: "empty body" });
});

test("truncated and mistyped bodies are 400s naming the kind", () => {
  // raw claims 10 bytes, 3 follow
  const truncated = Buffer.concat([
    Buffer.from("k8s\0", "latin1"),
    msg(1, bytes(1, "v1"), bytes(2, "Namespace")),
    tag(2, 2),
    varint(10),
    Buffer.from([0x0a, 0x05, 0x66]),
  ]);
  assert.throws(() => decodeProtobufObject(truncated, "Namespace"), {
    message: /^the object provided is unrecognized \(must be of type Namespace\): unexpected EOF \(6b387300/,
  });
  // metadata says 5 bytes of name, 1 follows
  const cutName = envelope("v1", "Namespace", Buffer.from([0x0a, 0x03, 0x0a, 0x05, 0x66]));
  assert.throws(() => decodeProtobufObject(cutName, "Namespace"), {
    message: 'Namespace in version "v1" cannot be handled as a Namespace: unexpected EOF',
  });
  const specAsVarint = Buffer.concat([msg(1, bytes(1, "foo")), num(2, 7)]);
  assert.throws(() => decodeProtobufObject(envelope("v1", "Namespace", specAsVarint), "Namespace"), {
    message:
      'Namespace in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Spec',
  });
});

test("kinds kite cannot decode are refused, and supportsProtobuf says which it can", () => {
  assert.equal(supportsProtobuf("v1", "Namespace"), true);
  assert.equal(supportsProtobuf("storage.k8s.io/v1", "StorageClass"), true);
  assert.equal(supportsProtobuf("events.k8s.io/v1", "Event"), true);
  assert.equal(supportsProtobuf("apps/v1", "Deployment"), false);
  assert.throws(() => decodeProtobufObject(envelope("apps/v1", "Deployment", Buffer.alloc(0))), {
    message: 'no kind "Deployment" is registered for version "apps/v1" in scheme "kite"',
  });
});
