// A registry-v2 server of a few dozen lines for the cases Debian's docker-registry cannot be made
// to produce: a blob whose bytes do not match its digest, a bearer-token challenge, a manifest
// list, and request counting. It serves manifests and blobs from the test OCI layout.

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface TinyRegistryOptions {
  layout: string;
  /** repository:tag -> manifest digest in the layout. */
  tags: Record<string, string>;
  /** Blobs served with their last byte flipped. */
  corrupt?: Set<string>;
  /** Require a bearer token issued at /token for these basic credentials. */
  auth?: { username: string; password: string };
  /** repository:tag -> serve an OCI index with an arm64 entry first and the real manifest as amd64. */
  indexFor?: Set<string>;
}

export interface TinyRegistry {
  host: string;
  /** GET /v2/.../blobs/<digest> requests served with 200. */
  blobGets: string[];
  close(): Promise<void>;
}

const TOKEN = "tiny-registry-token";

export async function startTinyRegistry(opts: TinyRegistryOptions): Promise<TinyRegistry> {
  const blobGets: string[] = [];
  const blob = (digest: string) => fs.readFileSync(join(opts.layout, "blobs", digest.replace(":", "/")));
  let host = "";
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (url.pathname === "/token") {
      const want = `Basic ${Buffer.from(`${opts.auth?.username}:${opts.auth?.password}`).toString("base64")}`;
      if (req.headers.authorization !== want) {
        res
          .writeHead(401, { "content-type": "application/json" })
          .end('{"details":"incorrect username or password"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    if (opts.auth && req.headers.authorization !== `Bearer ${TOKEN}`) {
      const m = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname);
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${host}/token",service="tiny"${m ? `,scope="repository:${m[1]}:pull"` : ""}`,
          "content-type": "application/json",
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (url.pathname === "/v2/") {
      res.writeHead(200).end("{}");
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    const notFound = (code: string) =>
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code, message: `${code.toLowerCase().replace("_", " ")}` }] }));
    if (kind === "manifests") {
      const key = `${repo}:${ref}`;
      const digest = ref.startsWith("sha256:") ? ref : opts.tags[key];
      if (!digest || !fs.existsSync(join(opts.layout, "blobs", digest.replace(":", "/"))))
        return notFound("MANIFEST_UNKNOWN");
      if (opts.indexFor?.has(key)) {
        const body = blob(digest);
        const index = {
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: `sha256:${"0".repeat(64)}`,
              size: 1,
              platform: { os: "linux", architecture: "arm64", variant: "v8" },
            },
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest,
              size: body.length,
              platform: { os: "linux", architecture: "amd64" },
            },
          ],
        };
        res.writeHead(200, { "content-type": index.mediaType }).end(JSON.stringify(index));
        return;
      }
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(blob(digest));
      return;
    }
    let data: Buffer;
    try {
      data = blob(ref);
    } catch {
      return notFound("BLOB_UNKNOWN");
    }
    if (opts.corrupt?.has(ref)) {
      data = Buffer.from(data);
      data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff;
    }
    blobGets.push(ref);
    res
      .writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length })
      .end(data);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    blobGets,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The layout's tag -> manifest digest (from index.json ref.name annotations). */
export function layoutTags(layout: string): Record<string, string> {
  const index = JSON.parse(fs.readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const out: Record<string, string> = {};
  for (const m of index.manifests) {
    const name = m.annotations?.["org.opencontainers.image.ref.name"];
    if (name) out[name] = m.digest;
  }
  return out;
}
