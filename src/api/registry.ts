// The resources kite serves: names, scope, verbs and short names as kube-apiserver publishes them
// in discovery, so kubectl resolves `po`, `pvc`, `get all` exactly as on a real cluster.

export interface SubresourceInfo {
  /** "status", "binding", "log", "exec", "attach", "portforward" */
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** plural, the URL segment */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
}

const crud = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function resource(
  r: Omit<ResourceInfo, "listKind" | "singular" | "verbs" | "subresources" | "shortNames" | "categories"> &
    Partial<Pick<ResourceInfo, "verbs" | "subresources" | "shortNames" | "categories">>,
): ResourceInfo {
  return {
    listKind: `${r.kind}List`,
    singular: r.kind.toLowerCase(),
    verbs: crud,
    subresources: [],
    shortNames: [],
    categories: [],
    ...r,
  };
}

const status = (kind: string): SubresourceInfo => ({
  name: "status",
  kind,
  verbs: ["get", "patch", "update"],
});

export const resources: readonly ResourceInfo[] = [
  resource({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    shortNames: ["ns"],
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: [status("Namespace"), { name: "finalize", kind: "Namespace", verbs: ["update"] }],
  }),
  resource({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    shortNames: ["po"],
    namespaced: true,
    categories: ["all"],
    subresources: [
      status("Pod"),
      { name: "binding", kind: "Binding", verbs: ["create"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
      { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
    ],
  }),
  resource({
    group: "",
    version: "v1",
    kind: "Binding",
    plural: "bindings",
    namespaced: true,
    verbs: ["create"],
  }),
  resource({
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    shortNames: ["no"],
    namespaced: false,
    subresources: [status("Node")],
  }),
  resource({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    shortNames: ["ev"],
    namespaced: true,
  }),
  resource({
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    shortNames: ["cm"],
    namespaced: true,
  }),
  resource({
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    namespaced: true,
  }),
  resource({
    group: "",
    version: "v1",
    kind: "PersistentVolume",
    plural: "persistentvolumes",
    shortNames: ["pv"],
    namespaced: false,
    subresources: [status("PersistentVolume")],
  }),
  resource({
    group: "",
    version: "v1",
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    shortNames: ["pvc"],
    namespaced: true,
    subresources: [status("PersistentVolumeClaim")],
  }),
  resource({
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    shortNames: ["ev"],
    namespaced: true,
  }),
  resource({
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    namespaced: true,
  }),
  resource({
    group: "storage.k8s.io",
    version: "v1",
    kind: "StorageClass",
    plural: "storageclasses",
    shortNames: ["sc"],
    namespaced: false,
  }),
];

export interface GroupVersion {
  group: string;
  version: string;
}

export function apiVersionOf(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

export function parseApiVersion(apiVersion: string): GroupVersion {
  const i = apiVersion.indexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Group versions in the order discovery lists them (core first, as kube-apiserver does). */
export function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of resources) {
    const key = apiVersionOf(r);
    if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
  }
  return [...seen.values()];
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const gv = parseApiVersion(apiVersion);
  return resources.find((r) => r.group === gv.group && r.version === gv.version && r.kind === kind);
}

/** The key under which the store keeps an object, kube-apiserver's etcd layout. */
export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  const prefix = storagePrefix(r);
  return r.namespaced ? `${prefix}${namespace}/${name}` : `${prefix}${name}`;
}

/**
 * events.k8s.io/v1 and core/v1 Events are the same objects in two shapes, stored once
 * (as kube-apiserver does), so both share the core prefix.
 */
export function storagePrefix(r: ResourceInfo): string {
  const plural = r.group === "events.k8s.io" ? "events" : r.plural;
  const group = r.group && r.group !== "events.k8s.io" ? `${r.group}/` : "";
  return `/registry/${group}${plural}/`;
}
