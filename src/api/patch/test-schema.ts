// Test support: small hand-built SchemaNode trees shaped like kube's OpenAPI for the types the
// patch tests use (Pod, ConfigMap), with the same list types, map keys and patch strategies.
import type { SchemaNode } from "../schema-node.js";

export const str: SchemaNode = { kind: "scalar", scalarType: "string" };
export const int: SchemaNode = { kind: "scalar", scalarType: "integer" };
export const bool: SchemaNode = { kind: "scalar", scalarType: "boolean" };
export const any: SchemaNode = { kind: "any" };

export function obj(fields: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode {
  return {
    kind: "object",
    ...extra,
    fieldNames: () => Object.keys(fields),
    field: (name) => (Object.hasOwn(fields, name) ? fields[name] : undefined),
  };
}

export function map(elem: SchemaNode, extra: Partial<SchemaNode> = {}): SchemaNode {
  return { kind: "map", ...extra, elem: () => elem };
}

/** A list; like kite's real schema, listType is "atomic" unless x-kubernetes-list-type says more. */
export function list(elem: SchemaNode, extra: Partial<SchemaNode> = {}): SchemaNode {
  return { kind: "array", listType: "atomic", ...extra, elem: () => elem };
}

const objectMeta = obj({
  name: str,
  generateName: str,
  namespace: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: str,
  deletionTimestamp: str,
  labels: map(str),
  annotations: map(str),
  finalizers: list(str, { listType: "set", patchStrategy: "merge" }),
  ownerReferences: list(
    obj(
      { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
      { mapType: "atomic" },
    ),
    { listType: "map", mapKeys: ["uid"], patchStrategy: "merge", patchMergeKey: "uid" },
  ),
  managedFields: list(any),
});

const container = obj({
  name: str,
  image: str,
  imagePullPolicy: str,
  command: list(str),
  args: list(str),
  ports: list(obj({ name: str, containerPort: int, hostPort: int, protocol: str }), {
    listType: "map",
    mapKeys: ["containerPort", "protocol"],
    patchStrategy: "merge",
    patchMergeKey: "containerPort",
  }),
  env: list(obj({ name: str, value: str, valueFrom: any }), {
    listType: "map",
    mapKeys: ["name"],
    patchStrategy: "merge",
    patchMergeKey: "name",
  }),
  volumeMounts: list(obj({ name: str, mountPath: str, readOnly: bool, subPath: str }), {
    listType: "map",
    mapKeys: ["mountPath"],
    patchStrategy: "merge",
    patchMergeKey: "mountPath",
  }),
  resources: obj({ limits: map(str), requests: map(str) }),
  securityContext: obj({ privileged: bool, runAsUser: int }),
});

const containers = list(container, {
  listType: "map",
  mapKeys: ["name"],
  patchStrategy: "merge",
  patchMergeKey: "name",
});

const volume = obj({
  name: str,
  emptyDir: obj({ medium: str, sizeLimit: str }),
  hostPath: obj({ path: str, type: str }),
  configMap: obj({ name: str, items: list(obj({ key: str, path: str })) }),
});

const podSpec = obj({
  containers,
  initContainers: containers,
  volumes: list(volume, {
    listType: "map",
    mapKeys: ["name"],
    patchStrategy: "merge,retainKeys",
    patchMergeKey: "name",
  }),
  tolerations: list(obj({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int })),
  nodeSelector: map(str, { mapType: "atomic" }),
  nodeName: str,
  restartPolicy: str,
  dnsPolicy: str,
  serviceAccountName: str,
  terminationGracePeriodSeconds: int,
});

const podStatus = obj({
  phase: str,
  podIP: str,
  conditions: list(obj({ type: str, status: str, reason: str }), {
    listType: "map",
    mapKeys: ["type"],
    patchStrategy: "merge",
    patchMergeKey: "type",
  }),
  containerStatuses: list(obj({ name: str, ready: bool, restartCount: int, image: str })),
});

const schemas: Record<string, SchemaNode> = {
  Pod: obj({ apiVersion: str, kind: str, metadata: objectMeta, spec: podSpec, status: podStatus }),
  ConfigMap: obj({ apiVersion: str, kind: str, metadata: objectMeta, data: map(str), binaryData: map(str) }),
};

/** The hand-built schema of a kind: "Pod" or "ConfigMap". */
export function testSchema(kind: "Pod" | "ConfigMap"): SchemaNode {
  return schemas[kind] as SchemaNode;
}

/** A small pod, the shape kubectl sends; each call returns a fresh copy. */
export function webPod(): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { containers: { name: string; image: string; ports?: { containerPort: number }[] }[] };
} {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
  };
}
