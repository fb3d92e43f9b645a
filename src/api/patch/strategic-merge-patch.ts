// Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it:
// a port of k8s.io/apimachinery/pkg/util/strategicpatch's mergeMap with MergeParallelList and
// IgnoreUnmatchedNulls, driven by the schema's x-kubernetes-patch-strategy / patch-merge-key
// instead of Go struct tags. Error texts and their HTTP codes follow
// handlers/patch.go interpretStrategicMergePatchError.
import { badRequest, type StatusError } from "../errors.js";
import type { SchemaNode } from "../schema-node.js";
import { patchTypeOf } from "./content-type.js";
import { unknownServerError, unprocessablePatch } from "./errors.js";
import { clone, goFormat, goTypeName, isObject, type JsonObject, jsonKindWord } from "./json.js";
import { applyMergePatch } from "./merge-patch.js";

const directiveMarker = "$patch";
const retainKeysDirective = "$retainKeys";
const deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
const setElementOrderPrefix = "$setElementOrder";

/** mergepatch's sentinel errors, by how the handler reports them. */
const badRequestErrors = new Set([
  "invalid JSON document",
  "invalid patch format of primitive list",
  "invalid patch format of retainKeys",
  "invalid patch format of setElementOrder list",
  "strategic merge patch format is not supported",
]);
const unprocessableErrors = new Set([
  "lists of lists are not supported",
  "patch content doesn't match retainKeys list",
]);

class SmpError extends Error {}

const errNoMergeKey = (m: JsonObject, k: string) =>
  new SmpError(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const errBadPatchType = (t: unknown, m: JsonObject) =>
  new SmpError(`unknown patch type: ${String(t)} in map: ${goFormat(m)}`);
const errBadArgType = (expected: string, actual: unknown) =>
  new SmpError(`expected a ${expected}, but received a ${goTypeName(actual)}`);

interface PatchMeta {
  node: SchemaNode | undefined;
  strategy: string;
  mergeKey: string;
}

/** LookupPatchMetadataForStruct/ForSlice: the node of key `k` below `schema` and its patch tags. */
function lookup(schema: SchemaNode | undefined, k: string): PatchMeta {
  let node: SchemaNode | undefined;
  if (schema?.kind === "object") node = schema.field?.(k);
  else if (schema?.kind === "map") node = schema.elem?.();
  const strategies = node?.patchStrategy ? node.patchStrategy.split(",") : [];
  const strategy = strategies.filter((s) => s !== "retainKeys")[0] ?? "";
  return { node, strategy, mergeKey: node?.patchMergeKey ?? "" };
}

/** The node describing one element of the list at `meta`. */
const itemNode = (meta: PatchMeta): SchemaNode | undefined =>
  meta.node?.kind === "array" ? meta.node.elem?.() : undefined;

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf("/");
  if (i < 0 || s.slice(0, i) !== prefix) {
    throw new SmpError(
      prefix === deleteFromPrimitiveListPrefix
        ? "invalid patch format of primitive list"
        : "invalid patch format of setElementOrder list",
    );
  }
  return s.slice(i + 1);
}

const isDirectiveKey = (k: string) =>
  k === directiveMarker ||
  k === retainKeysDirective ||
  k.startsWith(`${deleteFromPrimitiveListPrefix}/`) ||
  k.startsWith(`${setElementOrderPrefix}/`);

/** Removes `$patch` maps and directive keys, as the typed round trip through Go structs would. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (isObject(v)) {
    if (directiveMarker in v) return { value: undefined, keep: false };
    for (const [k, x] of Object.entries(v)) {
      const r = removeDirectives(x);
      if (!r.keep || isDirectiveKey(k)) delete v[k];
      else v[k] = r.value;
    }
    return { value: v, keep: true };
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  return { value: v, keep: true };
}

function discardNulls(v: unknown): void {
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  } else if (Array.isArray(v)) {
    v.forEach(discardNulls);
  }
}

/** A value from the patch as it lands in the result: no nulls, no directives. */
function cleaned(v: unknown): { value: unknown; keep: boolean } {
  discardNulls(v);
  return removeDirectives(v);
}

type Kind = "map" | "slice" | "scalar";
const kindOf = (v: unknown): Kind => (isObject(v) ? "map" : Array.isArray(v) ? "slice" : "scalar");
const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** sliceElementType: the common element kind of the lists, rejecting lists of lists and mixtures. */
function sliceElementKind(...slices: unknown[][]): Kind {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const t = goTypeName(v);
      if (prev === undefined) {
        prev = t;
        if (Array.isArray(v)) throw new SmpError("lists of lists are not supported");
      } else if (prev !== t) {
        throw new SmpError(`list element types are not identical: [${slices.map(goFormat).join(" ")}]`);
      }
    }
  }
  if (prev === undefined) throw new SmpError("no elements in any of the given slices");
  return prev === "map[string]interface {}" ? "map" : "scalar";
}

/** Go's == on two decoded JSON scalars (merge key values and primitive list items). */
const scalarEq = (a: unknown, b: unknown) => a === b || (a == null && b == null);

function mergeKeyOf(item: unknown, mergeKey: string, kind: Kind): unknown {
  if (kind !== "map") return item;
  return isObject(item) ? item[mergeKey] : undefined;
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: Kind): number {
  const key = mergeKeyOf(v, mergeKey, kind);
  return list.findIndex((x) => scalarEq(mergeKeyOf(x, mergeKey, kind), key));
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw new SmpError(`value for key ${i} is not a map`);
    if (key in item && scalarEq(item[key], value)) return i;
  }
  return -1;
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let rest = toSort;
  const toDelete: unknown[] = [];
  if (kind === "map") {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isObject(item)) throw errBadArgType("map[string]interface {}", item);
        if (!(mergeKey in item)) throw errNoMergeKey(item, mergeKey);
      }
    }
    rest = [];
    for (const item of toSort) {
      if (isObject(item) && item[directiveMarker] === "delete") toDelete.push(item);
      else rest.push(item);
    }
  }
  const indexed = rest.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }));
  indexed.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : 0) || a.i - b.i);
  return [...indexed.map((x) => x.v), ...toDelete];
}

/** mergeSortedSlice: interleaves server-only items into the patch items by their live order. */
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
) {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (!mergeKey) {
      found = by.some((x) => scalarEq(x, v));
    } else {
      if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
      if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
      found = findByKey(by, mergeKey, v[mergeKey]) >= 0;
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/**
 * The live list's backing array as Go sees it while merging. strategicpatch deletes and appends
 * in place (`append(original[:i], original[i+1:]...)`, `append(original, v)` within capacity), and
 * mergePatchIntoOriginal then orders by the list it read before merging — which those writes have
 * changed. kube's ordering of `$setElementOrder` merges depends on it, so it is reproduced here,
 * with the capacity of a list converted from a typed object (its length).
 */
interface Backing {
  buf: unknown[];
  len: number;
  live: boolean;
}

function mergeSliceWithSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  alias?: Backing,
) {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!(directiveMarker in m)) {
      plain.push(v);
      continue;
    }
    const directive = m[directiveMarker];
    if (directive === "delete") {
      if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
      for (
        let i = findByKey(original, mergeKey, m[mergeKey]);
        i >= 0;
        i = findByKey(original, mergeKey, m[mergeKey])
      ) {
        original = [...original.slice(0, i), ...original.slice(i + 1)];
        if (alias?.live) {
          alias.buf.copyWithin(i, i + 1, alias.len);
          alias.len--;
        }
      }
    } else if (directive === "replace") {
      replace = true;
      if (alias) alias.live = false;
    } else if (directive === "merge") {
      throw new SmpError("merging lists cannot yet be specified in the patch");
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  return replace ? { original: plain, patch: [] as unknown[] } : { original, patch: plain };
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  item: SchemaNode | undefined,
  mergeKey: string,
  isDeleteList: boolean,
  alias?: Backing,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  if (kind !== "map") {
    if (isDeleteList) return original.filter((v) => !patch.some((d) => scalarEq(d, v)));
    merged = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => scalarEq(m, v))) merged.push(v);
  } else {
    if (!mergeKey)
      throw new SmpError(`cannot merge lists without merge key for ${item ? "list" : "unknown"}`);
    const special = mergeSliceWithSpecialElements(original, patch, mergeKey, alias);
    original = special.original;
    patch = special.patch;
    merged = [...original];
    for (const v of patch) {
      const m = v as JsonObject;
      if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
      const at = findByKey(merged, mergeKey, m[mergeKey]);
      if (at >= 0) {
        merged[at] = mergeMap(merged[at] as JsonObject, m, item);
        if (alias?.live) alias.buf[at] = merged[at];
      } else {
        merged.push(cleaned(v).value);
        if (alias?.live && alias.len < alias.buf.length) alias.buf[alias.len++] = merged[merged.length - 1];
        else if (alias) alias.live = false;
      }
    }
  }
  const [inPatch, serverOnly] = partition(merged, patch, kind === "map" ? mergeKey : "");
  return normalizeElementOrder(inPatch, serverOnly, patch, original, kind === "map" ? mergeKey : "", kind);
}

function mergeSliceHandler(
  original: unknown,
  patch: unknown,
  meta: PatchMeta,
  isDeleteList: boolean,
  alias?: Backing,
): unknown[] {
  if (!Array.isArray(original)) throw errBadArgType("[]interface {}", original);
  if (!Array.isArray(patch)) throw errBadArgType("[]interface {}", patch);
  if (meta.strategy === "merge" || isDeleteList) {
    return mergeSlice(original, patch, itemNode(meta), meta.mergeKey, isDeleteList, alias);
  }
  return cleaned(patch).value as unknown[];
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(retainKeysDirective in patch)) return;
  const list = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(list)) throw new SmpError("invalid patch format of retainKeys");
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix))
      continue;
    if (!list.includes(k)) throw new SmpError("invalid patch format of retainKeys");
  }
  for (const k of Object.keys(original)) if (!list.includes(k)) delete original[k];
}

function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey
    ? patchList.filter((v) => {
        if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
        return v[directiveMarker] !== "delete";
      })
    : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const p = nonDelete[pi];
    if (isObject(p) && directiveMarker in p) {
      pi++;
      continue;
    }
    let equal: boolean;
    if (!mergeKey) equal = scalarEq(p, order[si]);
    else {
      const l = p as JsonObject;
      const r = order[si];
      if (!isObject(r)) throw errBadArgType("map[string]interface {}", r);
      if (!(mergeKey in l)) throw errNoMergeKey(l, mergeKey);
      if (!(mergeKey in r)) throw errNoMergeKey(r, mergeKey);
      equal = scalarEq(l[mergeKey], r[mergeKey]);
    }
    if (equal) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw new SmpError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}\n`,
    );
  }
}

/** mergePatchIntoOriginal: lists that come with a $setElementOrder directive, merged and ordered. */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType("[]interface {}", order);
    const originalKey = extractKey(key, setElementOrderPrefix);
    const foundOriginal = Object.hasOwn(original, originalKey);
    const foundPatch = Object.hasOwn(patch, originalKey);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[originalKey];
      if (!Array.isArray(v)) throw errBadArgType("[]interface {}", v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[originalKey];
      if (!Array.isArray(v)) throw errBadArgType("[]interface {}", v);
      patchList = v;
    }
    const meta = lookup(schema, originalKey);
    validatePatchWithSetOrderList(patchList, order, meta.mergeKey);
    let merged: unknown[];
    const alias: Backing = { buf: [...originalList], len: originalList.length, live: true };
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = cleaned(patchList).value as unknown[];
    else if (foundOriginal && foundPatch)
      merged = mergeSliceHandler(originalList, patchList, meta, false, alias);
    else continue;
    const [inPatch, serverOnly] = partition(merged, order, meta.mergeKey);
    const kind = sliceElementKind(alias.buf, patchList);
    original[originalKey] = normalizeElementOrder(inPatch, serverOnly, order, alias.buf, meta.mergeKey, kind);
    delete patch[originalKey];
  }
}

function mergeMap(
  original: JsonObject | undefined,
  patch: JsonObject,
  schema: SchemaNode | undefined,
): JsonObject {
  if (directiveMarker in patch) {
    const directive = patch[directiveMarker];
    if (directive === "replace") {
      delete patch[directiveMarker];
      return cleaned(patch).value as JsonObject;
    }
    if (directive === "delete") return {};
    throw errBadPatchType(directive, patch);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, schema);

  for (const [rawKey, patchV] of Object.entries(patch)) {
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(deleteFromPrimitiveListPrefix)) {
      k = extractKey(rawKey, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    if (!Object.hasOwn(out, k) || typeOf(out[k]) !== typeOf(patchV)) {
      if (!isDeleteList) {
        const r = cleaned(patchV);
        if (r.keep) out[k] = r.value;
        else delete out[k];
      }
      continue;
    }
    const meta = lookup(schema, k);
    switch (kindOf(out[k])) {
      case "map":
        out[k] =
          meta.strategy === "replace"
            ? (cleaned(patchV).value as JsonObject)
            : mergeMap(out[k] as JsonObject, patchV as JsonObject, meta.node);
        break;
      case "slice":
        out[k] = mergeSliceHandler(out[k], patchV, meta, isDeleteList);
        break;
      default:
        out[k] = patchV;
    }
  }
  return out;
}

function toStatusError(e: SmpError): StatusError {
  if (badRequestErrors.has(e.message)) return badRequest(e.message);
  if (unprocessableErrors.has(e.message)) return unprocessablePatch(e.message);
  return unknownServerError(e.message);
}

/**
 * Applies a strategic merge patch to a copy of `doc`, using `schema` (the node of the object's
 * kind) for each list's patch strategy and merge key. With no schema (a kind kite has no
 * OpenAPI for) it falls back to a JSON merge patch; kube-apiserver instead refuses strategic
 * merge patches for custom resources with a 415, which `strategicMergePatchUnsupported()` builds
 * for callers that want to match it. Errors are StatusErrors with kube's codes: 400 for malformed
 * directives, 422 for lists of lists, 500 (empty reason) for the rest, e.g.
 * `map: map[image:x] does not contain declared merge key: name`.
 */
export function applyStrategicMergePatch(
  doc: unknown,
  patch: unknown,
  schema: SchemaNode | undefined,
): unknown {
  if (!isObject(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type map[string]interface {}`,
    );
  }
  if (!schema) return applyMergePatch(doc, patch);
  try {
    return mergeMap(isObject(doc) ? clone(doc) : {}, clone(patch), schema);
  } catch (e) {
    if (e instanceof SmpError) throw toStatusError(e);
    throw e;
  }
}

/** The 415 kube-apiserver returns for a strategic merge patch to a custom resource. */
export function strategicMergePatchUnsupported(): StatusError {
  try {
    patchTypeOf("application/strategic-merge-patch+json", { strategicSupported: false });
  } catch (e) {
    return e as StatusError;
  }
  throw new Error("unreachable: a strategic merge patch is refused when unsupported");
}
