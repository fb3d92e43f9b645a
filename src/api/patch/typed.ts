// Schema-guided walks over plain JSON objects, the parts of structured-merge-diff's `typed`
// package server-side apply needs: the field set an object sets (ToFieldSet), the difference of
// two objects (Compare), merging an applied configuration into a live object (Merge) and removing
// a set of fields (RemoveItems). A position with no schema is "deduced" as SMD does for untyped
// data: objects are granular maps, lists are atomic.
import type { SchemaNode } from "../schema-node.js";
import {
  emptySet,
  type FieldSet,
  hasPath,
  insertPath,
  isEmptySet,
  keyElement,
  type Path,
  type PathElement,
  pathElementString,
  pathString,
  serializePathElement,
  withPrefix,
} from "./fieldpath.js";
import { deepEqual, isObject, type JsonObject } from "./json.js";

/** How a list's items are identified: by key fields, by value (a set), or not at all. */
type ListKind = { keys: string[] } | { set: true } | { atomic: true };

/**
 * The list's element relationship as kube-openapi's schemaconv derives it: x-kubernetes-list-type
 * when it says map or set; otherwise a merge patch strategy makes the list associative by its
 * patch merge key (or a set of scalars); otherwise the list is atomic.
 */
export function listKind(node: SchemaNode | undefined): ListKind {
  if (!node) return { atomic: true };
  if (node.listType === "map" && node.mapKeys?.length) return { keys: node.mapKeys };
  if (node.listType === "set") return { set: true };
  if (node.patchStrategy?.split(",").includes("merge")) {
    return node.patchMergeKey ? { keys: [node.patchMergeKey] } : { set: true };
  }
  return { atomic: true };
}

type Shape =
  | { t: "leaf" }
  | { t: "struct"; node: SchemaNode }
  | { t: "map"; elem: SchemaNode | undefined }
  | { t: "list"; kind: { keys: string[] } | { set: true }; elem: SchemaNode | undefined };

/** What a node means for a value found at its position; a value of the wrong type is a leaf. */
function shapeOf(node: SchemaNode | undefined, v: unknown): Shape {
  if (v === null || v === undefined) return { t: "leaf" };
  const kind = node?.kind ?? "any";
  if (kind === "object" && node) {
    return isObject(v) && node.mapType !== "atomic" ? { t: "struct", node } : { t: "leaf" };
  }
  if (kind === "map") {
    return isObject(v) && node?.mapType !== "atomic" ? { t: "map", elem: node?.elem?.() } : { t: "leaf" };
  }
  if (kind === "array") {
    const lk = listKind(node);
    if (!Array.isArray(v) || "atomic" in lk) return { t: "leaf" };
    return { t: "list", kind: lk, elem: node?.elem?.() };
  }
  if (kind === "any" && isObject(v)) return { t: "map", elem: undefined };
  return { t: "leaf" };
}

/** The node of member `k` in a struct or map shape; `declared` is false for free-form keys. */
function memberNode(shape: Shape, k: string): { node: SchemaNode | undefined; declared: boolean } {
  if (shape.t === "struct") {
    const node = shape.node.field?.(k);
    return { node, declared: node !== undefined };
  }
  if (shape.t === "map") return { node: shape.elem, declared: false };
  return { node: undefined, declared: false };
}

/**
 * The default of a list-map key field that an item omits. kite's SchemaNode carries no OpenAPI
 * defaults, so this knows the one defaulted key in the built-in types: ports' `protocol` ("TCP"),
 * which kube's schema defaults and therefore puts in every port's key.
 */
function keyDefault(elem: SchemaNode | undefined, name: string): unknown {
  const node = elem?.field?.(name) as (SchemaNode & { default?: unknown }) | undefined;
  if (node?.default !== undefined) return node.default;
  return name === "protocol" ? "TCP" : undefined;
}

/** An error found while reading an object against its schema (typed.ValidationError). */
export class TypedError extends Error {}

/** listItemToPathElement: the element naming one item of an associative list. */
export function itemElement(
  kind: { keys: string[] } | { set: true },
  elem: SchemaNode | undefined,
  item: unknown,
): PathElement {
  if ("keys" in kind) {
    if (item === null || item === undefined)
      throw new TypedError("associative list with keys may not have a null element");
    if (!isObject(item)) throw new TypedError("associative list with keys may not have non-map elements");
    const fields: [string, unknown][] = [];
    for (const name of kind.keys) {
      if (Object.hasOwn(item, name) && item[name] !== undefined) fields.push([name, item[name]]);
      else {
        const def = keyDefault(elem, name);
        if (def !== undefined) fields.push([name, def]);
      }
    }
    if (fields.length === 0) {
      throw new TypedError(
        `associative list with keys has an element that omits all key fields [${kind.keys.map((k) => JSON.stringify(k)).join(" ")}] (and doesn't have default values for any key fields)`,
      );
    }
    return keyElement(fields);
  }
  if (isObject(item)) throw new TypedError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new TypedError("not supported: associative list with lists as elements");
  if (item === null)
    throw new TypedError("associative list without keys has an element that's an explicit null");
  return { value: item };
}

/** Items of a list by element identity; later duplicates (only a live object can have them) are ignored. */
function indexItems(
  kind: { keys: string[] } | { set: true },
  elem: SchemaNode | undefined,
  list: unknown[],
  path: Path,
  errs: string[] | undefined,
): { pes: PathElement[]; byId: Map<string, unknown> } {
  const pes: PathElement[] = [];
  const byId = new Map<string, unknown>();
  list.forEach((item, i) => {
    let pe: PathElement;
    try {
      pe = itemElement(kind, elem, item);
    } catch (e) {
      if (!(e instanceof TypedError)) throw e;
      if (errs) errs.push(`${pathString(path)}: element ${i}: ${e.message}`);
      return;
    }
    const id = serializePathElement(pe);
    if (byId.has(id)) {
      if (errs) errs.push(`${pathString(path)}: duplicate entries for key ${pathElementString(pe)}`);
      return;
    }
    byId.set(id, item);
    pes.push(pe);
  });
  return { pes, byId };
}

/**
 * ToFieldSet of an applied configuration, which must fit the schema: unknown fields, duplicate
 * keys and unkeyed items are reported as typed.ValidationErrors' text
 * (`.spec.foo: field not declared in schema`) in TypedError's message.
 */
export function toFieldSet(node: SchemaNode | undefined, value: unknown): FieldSet {
  const set = emptySet();
  const errs: string[] = [];
  walkSet(node, value, [], set, errs);
  if (errs.length === 1) throw new TypedError(errs[0]);
  if (errs.length > 1) throw new TypedError(["errors:", ...errs.map((e) => `  ${e}`)].join("\n"));
  return set;
}

function walkSet(node: SchemaNode | undefined, v: unknown, path: Path, set: FieldSet, errs: string[]): void {
  const shape = shapeOf(node, v);
  switch (shape.t) {
    case "leaf":
      if (path.length > 0) insertPath(set, path);
      return;
    case "struct":
    case "map":
      for (const [k, x] of Object.entries(v as JsonObject)) {
        if (x === undefined) continue;
        const m = memberNode(shape, k);
        const p = [...path, { field: k }];
        if (shape.t === "struct" && !m.declared) {
          errs.push(`${pathString(p)}: field not declared in schema`);
          continue;
        }
        walkSet(m.node, x, p, set, errs);
        if (x === null || (isObject(x) && Object.keys(x).length === 0) || !m.declared) insertPath(set, p);
      }
      return;
    case "list": {
      const { pes, byId } = indexItems(shape.kind, shape.elem, v as unknown[], path, errs);
      for (const pe of pes) {
        const p = [...path, pe];
        walkSet(shape.elem, byId.get(serializePathElement(pe)), p, set, errs);
        insertPath(set, p);
      }
      return;
    }
  }
}

/** What changed from one object to another (typed.Comparison). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

const isEmptyValue = (v: unknown) =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0);

/** Compare(lhs, rhs): added, modified and removed paths, leaves and the nodes around them. */
export function compare(node: SchemaNode | undefined, lhs: unknown, rhs: unknown): Comparison {
  const c: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  walkCompare(node, lhs, rhs, [], c);
  return c;
}

function walkCompare(node: SchemaNode | undefined, l: unknown, r: unknown, path: Path, c: Comparison): void {
  const ls = shapeOf(node, l);
  const rs = shapeOf(node, r);
  const shape = r === undefined || r === null ? ls : rs;
  const mismatch = l !== undefined && l !== null && r !== undefined && r !== null && ls.t !== rs.t;
  const bothEmpty = isEmptyValue(l) && isEmptyValue(r);
  if (shape.t === "leaf" || mismatch || bothEmpty) {
    if (path.length === 0) return;
    if (l === undefined) insertPath(c.added, path);
    else if (r === undefined) insertPath(c.removed, path);
    else if (!deepEqual(l, r)) insertPath(c.modified, path);
    return;
  }
  if (shape.t === "list") {
    const li = indexItems(shape.kind, shape.elem, Array.isArray(l) ? l : [], path, undefined);
    const ri = indexItems(shape.kind, shape.elem, Array.isArray(r) ? r : [], path, undefined);
    const all = [...li.pes, ...ri.pes.filter((pe) => !li.byId.has(serializePathElement(pe)))];
    for (const pe of all) {
      const id = serializePathElement(pe);
      walkCompare(shape.elem, li.byId.get(id), ri.byId.get(id), [...path, pe], c);
    }
  } else {
    const lm = isObject(l) ? l : {};
    const rm = isObject(r) ? r : {};
    const keys = [...Object.keys(lm), ...Object.keys(rm).filter((k) => !Object.hasOwn(lm, k))];
    for (const k of keys) {
      walkCompare(memberNode(shape, k).node, lm[k], rm[k], [...path, { field: k }], c);
    }
  }
  if (path.length === 0) return;
  if (l === undefined) insertPath(c.added, path);
  else if (r === undefined) insertPath(c.removed, path);
}

/** Merge(live, config): the config's values win; granular maps and associative lists combine. */
export function merge(node: SchemaNode | undefined, lhs: unknown, rhs: unknown): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const ls = shapeOf(node, lhs);
  const rs = shapeOf(node, rhs);
  if (rs.t === "leaf" || ls.t !== rs.t || (isEmptyValue(lhs) && isEmptyValue(rhs))) return rhs;
  if (rs.t === "list") return mergeList(rs.kind, rs.elem, lhs as unknown[], rhs as unknown[]);
  const lm = lhs as JsonObject;
  const rm = rhs as JsonObject;
  const out: JsonObject = {};
  for (const k of Object.keys(lm)) {
    const v = merge(memberNode(rs, k).node, lm[k], rm[k]);
    if (v !== undefined) out[k] = v;
  }
  for (const k of Object.keys(rm)) {
    if (!Object.hasOwn(lm, k) && rm[k] !== undefined) out[k] = rm[k];
  }
  return out;
}

/**
 * indexListPathElements for a live list: duplicates are kept in order, and their shared entry
 * becomes null so that an applied item replaces them rather than merging into one.
 */
function indexLive(kind: { keys: string[] } | { set: true }, elem: SchemaNode | undefined, list: unknown[]) {
  const ids: string[] = [];
  const items: unknown[] = [];
  const byId = new Map<string, unknown>();
  for (const item of list) {
    let id: string;
    try {
      id = serializePathElement(itemElement(kind, elem, item));
    } catch (e) {
      if (e instanceof TypedError) continue;
      throw e;
    }
    byId.set(id, byId.has(id) ? null : item);
    ids.push(id);
    items.push(item);
  }
  return { ids, items, byId };
}

/** mergingWalker.visitListItems: live order kept, applied items placed by the applied order. */
function mergeList(
  kind: { keys: string[] } | { set: true },
  elem: SchemaNode | undefined,
  lhs: unknown[],
  rhs: unknown[],
): unknown[] {
  const r = indexItems(kind, elem, rhs, [], undefined);
  const l = indexLive(kind, elem, lhs);
  const lIds = l.ids;
  const rIds = r.pes.map(serializePathElement);
  const shared = rIds.filter((id) => l.byId.has(id));
  let next = shared.shift();
  const merged = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown) => {
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lIds.length || ri < rIds.length) {
    if (li < lIds.length && ri < rIds.length) {
      const id = lIds[li] as string;
      if (id === rIds[ri]) {
        merged.add(id);
        push(merge(elem, l.byId.get(id), r.byId.get(id)));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (r.byId.has(id) && next !== undefined && next !== id) {
        li++;
        continue;
      }
    }
    if (li < lIds.length) {
      const id = lIds[li] as string;
      if (!r.byId.has(id)) {
        push(merge(elem, l.items[li], undefined));
        li++;
        continue;
      }
      if (merged.has(id)) li++;
    }
    if (ri < rIds.length) {
      const id = rIds[ri] as string;
      merged.add(id);
      push(merge(elem, l.byId.get(id), r.byId.get(id)));
      ri++;
      if (next === id) next = shared.shift();
    }
  }
  return out;
}

/**
 * RemoveItems: the value without the set's members (a member takes its whole subtree). Maps
 * and lists left empty by a removal disappear, as Go's typed round trip drops them.
 */
export function removeItems(node: SchemaNode | undefined, v: unknown, set: FieldSet): unknown {
  const shape = shapeOf(node, v);
  if (shape.t === "leaf") return v;
  if (shape.t === "list") {
    const out: unknown[] = [];
    for (const item of v as unknown[]) {
      let pe: PathElement;
      try {
        pe = itemElement(shape.kind, shape.elem, item);
      } catch {
        out.push(item);
        continue;
      }
      if (hasPath(set, [pe])) continue;
      const sub = withPrefix(set, pe);
      const kept = isEmptySet(sub) ? item : removeItems(shape.elem, item, sub);
      if (kept !== undefined) out.push(kept);
    }
    return out.length > 0 ? out : undefined;
  }
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v as JsonObject)) {
    const pe = { field: k };
    if (hasPath(set, [pe])) continue;
    const sub = withPrefix(set, pe);
    const kept = isEmptySet(sub) ? x : removeItems(memberNode(shape, k).node, x, sub);
    if (kept !== undefined) out[k] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** EnsureNamedFieldsAreMembers: a struct field with owned children counts as owned itself. */
export function ensureNamedFieldsAreMembers(node: SchemaNode | undefined, set: FieldSet): FieldSet {
  const out = emptySet();
  for (const [id, pe] of set.members) out.members.set(id, pe);
  for (const [id, c] of set.children) {
    let child: SchemaNode | undefined;
    if ("field" in c.pe) {
      if (node?.kind === "object") {
        child = node.field?.(c.pe.field);
        if (child) out.members.set(id, c.pe);
      } else if (node?.kind === "map") {
        child = node.elem?.();
      }
    } else if (node?.kind === "array") {
      child = node.elem?.();
    }
    out.children.set(id, { pe: c.pe, set: ensureNamedFieldsAreMembers(child, c.set) });
  }
  return out;
}
