// The API server: TLS listener, authentication, and routing to health checks, version,
// OpenAPI, discovery and the resource handlers. Every failure leaves as a Kubernetes Status.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { internalError, isStatusError, notFoundPath, StatusError, unauthorized } from "../api/errors.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/log.js";
import type { Authenticator } from "./authn.js";
import { discovery } from "./discovery.js";
import { send, sendError, sendObject } from "./http.js";
import type { GenericRegistry } from "./registry/generic.js";
import { parseRequest, type ResourceRequest } from "./request.js";
import { newResourceHandler, type TablePrinter } from "./resources.js";

export interface OpenApiProvider {
  /** /openapi/v2 in the form Accept asks for (protobuf or JSON) */
  v2(accept: string | undefined): { body: Buffer; contentType: string };
  /** /openapi/v3 */
  v3Root(): object;
  /** /openapi/v3/<path>, e.g. "api/v1" */
  v3Document(path: string): { body: Buffer; etag: string } | undefined;
}

export interface ApiServerOptions {
  bindAddress: string;
  port: number;
  tls: { cert: string; key: string; ca: string };
  authenticator: Authenticator;
  store: Store;
  registry: GenericRegistry;
  printTable: TablePrinter;
  openapi: OpenApiProvider;
  log: Logger;
  /** the Kubernetes version kite reports at /version */
  version: { major: string; minor: string; gitVersion: string };
  connect?: (req: IncomingMessage, res: ServerResponse, ri: ResourceRequest) => Promise<void>;
}

export interface ApiServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Health endpoints answer without credentials, as kube's system:public-info-viewer allows. */
const publicPaths = new Set(["/healthz", "/livez", "/readyz", "/version", "/cacerts"]);

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const handleResource = newResourceHandler({
    store: o.store,
    registry: o.registry,
    printTable: o.printTable,
    connect: o.connect,
  });
  let ready = true;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kite");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (!publicPaths.has(path.split("/").slice(0, 2).join("/"))) {
      const user = o.authenticator.authenticate(req);
      if (!user) throw unauthorized();
    }
    const root = path.split("/")[1];
    if (root === "healthz" || root === "livez" || root === "readyz") {
      const ok = root !== "readyz" || ready;
      const checks = ["ping", "log", "etcd"];
      if (url.searchParams.has("verbose")) {
        const lines = checks.map((c) => `[+]${c} ok`).join("\n");
        send(
          req,
          res,
          ok ? 200 : 503,
          `${lines}\n${root} check ${ok ? "passed" : "failed"}\n`,
          "text/plain; charset=utf-8",
        );
      } else {
        send(req, res, ok ? 200 : 503, ok ? "ok" : `${root} check failed`, "text/plain; charset=utf-8");
      }
      return;
    }
    if (path === "/cacerts") {
      // k3s serves the cluster CA here so joining agents can check it against their token.
      send(req, res, 200, o.tls.ca, "text/plain; charset=utf-8");
      return;
    }
    if (path === "/version") {
      sendObject(req, res, 200, {
        ...o.version,
        gitCommit: "",
        gitTreeState: "clean",
        buildDate: "",
        goVersion: "",
        compiler: "kite",
        platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
      });
      return;
    }
    if (path === "/openapi/v2" || path === "/swagger-2.0.0.pb-v1") {
      const doc = o.openapi.v2(req.headers.accept);
      send(req, res, 200, doc.body, doc.contentType);
      return;
    }
    if (path === "/openapi/v3") {
      sendObject(req, res, 200, o.openapi.v3Root());
      return;
    }
    if (path.startsWith("/openapi/v3/")) {
      const doc = o.openapi.v3Document(path.slice("/openapi/v3/".length));
      if (!doc) throw notFoundPath();
      send(req, res, 200, doc.body, "application/json", {
        Etag: doc.etag,
        "Cache-Control": "public, immutable",
      });
      return;
    }
    const ri = parseRequest(req.method ?? "GET", path, url.searchParams);
    if (ri.kind === "other") {
      const doc = discovery(ri.parts, req.headers.accept, `${o.bindAddress}:${port}`);
      if (!doc || (req.method !== "GET" && req.method !== "HEAD")) throw notFoundPath();
      send(req, res, 200, doc.body, doc.contentType, { Vary: "Accept" });
      return;
    }
    if (ri.kind === "unknown") throw notFoundPath();
    await handleResource(req, res, ri, url.searchParams);
  }

  const server = createServer(
    {
      cert: o.tls.cert,
      key: o.tls.key,
      ca: o.tls.ca,
      requestCert: true,
      rejectUnauthorized: false,
      // kube-apiserver's default; keeps idle kubectl connections from piling up
      keepAliveTimeout: 120_000,
    },
    (req, res) => {
      const started = performance.now();
      route(req, res)
        .catch((err: unknown) => {
          const status = isStatusError(err) ? err : internalError(err);
          if (!(err instanceof StatusError))
            o.log.error({ err, url: req.url, method: req.method }, "request failed");
          sendError(req, res, status);
        })
        .finally(() => {
          o.log.debug(
            {
              method: req.method,
              url: req.url,
              code: res.statusCode,
              ms: Math.round((performance.now() - started) * 10) / 10,
            },
            "request",
          );
        });
    },
  );
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on("clientError", (err, socket) => {
    o.log.debug({ err: String(err) }, "client error");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.bindAddress, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    async close() {
      ready = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
