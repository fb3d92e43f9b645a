// HTTP(S) for the registry client, on node:http/https because registries.yaml's per-host TLS
// (ca_file, client certificates, insecure_skip_verify) needs an Agent per host, which Node 20's
// global fetch does not expose. Keep-alive agents, because a pull is many requests to one host.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { RegistryTLS } from "./registries.js";

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

export interface Transport {
  request(url: URL, headers?: Record<string, string>, method?: string): Promise<HttpResponse>;
  close(): void;
}

const CONNECT_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

export function createTransport(tls: RegistryTLS = {}): Transport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    rejectUnauthorized: tls.insecureSkipVerify !== true,
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
  });

  function once(url: URL, headers: Record<string, string>, method: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === "https:" ? https : http;
      const req = mod.request(url, {
        method,
        headers: { "user-agent": "kite", ...headers },
        agent: url.protocol === "https:" ? httpsAgent : httpAgent,
      });
      req.setTimeout(CONNECT_TIMEOUT_MS, () => req.destroy(new Error("timeout awaiting response")));
      req.once("response", (res) => {
        // The timeout was for the request; a large blob may legitimately take longer.
        req.setTimeout(0);
        res.setTimeout(CONNECT_TIMEOUT_MS, () => res.destroy(new Error("timeout reading response body")));
        resolve(res);
      });
      req.once("error", reject);
      req.end();
    });
  }

  return {
    async request(url, headers = {}, method = "GET") {
      let current = url;
      let h = headers;
      for (let i = 0; ; i++) {
        const res = await once(current, h, method);
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location && i < MAX_REDIRECTS) {
          res.resume();
          const next = new URL(location, current);
          // Blob redirects go to storage (S3, a CDN) that must not see the registry's token.
          if (next.host !== current.host) {
            h = Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== "authorization"));
          }
          current = next;
          continue;
        }
        return { status, headers: res.headers, body: res, url: current };
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new Error(`response from ${res.url.href} is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
