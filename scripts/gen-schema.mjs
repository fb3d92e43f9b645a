#!/usr/bin/env node
// Generates src/api/schema/generated/definitions.json: the OpenAPI (swagger 2.0 style) definitions of
// the types kite serves, named as kube-apiserver names them (io.k8s.api.core.v1.Pod), with everything
// they reference. `node scripts/gen-schema.mjs` — rerun after upgrading kubernetes-types.
//
// Sources, both already installed:
// - kubernetes-types (1.30): every type and field, its description (doc comment) and whether it is
//   required (no `?`). This decides which fields exist.
// - @kubernetes/client-node: its models' attributeTypeMap gives wire formats (int32, int64, double,
//   byte, date-time) that the TypeScript types erase to `number`/`string`.
// What neither carries are the Kubernetes vendor extensions from Go struct tags and markers
// (patch strategy, merge key, list type, map type); they are the hand-kept table EXTENSIONS below,
// checked field by field against Kubernetes 1.30's published OpenAPI.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const typesDir = join(root, "node_modules/kubernetes-types");
const outFile = join(root, "src/api/schema/generated/definitions.json");

/** kubernetes-types module → Go package prefix of the OpenAPI definition names. */
const modules = {
  "core/v1": "io.k8s.api.core.v1",
  "meta/v1": "io.k8s.apimachinery.pkg.apis.meta.v1",
  "events/v1": "io.k8s.api.events.v1",
  "coordination/v1": "io.k8s.api.coordination.v1",
  "storage/v1": "io.k8s.api.storage.v1",
  runtime: "io.k8s.apimachinery.pkg.runtime",
  "api/resource": "io.k8s.apimachinery.pkg.api.resource",
};
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** Top-level kinds and the group they are served in (x-kubernetes-group-version-kind). */
const roots = [
  ["core/v1", "", ["Namespace", "Pod", "Binding", "Node", "Event", "ConfigMap", "Secret"]],
  ["core/v1", "", ["PersistentVolume", "PersistentVolumeClaim"]],
  ["core/v1", "", ["NamespaceList", "PodList", "NodeList", "EventList", "ConfigMapList", "SecretList"]],
  ["core/v1", "", ["PersistentVolumeList", "PersistentVolumeClaimList"]],
  ["events/v1", "events.k8s.io", ["Event", "EventList"]],
  ["coordination/v1", "coordination.k8s.io", ["Lease", "LeaseList"]],
  ["storage/v1", "storage.k8s.io", ["StorageClass", "StorageClassList"]],
];
/** meta/v1 kinds every group version serves (kube lists one GVK per group version). */
const metaKinds = [
  "Status",
  "DeleteOptions",
  "WatchEvent",
  "APIResourceList",
  "APIGroup",
  "APIGroupList",
  "APIVersions",
];
const metaOnly = ["Patch"];
const servedGroupVersions = [
  ["", "v1"],
  ["coordination.k8s.io", "v1"],
  ["events.k8s.io", "v1"],
  ["storage.k8s.io", "v1"],
];

// ---- Vendor extensions (Go struct tags and +listType/+mapType markers), Kubernetes 1.30. ----
// Keys: "<Definition short name>.<field>" for fields, "<Definition short name>" for types.
// Short names are the definition name without its package, prefixed by the module where it would
// be ambiguous ("events/v1:Event"). m(key) = merge key, s = patch strategy, t = list type,
// k = list map keys, mt = map type.
const merge = (key, t = "map", k = [key]) => ({ m: key, s: "merge", t, k });
const atomic = { t: "atomic" };
const EXTENSIONS = {
  // meta/v1
  "ObjectMeta.finalizers": { s: "merge", t: "set" },
  "ObjectMeta.managedFields": atomic,
  "ObjectMeta.ownerReferences": merge("uid"),
  OwnerReference: { mt: "atomic" },
  LabelSelector: { mt: "atomic" },
  "LabelSelector.matchExpressions": atomic,
  "LabelSelectorRequirement.values": atomic,
  "StatusDetails.causes": atomic,
  // kube declares +listType=atomic on Status.details although it is a struct; kept for fidelity.
  "Status.details": atomic,
  "DeleteOptions.dryRun": atomic,
  "APIGroup.serverAddressByClientCIDRs": atomic,
  "APIGroup.versions": atomic,
  "APIGroupList.groups": atomic,
  "APIResource.categories": atomic,
  "APIResource.shortNames": atomic,
  "APIResourceList.resources": atomic,
  "APIVersions.serverAddressByClientCIDRs": atomic,
  "APIVersions.versions": atomic,
  // core/v1 pod
  "PodSpec.volumes": { m: "name", s: "merge,retainKeys", t: "map", k: ["name"] },
  "PodSpec.initContainers": merge("name"),
  "PodSpec.containers": merge("name"),
  "PodSpec.ephemeralContainers": merge("name"),
  "PodSpec.imagePullSecrets": merge("name"),
  "PodSpec.hostAliases": merge("ip"),
  "PodSpec.tolerations": atomic,
  "PodSpec.readinessGates": atomic,
  "PodSpec.topologySpreadConstraints": {
    m: "topologyKey",
    s: "merge",
    t: "map",
    k: ["topologyKey", "whenUnsatisfiable"],
  },
  "PodSpec.schedulingGates": merge("name"),
  "PodSpec.resourceClaims": { m: "name", s: "merge,retainKeys", t: "map", k: ["name"] },
  "PodSpec.nodeSelector": { mt: "atomic" },
  "PodStatus.conditions": merge("type"),
  "PodStatus.podIPs": merge("ip"),
  "PodStatus.hostIPs": { m: "ip", s: "merge", t: "atomic" },
  "PodStatus.initContainerStatuses": atomic,
  "PodStatus.containerStatuses": atomic,
  "PodStatus.ephemeralContainerStatuses": atomic,
  "PodStatus.resourceClaimStatuses": { m: "name", s: "merge,retainKeys", t: "map", k: ["name"] },
  "Container.args": atomic,
  "Container.command": atomic,
  "Container.ports": { m: "containerPort", s: "merge", t: "map", k: ["containerPort", "protocol"] },
  "Container.envFrom": atomic,
  "Container.env": merge("name"),
  "Container.resizePolicy": atomic,
  "Container.volumeMounts": merge("mountPath"),
  "Container.volumeDevices": merge("devicePath"),
  "EphemeralContainer.args": atomic,
  "EphemeralContainer.command": atomic,
  "EphemeralContainer.ports": { m: "containerPort", s: "merge", t: "map", k: ["containerPort", "protocol"] },
  "EphemeralContainer.envFrom": atomic,
  "EphemeralContainer.env": merge("name"),
  "EphemeralContainer.resizePolicy": atomic,
  "EphemeralContainer.volumeMounts": merge("mountPath"),
  "EphemeralContainer.volumeDevices": merge("devicePath"),
  "ContainerStatus.volumeMounts": merge("mountPath"),
  "ResourceRequirements.claims": { t: "map", k: ["name"] },
  "Capabilities.add": atomic,
  "Capabilities.drop": atomic,
  "ExecAction.command": atomic,
  "HTTPGetAction.httpHeaders": atomic,
  "PodSecurityContext.supplementalGroups": atomic,
  "PodSecurityContext.sysctls": atomic,
  "PodDNSConfig.nameservers": atomic,
  "PodDNSConfig.options": atomic,
  "PodDNSConfig.searches": atomic,
  "HostAlias.hostnames": atomic,
  "NodeAffinity.preferredDuringSchedulingIgnoredDuringExecution": atomic,
  NodeSelector: { mt: "atomic" },
  "NodeSelector.nodeSelectorTerms": atomic,
  NodeSelectorTerm: { mt: "atomic" },
  "NodeSelectorTerm.matchExpressions": atomic,
  "NodeSelectorTerm.matchFields": atomic,
  "NodeSelectorRequirement.values": atomic,
  "PodAffinity.requiredDuringSchedulingIgnoredDuringExecution": atomic,
  "PodAffinity.preferredDuringSchedulingIgnoredDuringExecution": atomic,
  "PodAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution": atomic,
  "PodAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution": atomic,
  "PodAffinityTerm.namespaces": atomic,
  "PodAffinityTerm.matchLabelKeys": atomic,
  "PodAffinityTerm.mismatchLabelKeys": atomic,
  "TopologySpreadConstraint.matchLabelKeys": atomic,
  TopologySelectorTerm: { mt: "atomic" },
  "TopologySelectorTerm.matchLabelExpressions": atomic,
  "TopologySelectorLabelRequirement.values": atomic,
  LocalObjectReference: { mt: "atomic" },
  ObjectReference: { mt: "atomic" },
  TypedLocalObjectReference: { mt: "atomic" },
  ConfigMapKeySelector: { mt: "atomic" },
  SecretKeySelector: { mt: "atomic" },
  ObjectFieldSelector: { mt: "atomic" },
  ResourceFieldSelector: { mt: "atomic" },
  SecretReference: { mt: "atomic" },
  // volumes
  "ConfigMapVolumeSource.items": atomic,
  "SecretVolumeSource.items": atomic,
  "ConfigMapProjection.items": atomic,
  "SecretProjection.items": atomic,
  "DownwardAPIVolumeSource.items": atomic,
  "DownwardAPIProjection.items": atomic,
  "ProjectedVolumeSource.sources": atomic,
  "CephFSVolumeSource.monitors": atomic,
  "CephFSPersistentVolumeSource.monitors": atomic,
  "RBDVolumeSource.monitors": atomic,
  "RBDPersistentVolumeSource.monitors": atomic,
  "ISCSIVolumeSource.portals": atomic,
  "ISCSIPersistentVolumeSource.portals": atomic,
  "FCVolumeSource.targetWWNs": atomic,
  "FCVolumeSource.wwids": atomic,
  // persistent volumes and claims
  "PersistentVolumeSpec.accessModes": atomic,
  "PersistentVolumeSpec.mountOptions": atomic,
  "PersistentVolumeSpec.claimRef": { mt: "granular" },
  "PersistentVolumeClaimSpec.accessModes": atomic,
  "PersistentVolumeClaimStatus.accessModes": atomic,
  "PersistentVolumeClaimStatus.conditions": merge("type"),
  "PersistentVolumeClaimStatus.allocatedResourceStatuses": { mt: "granular" },
  // node
  "NodeSpec.podCIDRs": { s: "merge", t: "set" },
  "NodeSpec.taints": atomic,
  "NodeStatus.conditions": merge("type"),
  "NodeStatus.addresses": merge("type"),
  "NodeStatus.images": atomic,
  "NodeStatus.volumesInUse": atomic,
  "NodeStatus.volumesAttached": atomic,
  "NodeStatus.runtimeHandlers": atomic,
  "ContainerImage.names": atomic,
  // namespace, configmap, secret
  "NamespaceSpec.finalizers": atomic,
  "NamespaceStatus.conditions": merge("type"),
  // storage
  "StorageClass.mountOptions": atomic,
  "StorageClass.allowedTopologies": atomic,
};

// ---- Parse kubernetes-types declaration files. ----
function docText(raw) {
  // "/** text */" or a block of " * " lines; blank comment lines separate paragraphs.
  const body = raw.replace(/^\/\*\*/, "").replace(/\*\/$/, "");
  const lines = body.split("\n").map((l) => l.replace(/^\s*\* ?/, ""));
  while (lines.length && lines[0].trim() === "") lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  return lines.length === 1 ? lines[0].trim() : lines.join("\n");
}

function parseModule(mod) {
  const src = readFileSync(join(typesDir, `${mod}.d.ts`), "utf8");
  const imports = new Map();
  for (const m of src.matchAll(/^import \{([^}]+)\} from "([^"]+)";/gm)) {
    const from = join(mod, "..", m[2]).replace(/\\/g, "/");
    for (const n of m[1].split(",")) imports.set(n.trim(), from);
  }
  const types = new Map();
  const re = /(\/\*\*(?:[^*]|\*(?!\/))*\*\/)?\s*export (interface|type) (\w+)\s*(=\s*([^;]+);|\{)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const description = m[1] ? docText(m[1]) : undefined;
    if (m[2] === "type") {
      types.set(m[3], { alias: m[5].trim(), description });
      continue;
    }
    // Interface body: up to the matching "}" at column 0.
    const start = re.lastIndex;
    const end = src.indexOf("\n}", start);
    const body = src.slice(start, end);
    re.lastIndex = end;
    const fields = [];
    const fre =
      /(\/\*\*(?:[^*]|\*(?!\/))*\*\/)?\s*\n\s{4}(?:readonly )?([\w$]+)(\??): ((?:\{[^}]*\})|[^;]+);/g;
    for (let f = fre.exec(body); f; f = fre.exec(body)) {
      fields.push({
        name: f[2],
        required: f[3] !== "?",
        type: f[4].replace(/\s+/g, " ").trim(),
        description: f[1] ? docText(f[1]) : undefined,
      });
    }
    types.set(m[3], { fields, description });
  }
  return { mod, imports, types };
}

const parsed = new Map();
function moduleOf(mod) {
  if (!parsed.has(mod)) parsed.set(mod, parseModule(mod));
  return parsed.get(mod);
}

function defName(mod, name) {
  const pkg = modules[mod];
  if (!pkg) throw new Error(`no package for module ${mod} (type ${name})`);
  return `${pkg}.${name}`;
}

/** Resolves a type name used in `mod` to [module, name]. */
function resolve(mod, name) {
  const m = moduleOf(mod);
  if (m.types.has(name)) return [mod, name];
  const from = m.imports.get(name);
  if (from) return [from, name];
  throw new Error(`cannot resolve ${name} in ${mod}`);
}

// ---- client-node formats ----
const clientNode = await import("@kubernetes/client-node");
const groupPrefix = {
  "core/v1": "CoreV1",
  "events/v1": "EventsV1",
  "storage/v1": "StorageV1",
  "coordination/v1": "CoordinationV1",
};
function clientModel(mod, name) {
  for (const cand of [`${groupPrefix[mod] ?? ""}${name}`, `V1${name}`]) {
    const c = clientNode[cand];
    if (c?.attributeTypeMap) return c;
  }
  return undefined;
}
const missingFormats = [];
function clientFormat(mod, typeName, field, kind) {
  const model = clientModel(mod, typeName);
  const attr = model?.attributeTypeMap.find((a) => a.baseName === field);
  if (!attr && kind === "number") missingFormats.push(`${mod}:${typeName}.${field}`);
  return attr?.format ?? "";
}

// ---- Build definitions ----
const definitions = {};
const queue = [];
function want(mod, name) {
  const full = defName(mod, name);
  if (!(full in definitions)) {
    definitions[full] = null; // reserved
    queue.push([mod, name]);
  }
  return `#/definitions/${full}`;
}

function extKey(mod, name) {
  return EXTENSIONS[`${mod}:${name}`] ? `${mod}:${name}` : name;
}

function schemaOf(mod, owner, field, type, format) {
  if (type === "string" || /^"[^"]*"$/.test(type))
    return format === "byte" ? { type: "string", format } : { type: "string" };
  if (type === "boolean") return { type: "boolean" };
  if (type === "number") {
    if (format === "double") return { type: "number", format };
    return { type: "integer", format: format || "int32" };
  }
  if (type === "number | string") return { $ref: `#/definitions/${INT_OR_STRING}` };
  let m = /^Array<(.+)>$/.exec(type);
  if (m) return { type: "array", items: schemaOf(mod, owner, field, m[1], format) };
  m = /^\{ \[name: string\]: (.+); \}$/.exec(type);
  if (m) return { type: "object", additionalProperties: schemaOf(mod, owner, field, m[1], format) };
  if (/^\w+$/.test(type)) {
    const [tm, tn] = resolve(mod, type);
    return { $ref: want(tm, tn) };
  }
  throw new Error(`unhandled type ${type} at ${owner}.${field}`);
}

function applyExt(target, ext) {
  if (!ext) return;
  if (ext.k) target["x-kubernetes-list-map-keys"] = ext.k;
  if (ext.t) target["x-kubernetes-list-type"] = ext.t;
  if (ext.mt) target["x-kubernetes-map-type"] = ext.mt;
  if (ext.m) target["x-kubernetes-patch-merge-key"] = ext.m;
  if (ext.s) target["x-kubernetes-patch-strategy"] = ext.s;
}

function build(mod, name) {
  if (mod === "api/resource" && name === "Quantity") {
    const t = moduleOf(mod).types.get(name);
    return { description: t.description, type: "string" };
  }
  const t = moduleOf(mod).types.get(name);
  if (!t) throw new Error(`no type ${name} in ${mod}`);
  if (t.alias) {
    // Time and MicroTime: RFC 3339 strings.
    return { description: t.description, type: "string", format: "date-time" };
  }
  const def = {};
  if (t.description) def.description = t.description;
  const props = {};
  for (const f of [...t.fields].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const kind = f.type.includes("number") ? "number" : "string";
    const format = /number|string/.test(f.type) ? clientFormat(mod, name, f.name, kind) : "";
    const s = schemaOf(mod, name, f.name, f.type, format);
    const p = s.$ref ? { $ref: s.$ref } : {};
    if (f.description) p.description = f.description;
    if (!s.$ref) Object.assign(p, s);
    applyExt(p, EXTENSIONS[`${extKey(mod, name)}.${f.name}`]);
    props[f.name] = p;
  }
  if (t.fields.length) def.properties = props;
  const required = t.fields.filter((f) => f.required).map((f) => f.name);
  if (required.length) def.required = required;
  def.type = "object";
  applyExt(def, EXTENSIONS[extKey(mod, name)]);
  return def;
}

for (const [mod, , kinds] of roots) {
  for (const kind of kinds) {
    want(mod, kind);
  }
}
for (const kind of [...metaKinds, ...metaOnly]) want("meta/v1", kind);
want("runtime", "RawExtension");
definitions[INT_OR_STRING] = {
  description:
    "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
  format: "int-or-string",
  type: "string",
};

const gvks = new Map();
for (const [mod, group, kinds] of roots) {
  for (const kind of kinds) gvks.set(defName(mod, kind), [{ group, kind, version: "v1" }]);
}
for (const kind of metaKinds) {
  gvks.set(
    defName("meta/v1", kind),
    servedGroupVersions.map(([group, version]) => ({ group, kind, version })),
  );
}
// Discovery kinds exist only in the core group version.
for (const kind of ["APIResourceList", "APIGroup", "APIGroupList", "APIVersions"]) {
  gvks.set(defName("meta/v1", kind), [{ group: "", kind, version: "v1" }]);
}

while (queue.length) {
  const [mod, name] = queue.shift();
  const def = build(mod, name);
  const gvk = gvks.get(defName(mod, name));
  if (gvk) def["x-kubernetes-group-version-kind"] = gvk;
  definitions[defName(mod, name)] = def;
}

// Every extension key must name a field or type that exists, so a typo cannot hide.
for (const key of Object.keys(EXTENSIONS)) {
  const [typePart, field] = key.split(".");
  const [mod, type] = typePart.includes(":") ? typePart.split(":") : [undefined, typePart];
  const defs = Object.entries(definitions).filter(
    ([n]) => n.endsWith(`.${type}`) && (!mod || n.startsWith(`${modules[mod]}.`)),
  );
  if (!defs.length) continue; // a type outside the closure (e.g. an unused volume source)
  if (field && !defs.some(([, d]) => d.properties?.[field]))
    throw new Error(`extension ${key}: no such field`);
}

const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(sorted)}\n`);
const unique = [...new Set(missingFormats)];
console.log(`${Object.keys(sorted).length} definitions → ${outFile}`);
if (unique.length) console.log(`fields without a client-node format (defaulted): ${unique.join(", ")}`);
