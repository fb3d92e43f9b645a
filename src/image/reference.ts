// Image references normalised as Docker's distribution/reference and the kubelet do:
// `nginx:alpine` is `docker.io/library/nginx:alpine`, a missing tag is `latest`, the first
// component is a registry host only if it has a dot or a port or is `localhost`.

import { ImageError } from "./errors.js";

export interface ImageReference {
  /** Registry host, with port if any: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/nginx`. */
  path: string;
  tag?: string;
  /** `sha256:<64 hex>` when the reference pins a digest. */
  digest?: string;
}

export const DOCKER_HUB = "docker.io";
const LEGACY_HUB = "index.docker.io";

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const domainPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

function invalid(ref: string, why = "invalid reference format"): ImageError {
  return new ImageError("InvalidReference", `couldn't parse image reference "${ref}": ${why}`);
}

/** Parses and normalises a reference; throws ImageError("InvalidReference") as Docker would refuse it. */
export function parseReference(ref: string): ImageReference {
  if (ref === "" || ref.length > 4096 || /\s/.test(ref)) throw invalid(ref);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw invalid(ref, "invalid digest format");
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(ref);
  }
  let domain = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  if (
    slash >= 0 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())
  ) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!domainPattern.test(domain)) throw invalid(ref);
  }
  if (domain === LEGACY_HUB) domain = DOCKER_HUB;
  if (path !== path.toLowerCase()) throw invalid(ref, "repository name must be lowercase");
  if (path === "" || !path.split("/").every((c) => pathComponent.test(c))) throw invalid(ref);
  if (domain === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  if (tag === undefined && digest === undefined) tag = "latest";
  const out: ImageReference = { domain, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** `docker.io/library/nginx` */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified reference: `docker.io/library/nginx:alpine`, `host/x@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The normalised form of a user's reference string, e.g. for map keys and messages. */
export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/** Docker's short form, as `docker images` prints it: `nginx:alpine`, `localhost:5000/x:1`. */
export function familiarName(ref: ImageReference): string {
  let repo = repositoryName(ref);
  if (ref.domain === DOCKER_HUB) {
    repo = ref.path.startsWith("library/") && ref.path.split("/").length === 2 ? ref.path.slice(8) : ref.path;
  }
  let s = repo;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}
