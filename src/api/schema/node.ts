// SchemaNode (src/api/schema-node.ts) over the generated definitions: the view that strict field
// validation and the patch engines walk. Nodes are built lazily and cached, one per definition and
// one per field, so walking a pod costs map lookups only.
import { parseApiVersion } from "../registry.js";
import type { ListType, PatchStrategy, SchemaLookup, SchemaNode } from "../schema-node.js";
import { definitionFor, definitions, type JsonSchema, refName } from "./definitions.js";

/** Definitions whose JSON is a scalar or untyped although swagger calls them objects or strings. */
const scalarDefs: Record<string, SchemaNode["scalarType"]> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "string|integer",
  "io.k8s.apimachinery.pkg.api.resource.Quantity": "string|integer",
};
/** Definitions kube treats as free-form JSON (no fields to validate). */
const anyDefs = new Set([
  "io.k8s.apimachinery.pkg.runtime.RawExtension",
  "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
  "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
]);

const defNodes = new Map<string, SchemaNode>();

function definitionNode(name: string): SchemaNode {
  let node = defNodes.get(name);
  if (!node) {
    const def = definitions[name];
    if (!def) throw new Error(`schema: no definition ${name}`);
    node = build(def, name);
    defNodes.set(name, node);
  }
  return node;
}

/**
 * A node for `schema` as it appears at a field: a $ref resolves to the definition's node, with the
 * field's own patch and list extensions laid over it (kube puts them on the property).
 */
function fieldNode(schema: JsonSchema): SchemaNode {
  if (schema.$ref) {
    const base = definitionNode(refName(schema.$ref));
    const ext = extensions(schema);
    return Object.keys(ext).length ? { ...base, ...ext } : base;
  }
  return build(schema, undefined);
}

function extensions(s: JsonSchema): Partial<SchemaNode> {
  const out: Partial<SchemaNode> = {};
  const lt = s["x-kubernetes-list-type"];
  if (lt) out.listType = lt satisfies ListType;
  const keys = s["x-kubernetes-list-map-keys"];
  if (keys) out.mapKeys = keys;
  const ps = s["x-kubernetes-patch-strategy"];
  if (ps) out.patchStrategy = ps as PatchStrategy;
  const mk = s["x-kubernetes-patch-merge-key"];
  if (mk) out.patchMergeKey = mk;
  const mt = s["x-kubernetes-map-type"];
  if (mt) out.mapType = mt;
  return out;
}

function build(s: JsonSchema, name: string | undefined): SchemaNode {
  if (name && scalarDefs[name]) return { kind: "scalar", scalarType: scalarDefs[name] };
  if (name && anyDefs.has(name)) return { kind: "any" };
  const ext = extensions(s);
  switch (s.type) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { kind: "scalar", scalarType: s.type, ...ext };
    case "array": {
      const items = s.items;
      let elem: SchemaNode | undefined;
      return {
        kind: "array",
        listType: "atomic",
        ...ext,
        elem: () => {
          elem ??= items ? fieldNode(items) : { kind: "any" };
          return elem;
        },
      };
    }
    case "object": {
      const props = s.properties;
      if (props) {
        const cache = new Map<string, SchemaNode>();
        const names = Object.keys(props);
        return {
          kind: "object",
          ...ext,
          fieldNames: () => names,
          field: (f: string) => {
            let n = cache.get(f);
            if (!n) {
              const p = Object.hasOwn(props, f) ? props[f] : undefined;
              if (!p) return undefined;
              n = fieldNode(p);
              cache.set(f, n);
            }
            return n;
          },
        };
      }
      const ap = s.additionalProperties;
      if (ap) {
        let elem: SchemaNode | undefined;
        return {
          kind: "map",
          ...ext,
          elem: () => {
            elem ??= fieldNode(ap);
            return elem;
          },
        };
      }
      return { kind: "any", ...ext };
    }
    default:
      if (s.$ref) return fieldNode(s);
      return { kind: "any", ...ext };
  }
}

/** The node of a definition by its OpenAPI name (io.k8s.api.core.v1.PodSpec). */
export function schemaNodeOf(definitionName: string): SchemaNode | undefined {
  return definitions[definitionName] ? definitionNode(definitionName) : undefined;
}

export const schemaLookup: SchemaLookup = (apiVersion, kind) => {
  const gv = parseApiVersion(apiVersion);
  const name = definitionFor(gv.group, gv.version, kind);
  return name ? definitionNode(name) : undefined;
};
