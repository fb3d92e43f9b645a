// RFC 6902 JSON Patch as kube-apiserver applies it: gopkg.in/evanphx/json-patch.v4, quirks
// included (negative indices count from the end, "replace" of a missing object key adds it, a
// "test" against a missing key passes when the value is null), with its error texts verbatim.
import { badRequest, StatusError } from "../errors.js";
import { unprocessablePatch } from "./errors.js";
import { clone, deepEqual, isObject, type JsonObject, jsonKindWord } from "./json.js";

/** kube-apiserver refuses JSON patches with more operations than this (maxJSONPatchOperations). */
export const maxJsonPatchOperations = 10000;

type Op = JsonObject;

/** An error from inside the patch library; the handler reports it as a 422 (see applyJsonPatch). */
class PatchError extends Error {}

/** A place values live in: an object or an array, as the library's `container` interface. */
interface Container {
  get(key: string): unknown;
  set(key: string, val: unknown): void;
  add(key: string, val: unknown): void;
  remove(key: string): void;
}

function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key))
    throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  const n = Number.parseInt(key, 10);
  if (!Number.isSafeInteger(n))
    throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`);
  return n;
}

const invalidIndex = (idx: number) =>
  new PatchError(`Unable to access invalid index: ${idx}: invalid index referenced`);

function objectContainer(d: JsonObject): Container {
  return {
    get: (key) => (Object.hasOwn(d, key) ? d[key] : undefined),
    set: (key, val) => {
      d[key] = val;
    },
    add: (key, val) => {
      d[key] = val;
    },
    remove: (key) => {
      if (!Object.hasOwn(d, key))
        throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
      delete d[key];
    },
  };
}

function arrayContainer(a: unknown[]): Container {
  const resolve = (idx: number, len: number): number => {
    if (idx < 0) {
      if (idx < -len) throw invalidIndex(idx);
      return idx + len;
    }
    return idx;
  };
  return {
    get: (key) => {
      const idx = resolve(atoi(key), a.length);
      if (idx >= a.length) throw invalidIndex(idx);
      return a[idx];
    },
    set: (key, val) => {
      a[resolve(atoi(key), a.length)] = val;
    },
    add: (key, val) => {
      if (key === "-") {
        a.push(val);
        return;
      }
      if (!/^[+-]?\d+$/.test(key)) {
        throw new PatchError(
          `value was not a proper array index: '${key}': strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`,
        );
      }
      let idx = atoi(key);
      if (idx >= a.length + 1) throw invalidIndex(idx);
      idx = resolve(idx, a.length + 1);
      a.splice(idx, 0, val);
    },
    remove: (key) => {
      let idx = atoi(key);
      if (idx >= a.length) throw invalidIndex(idx);
      idx = resolve(idx, a.length);
      a.splice(idx, 1);
    },
  };
}

function containerOf(v: unknown): Container | undefined {
  if (Array.isArray(v)) return arrayContainer(v);
  if (isObject(v)) return objectContainer(v);
  return undefined;
}

const decodeKey = (k: string) => k.replaceAll("~1", "/").replaceAll("~0", "~");

/** findObject: the container holding the path's last token, and that token; undefined if absent. */
function findObject(root: unknown, path: string): [Container, string] | undefined {
  const split = path.split("/");
  if (split.length < 2) return undefined;
  let doc = containerOf(root);
  if (!doc) return undefined;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = doc.get(decodeKey(part));
    } catch {
      return undefined;
    }
    if (next === undefined || next === null) return undefined;
    doc = containerOf(next);
    if (!doc) return undefined;
  }
  return [doc, decodeKey(split[split.length - 1] ?? "")];
}

function field(op: Op, name: "path" | "from", missing: string): string {
  const v = op[name];
  if (v === undefined || v === null) throw new PatchError(missing);
  if (typeof v !== "string") {
    throw new PatchError(`json: cannot unmarshal ${jsonKindWord(v)} into Go value of type string`);
  }
  return v;
}
const pathOf = (op: Op) => field(op, "path", "operation missing path field: missing value");
const fromOf = (op: Op) => field(op, "from", "operation, missing from field: missing value");
/** The op's value: absent and null both become null, as the library stores a nil node. */
const opValue = (op: Op): unknown => (op.value === undefined ? null : clone(op.value));

function wrap(prefix: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof PatchError) throw new PatchError(`${prefix}: ${e.message}`);
    throw e;
  }
}

function opAdd(doc: unknown, op: Op): void {
  let path: string;
  try {
    path = pathOf(op);
  } catch {
    throw new PatchError("add operation failed to decode path: missing value");
  }
  const found = findObject(doc, path);
  if (!found)
    throw new PatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
  wrap(`error in add for path: '${path}'`, () => found[0].add(found[1], opValue(op)));
}

function opRemove(doc: unknown, op: Op): void {
  let path: string;
  try {
    path = pathOf(op);
  } catch {
    throw new PatchError("remove operation failed to decode path: missing value");
  }
  const found = findObject(doc, path);
  if (!found)
    throw new PatchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  wrap(`error in remove for path: '${path}'`, () => found[0].remove(found[1]));
}

function opReplace(doc: unknown, op: Op): unknown {
  const path = withPrefix("replace operation failed to decode path", () => pathOf(op));
  if (path === "") {
    const val = opValue(op);
    if (!isObject(val) && !Array.isArray(val)) {
      throw new PatchError("replace operation value must be object or array: %!w(<nil>)");
    }
    return val;
  }
  const found = findObject(doc, path);
  if (!found)
    throw new PatchError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  try {
    found[0].get(found[1]);
  } catch {
    throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  }
  wrap(`error in remove for path: '${path}'`, () => found[0].set(found[1], opValue(op)));
  return doc;
}

function opMove(doc: unknown, op: Op): void {
  const from = withPrefix("move operation failed to decode from", () => fromOf(op));
  const src = findObject(doc, from);
  if (!src)
    throw new PatchError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
  let val: unknown;
  wrap(`error in move for path: '${src[1]}'`, () => {
    val = src[0].get(src[1]);
    src[0].remove(src[1]);
  });
  const path = withPrefix("move operation failed to decode path", () => pathOf(op));
  const dst = findObject(doc, path);
  if (!dst)
    throw new PatchError(
      `move operation does not apply: doc is missing destination path: ${path}: missing value`,
    );
  wrap(`error in move for path: '${path}'`, () => dst[0].add(dst[1], val === undefined ? null : val));
}

function opTest(doc: unknown, op: Op): void {
  const path = withPrefix("test operation failed to decode path", () => pathOf(op));
  const failed = () => new PatchError(`testing value ${path} failed: test failed`);
  if (path === "") {
    if (deepEqual(doc, opValue(op))) return;
    throw failed();
  }
  const found = findObject(doc, path);
  if (!found) throw new PatchError(`test operation does not apply: is missing path: ${path}: missing value`);
  let val: unknown;
  wrap(`error in test for path: '${path}'`, () => {
    val = found[0].get(found[1]);
  });
  if (val === undefined || val === null) {
    if (op.value === undefined || op.value === null) return;
    throw failed();
  }
  if (op.value === undefined) throw failed();
  if (!deepEqual(val, op.value)) throw failed();
}

function opCopy(doc: unknown, op: Op): void {
  const from = withPrefix("copy operation failed to decode from", () => fromOf(op));
  const src = findObject(doc, from);
  if (!src)
    throw new PatchError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
  let val: unknown;
  wrap(`error in copy for from: '${from}'`, () => {
    val = src[0].get(src[1]);
  });
  let path: string;
  try {
    path = pathOf(op);
  } catch {
    throw new PatchError("copy operation failed to decode path: missing value");
  }
  const dst = findObject(doc, path);
  if (!dst)
    throw new PatchError(
      `copy operation does not apply: doc is missing destination path: ${path}: missing value`,
    );
  wrap("error while adding value during copy", () =>
    dst[0].add(dst[1], val === undefined ? null : clone(val)),
  );
}

function withPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PatchError) throw new PatchError(`${prefix}: ${e.message}`);
    throw e;
  }
}

/**
 * Applies a JSON patch (the decoded body of an `application/json-patch+json` request) to a copy
 * of `doc` and returns the result. Throws StatusErrors as kube-apiserver answers: 400 when the
 * body is not a list of operations, 413 past 10000 operations, 422 Invalid (message "the server
 * rejected our request due to an error in our request", the library's text in details.causes)
 * when an operation fails, e.g. `testing value /metadata/labels/app failed: test failed`.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw badRequest(`json: cannot unmarshal ${jsonKindWord(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op) && op !== null) {
      throw badRequest(
        `json: cannot unmarshal ${jsonKindWord(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  if (ops.length > maxJsonPatchOperations) {
    throw new StatusError(
      413,
      "RequestEntityTooLarge",
      `The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${ops.length}`,
    );
  }
  let out = clone(doc);
  try {
    for (const raw of ops) {
      const op: Op = isObject(raw) ? raw : {};
      const kind = typeof op.op === "string" ? op.op : "unknown";
      switch (kind) {
        case "add":
          opAdd(out, op);
          break;
        case "remove":
          opRemove(out, op);
          break;
        case "replace":
          out = opReplace(out, op);
          break;
        case "move":
          opMove(out, op);
          break;
        case "test":
          opTest(out, op);
          break;
        case "copy":
          opCopy(out, op);
          break;
        default:
          throw new PatchError(`Unexpected kind: ${kind}`);
      }
    }
  } catch (e) {
    if (e instanceof PatchError) throw unprocessablePatch(e.message);
    throw e;
  }
  return out;
}
