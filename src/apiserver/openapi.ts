// Serves the OpenAPI documents built in src/api/schema. kubectl 1.27/1.28 read the v2 protobuf
// (Content-Type without "@", or they fail to parse it: KUBECTL-FACTS §2); 1.29+ read v3.
import { openapiV2Json, openapiV2Protobuf } from "../api/schema/openapi-v2.js";
import { openapiV3Document, openapiV3Root } from "../api/schema/openapi-v3.js";
import type { OpenApiProvider } from "./server.js";

const protobufType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

export function openapiProvider(): OpenApiProvider {
  return {
    v2(accept) {
      const wantsProtobuf = (accept ?? "").includes("protobuf");
      return wantsProtobuf
        ? { body: openapiV2Protobuf(), contentType: protobufType }
        : { body: openapiV2Json(), contentType: "application/json" };
    },
    v3Root: openapiV3Root,
    v3Document(path) {
      const doc = openapiV3Document(path);
      return doc ? { body: doc.body, etag: doc.etag } : undefined;
    },
  };
}
