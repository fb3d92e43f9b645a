// Raw HTTPS calls to a kite server with the admin credentials from its kubeconfig, for tests
// that need exact status codes and bodies.
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { parse } from "yaml";
import type { KiteServer } from "./kite.js";

export interface RawResponse {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export function adminAgent(k: KiteServer): Agent {
  const cfg = parse(readFileSync(k.kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64");
  return new Agent({
    keepAlive: true,
    ca: b(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(cfg.users[0]!.user["client-certificate-data"]),
    key: b(cfg.users[0]!.user["client-key-data"]),
  });
}

export function call(
  k: KiteServer,
  agent: Agent,
  method: string,
  path: string,
  body?: string | Buffer | object,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload =
    body === undefined
      ? undefined
      : typeof body === "string" || Buffer.isBuffer(body)
        ? body
        : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${k.server}${path}`,
      {
        method,
        agent,
        // Node sends a DELETE body without Content-Length unless told: always set it.
        headers: {
          "content-type": "application/json",
          ...(payload === undefined ? {} : { "content-length": String(Buffer.byteLength(payload)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            code: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
