// Field paths and field sets as sigs.k8s.io/structured-merge-diff/fieldpath models them, with the
// `FieldsV1` encoding kube-apiserver stores in metadata.managedFields:
//   {"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{…}}}}
// `f:` names a field, `k:` a list item by its keys, `v:` a set item by value, `i:` an index, and
// `.` marks that the node itself is in the set, besides its children.
import { isObject, type JsonObject } from "./json.js";

export type PathElement =
  | { field: string }
  | { key: [name: string, value: unknown][] } // sorted by name
  | { value: unknown }
  | { index: number };

export type Path = PathElement[];

/** A set of paths, as a tree: `members` end here, `children` continue below an element. */
export interface FieldSet {
  members: Map<string, PathElement>;
  children: Map<string, { pe: PathElement; set: FieldSet }>;
}

export function emptySet(): FieldSet {
  return { members: new Map(), children: new Map() };
}

/** Go's encoding/json string escaping (HTML-safe), which jsoniter's std-compatible config shares. */
const hasHtmlUnsafe = /[<>&\u2028\u2029]/;
const htmlUnsafe = /[<>&\u2028\u2029]/g;

function goJson(v: unknown): string {
  const s = JSON.stringify(v);
  if (!hasHtmlUnsafe.test(s)) return s;
  return s.replace(htmlUnsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function keyObject(key: [string, unknown][]): string {
  return `{${key.map(([n, v]) => `${goJson(n)}:${goJson(v)}`).join(",")}}`;
}

/** The element as a fieldsV1 object key: f:name, k:{...}, v:value, i:3. Also its identity. */
export function serializePathElement(pe: PathElement): string {
  if ("field" in pe) return `f:${pe.field}`;
  if ("key" in pe) return `k:${keyObject(pe.key)}`;
  if ("value" in pe) return `v:${goJson(pe.value)}`;
  return `i:${pe.index}`;
}

export function parsePathElement(s: string): PathElement {
  if (s.length < 2) throw new Error("key must be 2 characters long:");
  if (s[1] !== ":") throw new Error(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case "f":
      return { field: rest };
    case "v":
      return { value: JSON.parse(rest) };
    case "k": {
      const obj: unknown = JSON.parse(rest);
      if (!isObject(obj)) throw new Error(`expected an object for key ${s}`);
      return keyElement(Object.entries(obj));
    }
    case "i": {
      if (!/^[+-]?\d+$/.test(rest))
        throw new Error(`strconv.Atoi: parsing ${JSON.stringify(rest)}: invalid syntax`);
      return { index: Number.parseInt(rest, 10) };
    }
    default:
      throw new Error("unknown path element type");
  }
}

export function keyElement(fields: [string, unknown][]): PathElement {
  return { key: [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** value.ToString: how a key or set value prints inside a path. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${k}=${valueString(v[k])}`).join(";")}}`;
  }
  return String(v);
}

/** PathElement.String(): `.name`, `[name="web"]`, `[=value]`, `[3]`. */
export function pathElementString(pe: PathElement): string {
  if ("field" in pe) return `.${pe.field}`;
  if ("key" in pe) return `[${pe.key.map(([n, v]) => `${n}=${valueString(v)}`).join(",")}]`;
  if ("value" in pe) return `[=${valueString(pe.value)}]`;
  return `[${pe.index}]`;
}

/** Path.String(), as conflict messages print it: `.spec.containers[name="web"].image`. */
export function pathString(p: Path): string {
  return p.map(pathElementString).join("");
}

function rank(v: unknown): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (Array.isArray(v)) return 3;
  if (isObject(v)) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const typeRank = (pe: PathElement) => ("field" in pe ? 0 : "key" in pe ? 1 : "value" in pe ? 2 : 3);

/** PathElement.Compare: fields < keys < values < indices, then by content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ta = typeRank(a);
  const tb = typeRank(b);
  if (ta !== tb) return ta - tb;
  if ("field" in a && "field" in b) return a.field < b.field ? -1 : a.field > b.field ? 1 : 0;
  if ("key" in a && "key" in b) {
    for (let i = 0; ; i++) {
      const x = a.key[i];
      const y = b.key[i];
      if (!x && !y) return 0;
      if (!x) return -1;
      if (!y) return 1;
      if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
      const c = compareValues(x[1], y[1]);
      if (c !== 0) return c;
    }
  }
  if ("value" in a && "value" in b) return compareValues(a.value, b.value);
  if ("index" in a && "index" in b) return a.index - b.index;
  return 0;
}

export function insertPath(set: FieldSet, path: Path): void {
  let s = set;
  for (let i = 0; i < path.length; i++) {
    const pe = path[i] as PathElement;
    const id = serializePathElement(pe);
    if (i === path.length - 1) {
      s.members.set(id, pe);
      return;
    }
    let child = s.children.get(id);
    if (!child) {
      child = { pe, set: emptySet() };
      s.children.set(id, child);
    }
    s = child.set;
  }
}

export function hasPath(set: FieldSet, path: Path): boolean {
  let s: FieldSet | undefined = set;
  for (let i = 0; i < path.length && s; i++) {
    const id = serializePathElement(path[i] as PathElement);
    if (i === path.length - 1) return s.members.has(id);
    s = s.children.get(id)?.set;
  }
  return false;
}

export function isEmptySet(set: FieldSet): boolean {
  if (set.members.size > 0) return false;
  for (const c of set.children.values()) if (!isEmptySet(c.set)) return false;
  return true;
}

/** The subset below one element (Set.WithPrefix). */
export function withPrefix(set: FieldSet, pe: PathElement): FieldSet {
  return set.children.get(serializePathElement(pe))?.set ?? emptySet();
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [id, pe] of a.members) out.members.set(id, pe);
  for (const [id, pe] of b.members) out.members.set(id, pe);
  for (const [id, c] of a.children) out.children.set(id, c);
  for (const [id, c] of b.children) {
    const mine = out.children.get(id);
    out.children.set(id, mine ? { pe: c.pe, set: union(mine.set, c.set) } : c);
  }
  return out;
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [id, pe] of a.members) if (!b.members.has(id)) out.members.set(id, pe);
  for (const [id, c] of a.children) {
    const other = b.children.get(id);
    const d = other ? difference(c.set, other.set) : c.set;
    if (!isEmptySet(d)) out.children.set(id, { pe: c.pe, set: d });
  }
  return out;
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [id, pe] of a.members) if (b.members.has(id)) out.members.set(id, pe);
  for (const [id, c] of a.children) {
    const other = b.children.get(id);
    if (!other) continue;
    const d = intersection(c.set, other.set);
    if (!isEmptySet(d)) out.children.set(id, { pe: c.pe, set: d });
  }
  return out;
}

/** Removes every path of `a` that is in `b` or lies below one of `b`'s members. */
export function recursiveDifference(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [id, pe] of a.members) if (!b.members.has(id)) out.members.set(id, pe);
  for (const [id, c] of a.children) {
    if (b.members.has(id)) continue;
    const other = b.children.get(id);
    const d = other ? recursiveDifference(c.set, other.set) : c.set;
    if (!isEmptySet(d)) out.children.set(id, { pe: c.pe, set: d });
  }
  return out;
}

function sortedEntries<T>(m: Map<string, T>, pe: (t: T) => PathElement): T[] {
  return [...m.values()].sort((x, y) => comparePathElements(pe(x), pe(y)));
}

/** Set.Iterate order: this level's members, then each child's paths, all sorted. */
export function setPaths(set: FieldSet, prefix: Path = []): Path[] {
  const out: Path[] = [];
  for (const pe of sortedEntries(set.members, (x) => x)) out.push([...prefix, pe]);
  for (const c of sortedEntries(set.children, (x) => x.pe)) out.push(...setPaths(c.set, [...prefix, c.pe]));
  return out;
}

/** Builds a set of plain field-name paths, e.g. fieldSetOf(["status"]) for a reset-fields filter. */
export function fieldSetOf(...paths: string[][]): FieldSet {
  const set = emptySet();
  for (const p of paths)
    insertPath(
      set,
      p.map((field) => ({ field })),
    );
  return set;
}

function emitContents(set: FieldSet, includeSelf: boolean): JsonObject {
  const out: JsonObject = {};
  if (includeSelf && !isEmptySet(set)) out["."] = {};
  const ids = new Set([...set.members.keys(), ...set.children.keys()]);
  const elements = [...ids].map((id) => ({
    id,
    pe: (set.members.get(id) ?? set.children.get(id)?.pe) as PathElement,
  }));
  elements.sort((x, y) => comparePathElements(x.pe, y.pe));
  for (const { id } of elements) {
    const child = set.children.get(id);
    if (!child) out[id] = {};
    else out[id] = emitContents(child.set, set.members.has(id));
  }
  return out;
}

/** Serializes a set to the fieldsV1 object stored in a ManagedFieldsEntry. */
export function toFieldsV1(set: FieldSet): JsonObject {
  return emitContents(set, false);
}

/** Parses a fieldsV1 object; throws on malformed keys. */
export function fromFieldsV1(v: unknown): FieldSet {
  if (!isObject(v)) throw new Error("expected an object");
  const set = emptySet();
  for (const [k, sub] of Object.entries(v)) {
    if (k === ".") continue;
    const pe = parsePathElement(k);
    const id = serializePathElement(pe);
    if (!isObject(sub)) throw new Error(`expected an object for ${k}`);
    if (Object.keys(sub).length === 0 || "." in sub) set.members.set(id, pe);
    const child = fromFieldsV1(sub);
    if (!isEmptySet(child)) set.children.set(id, { pe, set: child });
  }
  return set;
}
