// OpenAPI v2 (swagger 2.0) at /openapi/v2, as JSON and as gnostic's openapi.v2.Document protobuf.
// kubectl 1.27/1.28 fetch the protobuf for validation, `explain` and the strategic-merge-patch
// metadata of client-side apply; 1.29+ fall back to it when the v3 documents lack what they need.
// Field numbers are those of gnostic's openapiv2/OpenAPIv2.proto. Built once, on first use.

import { groupVersions } from "../registry.js";
import { definitions, type JsonSchema } from "./definitions.js";
import { openapiInfo } from "./openapi-v3.js";
import { type Operation, type Param, type PathItem, pathsOf } from "./operations.js";
import { type ProtoWriter, proto } from "./protobuf.js";

interface SwaggerDoc {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  definitions: Record<string, JsonSchema>;
  securityDefinitions: Record<string, unknown>;
  security: Record<string, string[]>[];
}

let items: PathItem[] | undefined;
function allPaths(): PathItem[] {
  items ??= groupVersions()
    .flatMap((gv) => pathsOf(gv))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return items;
}

const bearer = {
  BearerToken: {
    description: "Bearer Token authentication",
    in: "header",
    name: "authorization",
    type: "apiKey",
  },
};

let json: Buffer | undefined;
/** GET /openapi/v2 with Accept application/json: Content-Type application/json. */
export function openapiV2Json(): Buffer {
  json ??= Buffer.from(JSON.stringify(swagger()));
  return json;
}

let pb: Buffer | undefined;
/**
 * GET /openapi/v2 with Accept `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`:
 * Content-Type `application/com.github.proto-openapi.spec.v2.v1.0+protobuf` (a "." where the
 * Accept has "@": kubectl's mime parser rejects the "@").
 */
export function openapiV2Protobuf(): Buffer {
  pb ??= encodeDocument();
  return pb;
}

export const openapiV2ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

function swagger(): SwaggerDoc {
  const paths: SwaggerDoc["paths"] = {};
  for (const item of allPaths()) {
    const out: Record<string, unknown> = {};
    for (const op of item.operations) out[op.method] = operationJson(op);
    if (item.params.length) out.parameters = item.params.map(paramJson);
    paths[item.path] = out;
  }
  return {
    swagger: "2.0",
    info: openapiInfo,
    paths,
    definitions: definitions as Record<string, JsonSchema>,
    securityDefinitions: bearer,
    security: [{ BearerToken: [] }],
  };
}

function paramJson(p: Param): object {
  return {
    description: p.description,
    in: p.in,
    name: p.name,
    ...(p.required ? { required: true } : {}),
    type: p.type,
    uniqueItems: true,
  };
}

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

function operationJson(op: Operation): object {
  const parameters: object[] = [];
  if (op.body) parameters.push({ in: "body", name: "body", required: true, schema: ref(op.body) });
  parameters.push(...op.params.map(paramJson));
  const responses: Record<string, object> = {};
  for (const r of op.responses) {
    responses[r.code] = r.schema
      ? { description: r.description, schema: r.schema === "string" ? { type: "string" } : ref(r.schema) }
      : { description: r.description };
  }
  return {
    consumes: op.consumes,
    description: op.description,
    operationId: op.operationId,
    ...(parameters.length ? { parameters } : {}),
    produces: op.produces,
    responses,
    schemes: ["https"],
    tags: [op.tag],
    "x-kubernetes-action": op.action,
    ...(op.gvk ? { "x-kubernetes-group-version-kind": op.gvk } : {}),
  };
}

// ---- protobuf (gnostic openapi.v2) ----

/** NamedAny{name=1, value=2 Any{yaml=2}}; JSON is valid YAML, which is how gnostic reads it back. */
function namedAny(name: string, value: unknown): ProtoWriter {
  return proto()
    .string(1, name)
    .message(2, proto().string(2, `${JSON.stringify(value)}\n`));
}

function vendorExtensions(w: ProtoWriter, field: number, obj: object): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("x-")) w.message(field, namedAny(k, v));
  }
}

/** Schema: _ref=1 format=2 description=4 required=19 additional_properties=21 type=22 items=23 properties=25 vendor_extension=31 */
function schemaPb(s: JsonSchema): ProtoWriter {
  const w = proto().string(1, s.$ref).string(2, s.format).string(4, s.description).strings(19, s.required);
  if (s.additionalProperties) w.message(21, proto().message(1, schemaPb(s.additionalProperties)));
  if (s.type) w.message(22, proto().strings(1, [s.type]));
  if (s.items) w.message(23, proto().message(1, schemaPb(s.items)));
  if (s.properties) {
    const props = proto();
    for (const [name, p] of Object.entries(s.properties))
      props.message(1, proto().string(1, name).message(2, schemaPb(p)));
    w.message(25, props);
  }
  vendorExtensions(w, 31, s);
  return w;
}

/** ParametersItem{parameter=1 Parameter{body_parameter=1 | non_body_parameter=2}} */
function paramPb(p: Param): ProtoWriter {
  let nonBody: ProtoWriter;
  if (p.in === "query") {
    // QueryParameterSubSchema: required=1 in=2 description=3 name=4 type=6 unique_items=20
    const sub = proto().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    sub.string(6, p.type).bool(20, true);
    nonBody = proto().message(3, sub);
  } else {
    // PathParameterSubSchema: required=1 in=2 description=3 name=4 type=5 unique_items=19
    const sub = proto().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    sub.string(5, p.type).bool(19, true);
    nonBody = proto().message(4, sub);
  }
  return proto().message(1, proto().message(2, nonBody));
}

function bodyParamPb(def: string): ProtoWriter {
  // BodyParameter: name=2 in=3 required=4 schema=5
  const body = proto()
    .string(2, "body")
    .string(3, "body")
    .bool(4, true)
    .message(5, schemaPb(ref(def)));
  return proto().message(1, proto().message(1, body));
}

/** Operation: tags=1 description=3 operation_id=5 produces=6 consumes=7 parameters=8 responses=9 schemes=10 vendor_extension=13 */
function operationPb(op: Operation): ProtoWriter {
  const w = proto().strings(1, [op.tag]).string(3, op.description).string(5, op.operationId);
  w.strings(6, op.produces).strings(7, op.consumes);
  if (op.body) w.message(8, bodyParamPb(op.body));
  for (const p of op.params) w.message(8, paramPb(p));
  // Responses{response_code=1 NamedResponseValue{name=1 value=2 ResponseValue{response=1 Response{description=1 schema=2 SchemaItem{schema=1}}}}}
  const responses = proto();
  for (const r of op.responses) {
    const resp = proto().string(1, r.description);
    if (r.schema)
      resp.message(
        2,
        proto().message(1, schemaPb(r.schema === "string" ? { type: "string" } : ref(r.schema))),
      );
    responses.message(1, proto().string(1, r.code).message(2, proto().message(1, resp)));
  }
  w.message(9, responses).strings(10, ["https"]);
  w.message(13, namedAny("x-kubernetes-action", op.action));
  if (op.gvk) w.message(13, namedAny("x-kubernetes-group-version-kind", op.gvk));
  return w;
}

const methodField = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

/** Document: swagger=1 info=2 paths=8 definitions=9 security=12 security_definitions=13 */
function encodeDocument(): Buffer {
  const doc = proto()
    .string(1, "2.0")
    .message(2, proto().string(1, openapiInfo.title).string(2, openapiInfo.version));
  // Paths{path=2 NamedPathItem{name=1 value=2 PathItem{get=2 put=3 post=4 delete=5 patch=8 parameters=9}}}
  const paths = proto();
  for (const item of allPaths()) {
    const pi = proto();
    for (const op of item.operations) pi.message(methodField[op.method], operationPb(op));
    for (const p of item.params) pi.message(9, paramPb(p));
    paths.message(2, proto().string(1, item.path).message(2, pi));
  }
  doc.message(8, paths);
  // Definitions{additional_properties=1 NamedSchema{name=1 value=2}}
  const defs = proto();
  for (const [name, s] of Object.entries(definitions))
    defs.message(1, proto().string(1, name).message(2, schemaPb(s)));
  doc.message(9, defs);
  // security=12 SecurityRequirement{additional_properties=1 NamedStringArray{name=1 value=2 StringArray{}}}
  doc.message(12, proto().message(1, proto().string(1, "BearerToken").message(2, proto())));
  // security_definitions=13 SecurityDefinitions{additional_properties=1 NamedSecurityDefinitionsItem{name=1
  // value=2 SecurityDefinitionsItem{api_key_security=2 ApiKeySecurity{type=1 name=2 in=3 description=4}}}}
  const apiKey = proto()
    .string(1, "apiKey")
    .string(2, "authorization")
    .string(3, "header")
    .string(4, "Bearer Token authentication");
  doc.message(
    13,
    proto().message(1, proto().string(1, "BearerToken").message(2, proto().message(2, apiKey))),
  );
  return doc.finish();
}
