// The API schema: OpenAPI definitions generated from kubernetes-types and client-node
// (scripts/gen-schema.mjs), the SchemaNode view used by strict validation and patching, and the
// OpenAPI v2/v3 documents kube-apiserver serves. Imports nothing of kite outside src/api.
export { definitionFor, definitions, type GroupVersionKind, type JsonSchema } from "./definitions.js";
export { schemaLookup, schemaNodeOf } from "./node.js";
export { openapiV2Json, openapiV2Protobuf, openapiV2ProtobufContentType } from "./openapi-v2.js";
export { type OpenAPIDocument, openapiV3Document, openapiV3Root } from "./openapi-v3.js";
export {
  duplicateFields,
  strictDecodingError,
  strictErrors,
  strictWarnings,
  unknownFields,
  unknownFieldsAt,
} from "./strict.js";
