// OpenAPI v3 as kube-apiserver serves it: a root (/openapi/v3) listing one document per group
// version, each at /openapi/v3/<path>?hash=<HASH>, the hash being the upper-case hex SHA-512 of the
// document (kube's handler3). kubectl 1.29+ reads these for validation (it needs the Pod PATCH
// operation with a `fieldValidation` parameter) and for `explain`. Documents are built once, on
// first use, and kept.
import { createHash } from "node:crypto";
import { type GroupVersion, groupVersions } from "../registry.js";
import { definitions, type JsonSchema, refName } from "./definitions.js";
import { type Operation, type Param, type PathItem, pathsOf } from "./operations.js";

export const openapiInfo = { title: "Kubernetes", version: "v1.30.0" };

export interface OpenAPIDocument {
  body: Buffer;
  /** quoted, as sent in the ETag header */
  etag: string;
  hash: string;
}

let documents: Map<string, OpenAPIDocument> | undefined;
let root: { paths: Record<string, { serverRelativeURL: string }> } | undefined;

/** The body of GET /openapi/v3 (application/json). */
export function openapiV3Root(): { paths: Record<string, { serverRelativeURL: string }> } {
  if (!root) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, doc] of allDocuments()) {
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    }
    root = { paths };
  }
  return root;
}

/**
 * The document at GET /openapi/v3/<path> ("api/v1", "apis/storage.k8s.io/v1", "api", "apis",
 * "apis/storage.k8s.io"), or undefined (404). Serve with Content-Type application/json and the ETag;
 * kube also answers 304 to If-None-Match and marks hashed URLs `Cache-Control: public, immutable`.
 */
export function openapiV3Document(path: string): OpenAPIDocument | undefined {
  return allDocuments().get(path.replace(/^\/+|\/+$/g, ""));
}

function allDocuments(): Map<string, OpenAPIDocument> {
  if (!documents) {
    documents = new Map();
    const gvs = groupVersions();
    documents.set(
      "api",
      discoveryDoc("/api/", "getCoreAPIVersions", "get available API versions", "core", "APIVersions"),
    );
    documents.set(
      "apis",
      discoveryDoc("/apis/", "getAPIVersions", "get available API versions", "apis", "APIGroupList"),
    );
    for (const gv of gvs) {
      if (gv.group && !documents.has(`apis/${gv.group}`)) {
        const g = gv.group.split(".")[0] as string;
        documents.set(
          `apis/${gv.group}`,
          discoveryDoc(
            `/apis/${gv.group}/`,
            `get${g.charAt(0).toUpperCase()}${g.slice(1)}APIGroup`,
            "get information of a group",
            g,
            "APIGroup",
          ),
        );
      }
      documents.set(gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`, groupVersionDoc(gv));
    }
  }
  return documents;
}

function finish(doc: object): OpenAPIDocument {
  const body = Buffer.from(JSON.stringify(doc));
  const hash = createHash("sha512").update(body).digest("hex").toUpperCase();
  return { body, hash, etag: `"${hash}"` };
}

const security = [{ BearerToken: [] }];
const securitySchemes = {
  BearerToken: {
    description: "Bearer Token authentication",
    in: "header",
    name: "authorization",
    type: "apiKey",
  },
};

function discoveryDoc(
  path: string,
  operationId: string,
  description: string,
  tag: string,
  kind: string,
): OpenAPIDocument {
  const item: PathItem = {
    path,
    params: [],
    operations: [
      {
        method: "get",
        operationId,
        description,
        action: "",
        params: [],
        consumes: ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
        produces: ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
        responses: [
          { code: "200", description: "OK", schema: `io.k8s.apimachinery.pkg.apis.meta.v1.${kind}` },
          { code: "401", description: "Unauthorized" },
        ],
        tag,
      },
    ],
  };
  return document([item]);
}

function groupVersionDoc(gv: GroupVersion): OpenAPIDocument {
  return document(pathsOf(gv));
}

function document(items: PathItem[]): OpenAPIDocument {
  const paths: Record<string, object> = {};
  const used = new Set<string>();
  for (const item of items) {
    const out: Record<string, unknown> = {};
    if (item.params.length) out.parameters = item.params.map(param);
    for (const op of item.operations) out[op.method] = operation(op, used);
    paths[item.path] = out;
  }
  const schemas: Record<string, unknown> = {};
  for (const name of closure(used))
    schemas[name] =
      v3OneOf[name]?.(definitions[name] as JsonSchema) ?? schemaV3(definitions[name] as JsonSchema);
  return finish({
    components: { schemas, securitySchemes },
    info: openapiInfo,
    openapi: "3.0.0",
    paths,
    security,
  });
}

function param(p: Param): object {
  return {
    description: p.description,
    in: p.in,
    name: p.name,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function operation(op: Operation, used: Set<string>): object {
  const ref = (name: string) => {
    used.add(name);
    return { $ref: `#/components/schemas/${name}` };
  };
  const responses: Record<string, object> = {};
  for (const r of op.responses) {
    if (!r.schema) {
      responses[r.code] = { description: r.description };
      continue;
    }
    const schema = r.schema === "string" ? { type: "string" } : ref(r.schema);
    responses[r.code] = {
      content: Object.fromEntries(op.produces.map((t) => [t, { schema }])),
      description: r.description,
    };
  }
  const out: Record<string, unknown> = {
    description: op.description,
    operationId: op.operationId,
  };
  if (op.params.length) out.parameters = op.params.map(param);
  if (op.body) {
    const schema = ref(op.body);
    out.requestBody = {
      content: Object.fromEntries(op.consumes.map((t) => [t, { schema }])),
      required: true,
    };
  }
  out.responses = responses;
  out.tags = [op.tag];
  out["x-kubernetes-action"] = op.action;
  if (op.gvk) out["x-kubernetes-group-version-kind"] = op.gvk;
  return out;
}

/**
 * v3 describes the two string-or-number scalars with oneOf and no type (kube-openapi's
 * OpenAPIV3OneOfTypes), which is why kubectl explain prints `<Quantity>` and `<IntOrString>`.
 */
const v3OneOf: Record<string, (s: JsonSchema) => object> = {
  "io.k8s.apimachinery.pkg.api.resource.Quantity": (s) => ({
    description: s.description,
    oneOf: [{ type: "string" }, { type: "number" }],
  }),
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": (s) => ({
    description: s.description,
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
  }),
};

/** Definition names reachable from `start` through $ref. */
export function closure(start: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const def = definitions[name];
    if (!def) return;
    seen.add(name);
    refsOf(def, visit);
  };
  for (const n of start) visit(n);
  return [...seen].sort();
}

function refsOf(s: JsonSchema, visit: (name: string) => void): void {
  if (s.$ref) visit(refName(s.$ref));
  if (s.items) refsOf(s.items, visit);
  if (s.additionalProperties) refsOf(s.additionalProperties, visit);
  for (const p of Object.values(s.properties ?? {})) refsOf(p, visit);
}

/** kube's v3 form: refs point into components, and a ref with siblings is wrapped in allOf. */
function schemaV3(s: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$ref") continue;
    if (k === "items" || k === "additionalProperties") out[k] = schemaV3(v as JsonSchema);
    else if (k === "properties") {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, JsonSchema>).map(([n, p]) => [n, schemaV3(p)]),
      );
    } else out[k] = v;
  }
  if (s.$ref) {
    const ref = { $ref: `#/components/schemas/${refName(s.$ref)}` };
    if (Object.keys(out).length === 0) return ref;
    return { allOf: [ref], ...out };
  }
  return out;
}
