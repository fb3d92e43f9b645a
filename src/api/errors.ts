// Typed API errors. Inside kite they are thrown as StatusError; only the API edge turns them into
// a Kubernetes `Status` body. The constructors reproduce kube-apiserver's messages verbatim
// (k8s.io/apimachinery/pkg/api/errors), because kubectl prints `Error from server (<reason>): <message>`.
import type { Status, StatusCause } from "kubernetes-types/meta/v1.js";

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "Expired"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "StatusError";
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** The resource a message is about, as apimachinery formats it: "pods", or "storageclasses.storage.k8s.io". */
export interface QualifiedResource {
  group: string;
  resource: string;
}

export function qualifiedName(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function notFound(r: QualifiedResource, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualifiedName(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function alreadyExists(r: QualifiedResource, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualifiedName(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function conflict(r: QualifiedResource, name: string, why: string): StatusError {
  return new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": ${why}`,
    {
      name,
      group: r.group,
      kind: r.resource,
    },
  );
}

/** The optimistic-concurrency failure every client retries on. */
export function staleResourceVersion(r: QualifiedResource, name: string): StatusError {
  return conflict(
    r,
    name,
    "the object has been modified; please apply your changes to the latest version and try again",
  );
}

export function gone(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}

export function tooOldResourceVersion(requested: number | string, oldest: number | string): StatusError {
  return new StatusError(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, "BadRequest", message, causes ? { causes } : undefined);
}

export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

export function forbidden(r: QualifiedResource, name: string, why: string): StatusError {
  const what = name ? `${qualifiedName(r)} "${name}"` : qualifiedName(r);
  return new StatusError(403, "Forbidden", `${what} is forbidden: ${why}`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

export function methodNotAllowed(action: string, r: QualifiedResource): StatusError {
  return new StatusError(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource`,
    { group: r.group, kind: r.resource, causes: [{ message: action }] },
  );
}

export function notAcceptable(message: string): StatusError {
  return new StatusError(406, "NotAcceptable", message);
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    { causes: [{ message: `unsupported media type ${JSON.stringify(contentType)}` }] },
  );
}

export function requestEntityTooLarge(limit: number): StatusError {
  return new StatusError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, "InternalError", `Internal error occurred: ${msg}`, {
    causes: [{ message: msg }],
  });
}

export function notFoundPath(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource");
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, "ServiceUnavailable", message);
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}
