// The one internal client every kite component uses to talk to the API server over HTTPS, as
// client-go is for Kubernetes components: JSON requests, Status errors turned back into
// StatusError, and watch streams read line by line.
import { Agent, request } from "node:https";
import { createInterface } from "node:readline";
import { StatusError, type StatusReason } from "../api/errors.js";

export interface ClientConfig {
  server: string;
  ca: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  userAgent?: string;
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export interface WatchStream {
  stop(): void;
  done: Promise<void>;
}

export interface Client {
  request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  watch<T>(path: string, onEvent: (ev: WatchEvent<T>) => void): WatchStream;
  close(): void;
}

export function newClient(cfg: ClientConfig): Client {
  const agent = new Agent({ keepAlive: true, ca: cfg.ca, cert: cfg.cert, key: cfg.key, maxSockets: 32 });
  const headers = (contentType?: string): Record<string, string> => ({
    Accept: "application/json",
    "User-Agent": cfg.userAgent ?? "kite",
    ...(contentType ? { "Content-Type": contentType } : {}),
    ...(cfg.token ? { Authorization: `Bearer ${cfg.token}` } : {}),
  });

  function toError(code: number, body: string): StatusError {
    try {
      const s = JSON.parse(body) as { reason?: StatusReason; message?: string; details?: object };
      return new StatusError(code, s.reason ?? "InternalError", s.message ?? body, s.details);
    } catch {
      return new StatusError(code, "InternalError", body);
    }
  }

  return {
    request<T>(method: string, path: string, body?: unknown, contentType = "application/json") {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const h = headers(payload === undefined ? undefined : contentType);
      // Node omits Content-Length on a DELETE body unless told, and the server would misread it.
      if (payload !== undefined) h["Content-Length"] = String(Buffer.byteLength(payload));
      return new Promise<T>((resolve, reject) => {
        const req = request(`${cfg.server}${path}`, { method, agent, headers: h }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const code = res.statusCode ?? 0;
            if (code >= 400) reject(toError(code, text));
            else resolve((text ? JSON.parse(text) : undefined) as T);
          });
        });
        req.on("error", reject);
        req.end(payload);
      });
    },
    watch<T>(path: string, onEvent: (ev: WatchEvent<T>) => void): WatchStream {
      let stopped = false;
      let destroy = () => {};
      const done = new Promise<void>((resolve, reject) => {
        const req = request(`${cfg.server}${path}`, { method: "GET", agent, headers: headers() }, (res) => {
          if ((res.statusCode ?? 0) >= 400) {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => reject(toError(res.statusCode ?? 0, Buffer.concat(chunks).toString())));
            res.on("error", reject);
            return;
          }
          const rl = createInterface({ input: res });
          // readline re-emits the response's errors (a stream cut when the watch is stopped);
          // the watch just ends then.
          rl.on("error", () => resolve());
          rl.on("line", (line) => {
            if (stopped || !line) return;
            onEvent(JSON.parse(line) as WatchEvent<T>);
          });
          res.on("end", () => resolve());
          res.on("error", () => resolve());
        });
        destroy = () => req.destroy();
        req.on("error", (err) => (stopped ? resolve() : reject(err)));
        req.end();
      });
      return {
        stop() {
          stopped = true;
          destroy();
        },
        done,
      };
    },
    close() {
      agent.destroy();
    },
  };
}
