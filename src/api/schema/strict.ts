// Server-side field validation (fieldValidation=Strict|Warn|Ignore), as kube-apiserver does it while
// decoding a request body: fields the type does not declare and keys given twice are "strict
// decoding errors". The paths and texts are those of sigs.k8s.io/json and apimachinery's
// runtime.strictDecodingError, so kubectl shows what it shows against a real cluster.
import type { SchemaNode } from "../schema-node.js";
import { schemaLookup } from "./node.js";

/**
 * Paths of fields in `obj` that its type does not declare, in document order, e.g.
 * `spec.containers[0].foo`, `metadata.labelz`. Maps (labels, data) accept any key; untyped
 * fields (RawExtension, managedFields[].fieldsV1) are not looked into. Unknown kinds give [].
 */
export function unknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  const root = schemaLookup(apiVersion, kind);
  const out: string[] = [];
  if (root) walk(root, obj, "", out);
  return out;
}

/** Unknown fields below an already resolved node (subresources, nested documents). */
export function unknownFieldsAt(node: SchemaNode, obj: unknown, prefix = ""): string[] {
  const out: string[] = [];
  walk(node, obj, prefix, out);
  return out;
}

// kube's decoder stops collecting after 100 strict errors.
const maxErrors = 100;

function walk(node: SchemaNode, value: unknown, path: string, out: string[]): void {
  if (value === null || typeof value !== "object" || out.length >= maxErrors) return;
  switch (node.kind) {
    case "object": {
      if (Array.isArray(value)) return; // a type error, reported by the decoder, not here
      for (const [key, v] of Object.entries(value)) {
        const p = path ? `${path}.${key}` : key;
        const child = node.field?.(key);
        if (!child) {
          if (out.length < maxErrors) out.push(p);
          continue;
        }
        walk(child, v, p, out);
      }
      return;
    }
    case "map": {
      if (Array.isArray(value)) return;
      const elem = node.elem?.();
      if (!elem) return;
      for (const [key, v] of Object.entries(value)) walk(elem, v, path ? `${path}.${key}` : key, out);
      return;
    }
    case "array": {
      if (!Array.isArray(value)) return;
      const elem = node.elem?.();
      if (!elem) return;
      value.forEach((v, i) => {
        walk(elem, v, `${path}[${i}]`, out);
      });
      return;
    }
    default:
      return;
  }
}

/**
 * Paths of object keys that appear twice in a JSON text (`metadata.name`, `spec.containers[0].image`).
 * JSON.parse keeps the last value silently; kube reports `duplicate field "<path>"`.
 * Returns [] for text that is not valid JSON (the parser reports that).
 */
export function duplicateFields(json: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = json.length;
  const ws = () => {
    while (i < n) {
      const c = json.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string | undefined => {
    // i at the opening quote
    const start = ++i;
    let escaped = false;
    while (i < n) {
      const c = json[i];
      if (c === "\\") {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === '"') break;
      i++;
    }
    if (i >= n) return undefined;
    const raw = json.slice(start, i);
    i++;
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return undefined;
    }
  };
  const value = (path: string, depth: number): boolean => {
    if (depth > 1000) return false;
    ws();
    const c = json[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      ws();
      if (json[i] === "}") {
        i++;
        return true;
      }
      for (;;) {
        ws();
        if (json[i] !== '"') return false;
        const key = str();
        if (key === undefined) return false;
        const p = path ? `${path}.${key}` : key;
        if (seen.has(key)) {
          if (out.length < maxErrors && !out.includes(p)) out.push(p);
        } else seen.add(key);
        ws();
        if (json[i] !== ":") return false;
        i++;
        if (!value(p, depth + 1)) return false;
        ws();
        if (json[i] === ",") {
          i++;
          continue;
        }
        if (json[i] === "}") {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (json[i] === "]") {
        i++;
        return true;
      }
      for (let idx = 0; ; idx++) {
        if (!value(`${path}[${idx}]`, depth + 1)) return false;
        ws();
        if (json[i] === ",") {
          i++;
          continue;
        }
        if (json[i] === "]") {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === '"') return str() !== undefined;
    // number, true, false, null
    const start = i;
    while (i < n && !",}] \n\r\t".includes(json[i] as string)) i++;
    return i > start;
  };
  if (!value("", 0)) return [];
  return out;
}

/** The individual strict decoding errors, duplicates first, as kube words each one. */
export function strictErrors(unknown: readonly string[], duplicates: readonly string[] = []): string[] {
  const msgs = [
    ...duplicates.map((p) => `duplicate field ${JSON.stringify(p)}`),
    ...unknown.map((p) => `unknown field ${JSON.stringify(p)}`),
  ];
  return [...new Set(msgs)].slice(0, maxErrors);
}

/**
 * The message of the 400 BadRequest that fieldValidation=Strict gives, e.g.
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 * `version` is the version part of the body's apiVersion ("v1" for events.k8s.io/v1 too).
 */
export function strictDecodingError(
  kind: string,
  unknown: readonly string[],
  duplicates: readonly string[] = [],
  version = "v1",
): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${strictErrors(unknown, duplicates).join(", ")}`;
}

/** The `Warning:` header texts that fieldValidation=Warn gives, one per error. */
export function strictWarnings(unknown: readonly string[], duplicates: readonly string[] = []): string[] {
  return strictErrors(unknown, duplicates);
}
