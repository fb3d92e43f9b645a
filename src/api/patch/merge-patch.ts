// RFC 7386 JSON Merge Patch as kube-apiserver applies it (evanphx/json-patch MergePatch):
// objects merge key by key, null deletes, anything else (arrays included) replaces.
import { badRequest } from "../errors.js";
import { clone, isObject, type JsonObject } from "./json.js";

/** Drops null members from objects, recursively, leaving nulls inside arrays (pruneNulls). */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? null : pruneNulls(x)));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = pruneNulls(x);
    return out;
  }
  return v;
}

function mergeValue(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined) {
      delete cur[k];
    } else if (!Object.hasOwn(cur, k) || cur[k] === null) {
      cur[k] = pruneNulls(v);
    } else {
      cur[k] = mergeValue(cur[k], v);
    }
  }
  return cur;
}

/**
 * Applies a JSON merge patch (`application/merge-patch+json`) to a copy of `doc`. A null patch is
 * the 400 "Invalid JSON Patch" kube-apiserver returns; a patch that is not an object replaces the
 * document, as RFC 7386 says.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (patch === null || patch === undefined) throw badRequest("Invalid JSON Patch");
  if (!isObject(patch)) return clone(patch);
  return mergeValue(isObject(doc) ? clone(doc) : undefined, clone(patch));
}
