// An OCI distribution (registry v2) client for one endpoint: manifests and blobs, with the auth
// dance registries use — anonymous first, then whatever the 401's WWW-Authenticate asks for:
// a bearer token from the realm (with basic credentials if configured) or basic auth itself.

import type { Readable } from "node:stream";
import { errorMessage, ImageError } from "./errors.js";
import { MANIFEST_ACCEPT } from "./manifest.js";
import type { RegistryEndpoint } from "./registries.js";
import { type HttpResponse, readBody, type Transport } from "./transport.js";

export interface FetchedManifest {
  body: Buffer;
  mediaType: string | undefined;
}

export interface RegistryClient {
  readonly endpoint: RegistryEndpoint;
  getManifest(repo: string, reference: string, accept?: string): Promise<FetchedManifest>;
  /** The blob's body; the caller checks its digest and size. */
  getBlob(repo: string, digest: string): Promise<{ body: Readable; size: number | undefined }>;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[2] ?? ""); p; p = re.exec(m[2] ?? "")) {
    params[(p[1] ?? "").toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme: (m[1] ?? "").toLowerCase(), params };
}

function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  if (e.code === "ECONNREFUSED") return `connect: connection refused`;
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `no such host`;
  return errorMessage(err);
}

export function createRegistryClient(endpoint: RegistryEndpoint, transport: Transport): RegistryClient {
  // Authorization header per scope, remembered for the life of the client (one pull).
  const authorizations = new Map<string, string>();
  const auth = endpoint.config.auth;
  const basic =
    auth?.username !== undefined
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ""}`).toString("base64")}`
      : undefined;

  async function send(url: URL, scope: string, headers: Record<string, string>): Promise<HttpResponse> {
    const what = `GET ${url.href}`;
    const attempt = async (authz: string | undefined) => {
      try {
        return await transport.request(url, authz ? { ...headers, authorization: authz } : headers);
      } catch (err) {
        throw new ImageError("Unreachable", `failed to do request: ${what}: ${describeNetworkError(err)}`, {
          cause: err,
        });
      }
    };
    let res = await attempt(authorizations.get(scope));
    if (res.status !== 401) return res;
    res.body.resume();
    const challenge = parseChallenge(String(res.headers["www-authenticate"] ?? ""));
    let authz: string | undefined;
    if (challenge?.scheme === "bearer" && challenge.params.realm) {
      authz = `Bearer ${await fetchToken(challenge.params, scope)}`;
    } else if (challenge?.scheme === "basic" && basic) {
      authz = basic;
    } else {
      throw new ImageError(
        "Unauthorized",
        `${what}: 401 Unauthorized${basic ? "" : " (no credentials configured for " + endpoint.host + ")"}`,
      );
    }
    authorizations.set(scope, authz);
    res = await attempt(authz);
    if (res.status === 401) {
      res.body.resume();
      throw new ImageError("Unauthorized", `${what}: 401 Unauthorized: authentication failed`);
    }
    return res;
  }

  async function fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    const realm = new URL(params.realm ?? "");
    if (params.service) realm.searchParams.set("service", params.service);
    realm.searchParams.set("scope", params.scope || scope);
    const headers: Record<string, string> = {};
    if (basic) headers.authorization = basic;
    let res: HttpResponse;
    try {
      res = await transport.request(realm, headers);
    } catch (err) {
      throw new ImageError(
        "Unreachable",
        `failed to fetch token from ${realm.origin}: ${describeNetworkError(err)}`,
      );
    }
    const body = await readBody(res, 1 << 20);
    if (res.status === 401 || res.status === 403) {
      throw new ImageError(
        "Unauthorized",
        `failed to fetch anonymous token from ${realm.origin}${realm.pathname}: ${res.status} ${res.status === 401 ? "Unauthorized" : "Forbidden"}${basic ? ": wrong username or password" : ""}`,
      );
    }
    if (res.status !== 200) {
      throw new ImageError(
        "Unauthorized",
        `failed to fetch token from ${realm.origin}${realm.pathname}: ${res.status}`,
      );
    }
    let tok: unknown;
    try {
      tok = JSON.parse(body.toString("utf8"));
    } catch {
      throw new ImageError("Unauthorized", `token endpoint ${realm.origin} returned invalid JSON`);
    }
    const t = tok as { token?: unknown; access_token?: unknown };
    const token =
      typeof t.token === "string" ? t.token : typeof t.access_token === "string" ? t.access_token : "";
    if (!token) throw new ImageError("Unauthorized", `token endpoint ${realm.origin} returned no token`);
    return token;
  }

  async function failure(res: HttpResponse, what: string): Promise<ImageError> {
    const body = await readBody(res, 64 << 10).catch(() => Buffer.alloc(0));
    let detail = "";
    try {
      const doc = JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
      detail = (doc.errors ?? []).map((e) => e.message ?? e.code ?? "").join("; ");
    } catch {
      /* not a registry error body */
    }
    const code =
      res.status === 404
        ? "NotFound"
        : res.status === 401 || res.status === 403
          ? "Unauthorized"
          : "Unreachable";
    return new ImageError(code, `${what}: unexpected status ${res.status}${detail ? `: ${detail}` : ""}`);
  }

  return {
    endpoint,
    async getManifest(repo, reference, accept = MANIFEST_ACCEPT) {
      const path = endpoint.rewrite(repo);
      const url = new URL(`${path}/manifests/${reference}`, endpoint.url);
      const res = await send(url, `repository:${path}:pull`, { accept });
      if (res.status !== 200) throw await failure(res, `GET ${url.href}`);
      const body = await readBody(res);
      const ct = res.headers["content-type"];
      return { body, mediaType: typeof ct === "string" ? ct : undefined };
    },
    async getBlob(repo, digest) {
      const path = endpoint.rewrite(repo);
      const url = new URL(`${path}/blobs/${digest}`, endpoint.url);
      const res = await send(url, `repository:${path}:pull`, {});
      if (res.status !== 200) throw await failure(res, `GET ${url.href}`);
      const len = Number(res.headers["content-length"]);
      return { body: res.body, size: Number.isFinite(len) ? len : undefined };
    },
  };
}
