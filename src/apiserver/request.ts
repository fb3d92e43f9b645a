// What a request is about, kube-apiserver's RequestInfo: API prefix, group/version, namespace,
// resource, name, subresource and verb, parsed from the URL path and method.
import { findResource, type ResourceInfo } from "../api/registry.js";

export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection"
  | "connect";

export interface ResourceRequest {
  kind: "resource";
  resource: ResourceInfo;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: Verb;
}

export interface OtherRequest {
  kind: "other";
  /** path segments after the API prefix, e.g. ["api"], ["apis", "storage.k8s.io", "v1"] */
  parts: string[];
}

/** Unknown group/version/resource: kube answers 404 "the server could not find the requested resource". */
export interface UnknownRequest {
  kind: "unknown";
}

export type RequestInfo = ResourceRequest | OtherRequest | UnknownRequest;

export function parseRequest(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === "api") {
    if (parts.length < 3) return { kind: "other", parts };
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length < 4) return { kind: "other", parts };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: "other", parts };
  }

  // The deprecated /watch/ prefix: GET /api/v1/watch/namespaces/default/pods
  let watchPrefix = false;
  if (rest[0] === "watch") {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}… (but /namespaces/{name} and /namespaces/{name}/status are the namespace itself)
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const sub = findResource(group, version, rest[2]!);
    if (sub?.namespaced || !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const resource = findResource(group, version, rest[0]!);
  if (!resource) return { kind: "unknown" };
  if (resource.namespaced === false && namespace !== undefined) return { kind: "unknown" };
  const name = rest[1];
  const subresource = rest[2];
  if (rest.length > 3) return { kind: "unknown" };

  let verb: Verb;
  switch (method) {
    case "GET":
    case "HEAD":
      if (subresource && ["log", "exec", "attach", "portforward"].includes(subresource))
        verb = subresource === "log" ? "get" : "connect";
      else if (watchPrefix || query.get("watch") === "true" || query.get("watch") === "1") verb = "watch";
      else verb = name ? "get" : "list";
      break;
    case "POST":
      verb = subresource && ["exec", "attach", "portforward"].includes(subresource) ? "connect" : "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name ? "delete" : "deletecollection";
      break;
    default:
      return { kind: "unknown" };
  }
  return { kind: "resource", resource, group, version, namespace, name, subresource, verb };
}
