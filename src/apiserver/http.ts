// Reading requests and writing responses the way kube-apiserver does: body size limit, JSON and
// YAML bodies, content negotiation (JSON, YAML, Table), gzip for large bodies, Status errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { parse as parseYaml, stringify as toYaml, YAMLParseError } from "yaml";
import {
  badRequest,
  isStatusError,
  requestEntityTooLarge,
  type StatusError,
  unsupportedMediaType,
} from "../api/errors.js";
import { decodeProtobufObject } from "../api/protobuf/decode.js";

/** kube-apiserver's --max-request-body-bytes default (3 MiB) */
export const maxRequestBodyBytes = 3 * 1024 * 1024;
/** responses larger than this are gzipped when the client accepts it, as kube-apiserver does */
const gzipThreshold = 128 * 1024;

export async function readBody(req: IncomingMessage, limit = maxRequestBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw requestEntityTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw requestEntityTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Decodes a JSON, YAML or Kubernetes-protobuf request body into a plain value. `into` is the kind
 * the URL addresses; kubectl 1.32+ sends typed creates (namespace, configmap, secret) as protobuf.
 */
export function decodeBody(body: Buffer, contentType: string | undefined, into?: string): unknown {
  const type = mediaType(contentType) || "application/json";
  if (type === "application/vnd.kubernetes.protobuf") {
    return decodeProtobufObject(body, into).object;
  }
  const text = body.toString("utf8");
  if (type === "application/json" || type.endsWith("+json")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  }
  if (type === "application/yaml" || type.endsWith("+yaml")) {
    try {
      return parseYaml(text, { strict: true, uniqueKeys: true });
    } catch (err) {
      const msg = err instanceof YAMLParseError ? err.message.split("\n")[0] : String(err);
      throw badRequest(`error converting YAML to JSON: yaml: ${msg}`);
    }
  }
  throw unsupportedMediaType(type);
}

export interface Negotiated {
  /** what to write: a plain object, or a Table, as JSON or YAML */
  format: "json" | "yaml";
  table: boolean;
  /** for Table: includeObject (None|Metadata|Object) */
  includeObject: "None" | "Metadata" | "Object";
}

/**
 * Picks the response form from Accept, in the client's order of preference. kubectl asks
 * `application/json;as=Table;v=v1;g=meta.k8s.io,…,application/json`; 1.32+ put protobuf first:
 * kite reads protobuf request bodies but answers in JSON, which every client accepts.
 */
export function negotiate(accept: string | undefined, query: URLSearchParams): Negotiated | undefined {
  const includeObject = (query.get("includeObject") as Negotiated["includeObject"] | null) ?? "Metadata";
  if (!accept) return { format: "json", table: false, includeObject };
  for (const part of accept.split(",")) {
    const [typeRaw, ...paramsRaw] = part.split(";");
    const type = typeRaw!.trim().toLowerCase();
    const params = new Map(
      paramsRaw.map((p) => {
        const [k, v] = p.split("=");
        return [k!.trim(), (v ?? "").trim()] as const;
      }),
    );
    const format =
      type === "application/json" || type === "*/*" || type === "application/*"
        ? "json"
        : type === "application/yaml"
          ? "yaml"
          : undefined;
    if (!format) continue;
    if (params.get("as") === "Table") {
      if (params.get("g") !== "meta.k8s.io" || (params.get("v") !== "v1" && params.get("v") !== "v1beta1"))
        continue;
      return { format, table: true, includeObject };
    }
    if (params.has("as")) continue; // PartialObjectMetadata(List) and others kite does not serve
    return { format, table: false, includeObject };
  }
  return undefined;
}

export function send(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  let payload = typeof body === "string" ? Buffer.from(body) : body;
  const h: Record<string, string | number> = { "Content-Type": contentType, ...headers };
  if (payload.length > gzipThreshold && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    payload = gzipSync(payload, { level: 1 });
    h["Content-Encoding"] = "gzip";
  }
  h["Content-Length"] = payload.length;
  res.writeHead(code, h);
  res.end(req.method === "HEAD" ? undefined : payload);
}

/** Writes a value as JSON (pre-serialized strings pass through) or YAML per negotiation. */
export function sendObject(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  obj: unknown,
  format: "json" | "yaml" = "json",
  headers: Record<string, string> = {},
): void {
  if (format === "yaml") {
    const value = typeof obj === "string" ? JSON.parse(obj) : obj;
    send(req, res, code, toYaml(value), "application/yaml", headers);
    return;
  }
  send(req, res, code, typeof obj === "string" ? obj : JSON.stringify(obj), "application/json", headers);
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendObject(req, res, err.code, err.toStatus());
}

export { isStatusError };
