// The generated definitions (scripts/gen-schema.mjs) and the types that describe them: OpenAPI
// swagger-2.0 schemas as kube-apiserver publishes them, named io.k8s.api.core.v1.Pod and so on.
import generated from "./generated/definitions.json" with { type: "json" };

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface JsonSchema {
  description?: string;
  type?: string;
  format?: string;
  /** "#/definitions/<name>" */
  $ref?: string;
  items?: JsonSchema;
  additionalProperties?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  "x-kubernetes-group-version-kind"?: GroupVersionKind[];
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-patch-strategy"?: string;
}

export const definitions: Readonly<Record<string, JsonSchema>> = generated as Record<string, JsonSchema>;

export const refPrefix = "#/definitions/";

export function refName(ref: string): string {
  return ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref;
}

/** The definition name of a served kind, found through x-kubernetes-group-version-kind. */
export function definitionFor(group: string, version: string, kind: string): string | undefined {
  return kindIndex().get(`${group}/${version}/${kind}`);
}

let index: Map<string, string> | undefined;
function kindIndex(): Map<string, string> {
  if (!index) {
    index = new Map();
    for (const [name, def] of Object.entries(definitions)) {
      for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
        index.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
      }
    }
  }
  return index;
}
