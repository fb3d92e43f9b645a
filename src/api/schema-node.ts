// The seam between the OpenAPI-derived schema (src/api/schema) and its users: strict field
// validation, strategic merge patch and server-side apply (src/api/patch). A node describes one
// position in an object; walking it follows the Kubernetes type definitions.

export type ListType = "atomic" | "set" | "map";
export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";

export interface SchemaNode {
  /** "object": fixed fields; "map": free string keys (labels, data); "array"; "scalar"; "any": untyped (RawExtension, JSON) */
  kind: "object" | "map" | "array" | "scalar" | "any";
  /** scalar type where kind is "scalar": string, integer, number, boolean; int-or-string and quantity are "string|integer" */
  scalarType?: "string" | "integer" | "number" | "boolean" | "string|integer";
  /** For kind "object": the node of a named field, undefined if the type has no such field. */
  field?(name: string): SchemaNode | undefined;
  /** For kind "object": the field names the type declares. */
  fieldNames?(): string[];
  /** For kind "map": the value node; for "array": the item node. */
  elem?(): SchemaNode;
  /** For arrays: x-kubernetes-list-type (defaults to "atomic" when unknown). */
  listType?: ListType;
  /** For arrays with listType "map": x-kubernetes-list-map-keys. */
  mapKeys?: string[];
  /** x-kubernetes-patch-strategy on a field. */
  patchStrategy?: PatchStrategy;
  /** x-kubernetes-patch-merge-key on a list field. */
  patchMergeKey?: string;
  /** x-kubernetes-map-type: "atomic" maps/structs are replaced whole by SSA. */
  mapType?: "atomic" | "granular";
}

/** Looks up the schema of a top-level kind; undefined when kite has no schema for it. */
export type SchemaLookup = (apiVersion: string, kind: string) => SchemaNode | undefined;
