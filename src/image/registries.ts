// Registry configuration in k3s's registries.yaml format, so a file written for k3s works here:
//
//   mirrors:
//     docker.io:
//       endpoint: ["http://127.0.0.1:5000", "https://mirror.example.com"]
//       rewrite: { "^rancher/(.*)": "mirror/rancher/$1" }
//   configs:
//     "mirror.example.com":
//       auth: { username: u, password: p }      # or auth: base64(u:p), or identitytoken
//       tls: { ca_file: /ca.pem, cert_file: ..., key_file: ..., insecure_skip_verify: true }
//
// As in k3s (and containerd's hosts.toml), a registry's mirror endpoints are tried in order and the
// registry's own default endpoint last; a "*" mirror applies to registries without their own entry.

import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { DOCKER_HUB } from "./reference.js";

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, sent to the token endpoint as containerd does. */
  identityToken?: string;
}

export interface RegistryTLS {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify?: boolean;
}

export interface RegistryHostConfig {
  auth?: RegistryAuth;
  tls?: RegistryTLS;
}

export interface RegistryMirror {
  endpoints: string[];
  rewrites: { pattern: RegExp; replacement: string }[];
}

export interface RegistriesConfig {
  mirrors: Map<string, RegistryMirror>;
  configs: Map<string, RegistryHostConfig>;
}

/** One place to fetch a registry's content from, in the order they are tried. */
export interface RegistryEndpoint {
  /** Base URL ending in `/v2/`. */
  url: URL;
  /** `host[:port]` of the endpoint, the key of its `configs` entry. */
  host: string;
  mirror: boolean;
  config: RegistryHostConfig;
  /** Maps the image's repository path to the one on this endpoint (k3s `rewrite`). */
  rewrite(path: string): string;
}

export function emptyRegistriesConfig(): RegistriesConfig {
  return { mirrors: new Map(), configs: new Map() };
}

export class RegistriesConfigError extends Error {
  constructor(file: string, why: string) {
    super(`invalid registries file ${file}: ${why}`);
    this.name = "RegistriesConfigError";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optString(v: unknown, where: string, file: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new RegistriesConfigError(file, `${where} must be a string`);
  return v;
}

/** Parses registries.yaml text; `file` only names the source in errors. */
export function parseRegistriesConfig(text: string, file = "registries.yaml"): RegistriesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RegistriesConfigError(file, (err as Error).message);
  }
  const cfg = emptyRegistriesConfig();
  if (doc === null || doc === undefined) return cfg;
  if (!isRecord(doc)) throw new RegistriesConfigError(file, "top level must be a mapping");
  const mirrors = doc.mirrors ?? {};
  if (!isRecord(mirrors)) throw new RegistriesConfigError(file, "mirrors must be a mapping");
  for (const [name, m] of Object.entries(mirrors)) {
    if (!isRecord(m)) throw new RegistriesConfigError(file, `mirrors.${name} must be a mapping`);
    const ep = m.endpoint ?? [];
    if (!Array.isArray(ep) || !ep.every((e) => typeof e === "string")) {
      throw new RegistriesConfigError(file, `mirrors.${name}.endpoint must be a list of URLs`);
    }
    for (const e of ep) {
      try {
        endpointBase(e);
      } catch {
        throw new RegistriesConfigError(file, `mirrors.${name}.endpoint: invalid URL "${e}"`);
      }
    }
    const rewrites: RegistryMirror["rewrites"] = [];
    if (m.rewrite !== undefined) {
      if (!isRecord(m.rewrite))
        throw new RegistriesConfigError(file, `mirrors.${name}.rewrite must be a mapping`);
      for (const [pattern, replacement] of Object.entries(m.rewrite)) {
        if (typeof replacement !== "string") {
          throw new RegistriesConfigError(file, `mirrors.${name}.rewrite values must be strings`);
        }
        try {
          rewrites.push({ pattern: new RegExp(pattern), replacement });
        } catch {
          throw new RegistriesConfigError(file, `mirrors.${name}.rewrite: invalid pattern "${pattern}"`);
        }
      }
    }
    cfg.mirrors.set(name === "index.docker.io" ? DOCKER_HUB : name, { endpoints: ep as string[], rewrites });
  }
  const configs = doc.configs ?? {};
  if (!isRecord(configs)) throw new RegistriesConfigError(file, "configs must be a mapping");
  for (const [host, c] of Object.entries(configs)) {
    if (!isRecord(c)) throw new RegistriesConfigError(file, `configs.${host} must be a mapping`);
    const hc: RegistryHostConfig = {};
    if (c.auth !== undefined && c.auth !== null) {
      if (!isRecord(c.auth)) throw new RegistriesConfigError(file, `configs.${host}.auth must be a mapping`);
      const a = c.auth;
      const auth: RegistryAuth = {};
      const username = optString(a.username, `configs.${host}.auth.username`, file);
      const password = optString(a.password, `configs.${host}.auth.password`, file);
      const encoded = optString(a.auth, `configs.${host}.auth.auth`, file);
      const token = optString(a.identitytoken, `configs.${host}.auth.identitytoken`, file);
      if (username !== undefined) auth.username = username;
      if (password !== undefined) auth.password = password;
      if (encoded !== undefined) {
        // Docker's config.json form: base64("user:password").
        const plain = Buffer.from(encoded, "base64").toString("utf8");
        const colon = plain.indexOf(":");
        if (colon < 0)
          throw new RegistriesConfigError(file, `configs.${host}.auth.auth is not base64 of user:password`);
        auth.username = plain.slice(0, colon);
        auth.password = plain.slice(colon + 1);
      }
      if (token !== undefined) auth.identityToken = token;
      hc.auth = auth;
    }
    if (c.tls !== undefined && c.tls !== null) {
      if (!isRecord(c.tls)) throw new RegistriesConfigError(file, `configs.${host}.tls must be a mapping`);
      const t = c.tls;
      const tls: RegistryTLS = {};
      const caFile = optString(t.ca_file, `configs.${host}.tls.ca_file`, file);
      const certFile = optString(t.cert_file, `configs.${host}.tls.cert_file`, file);
      const keyFile = optString(t.key_file, `configs.${host}.tls.key_file`, file);
      if (caFile !== undefined) tls.caFile = caFile;
      if (certFile !== undefined) tls.certFile = certFile;
      if (keyFile !== undefined) tls.keyFile = keyFile;
      if (t.insecure_skip_verify !== undefined) {
        if (typeof t.insecure_skip_verify !== "boolean") {
          throw new RegistriesConfigError(
            file,
            `configs.${host}.tls.insecure_skip_verify must be true or false`,
          );
        }
        tls.insecureSkipVerify = t.insecure_skip_verify;
      }
      hc.tls = tls;
    }
    cfg.configs.set(host, hc);
  }
  return cfg;
}

/** Reads registries.yaml; a missing file means no mirrors and no credentials, as in k3s. */
export async function loadRegistriesConfig(file: string): Promise<RegistriesConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyRegistriesConfig();
    throw err;
  }
  return parseRegistriesConfig(text, file);
}

/** `https://host/` or `http://host:5000/prefix` → `…/v2/` (a path already ending in /v2 is kept). */
function endpointBase(endpoint: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  const u = new URL(withScheme);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`unsupported scheme ${u.protocol}`);
  let p = u.pathname.replace(/\/+$/, "");
  if (!p.endsWith("/v2")) p += "/v2";
  u.pathname = `${p}/`;
  u.search = "";
  u.hash = "";
  return u;
}

function defaultEndpoint(domain: string): string {
  // Docker Hub's API lives on registry-1.docker.io, as containerd's resolver knows.
  return domain === DOCKER_HUB ? "https://registry-1.docker.io" : `https://${domain}`;
}

function hostConfig(cfg: RegistriesConfig, host: string, domain: string): RegistryHostConfig {
  return (
    cfg.configs.get(host) ??
    (host === "registry-1.docker.io" ? cfg.configs.get(domain) : undefined) ??
    cfg.configs.get("*") ??
    {}
  );
}

/** The endpoints to try for a registry `domain`, in order: its mirrors, then its default. */
export function registryEndpoints(cfg: RegistriesConfig, domain: string): RegistryEndpoint[] {
  const mirror = cfg.mirrors.get(domain) ?? cfg.mirrors.get("*");
  const out: RegistryEndpoint[] = [];
  const seen = new Set<string>();
  const add = (endpoint: string, isMirror: boolean, rewrites: RegistryMirror["rewrites"]) => {
    const url = endpointBase(endpoint);
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const rewrite = (path: string) => {
      for (const r of rewrites) if (r.pattern.test(path)) return path.replace(r.pattern, r.replacement);
      return path;
    };
    out.push({ url, host: url.host, mirror: isMirror, config: hostConfig(cfg, url.host, domain), rewrite });
  };
  for (const e of mirror?.endpoints ?? []) add(e, true, mirror?.rewrites ?? []);
  // A registry listed as its own mirror (the k3s way to reach a plain-http registry) is not tried
  // again over https.
  const def = endpointBase(defaultEndpoint(domain));
  if (!out.some((e) => e.host === def.host)) add(defaultEndpoint(domain), false, []);
  return out;
}
