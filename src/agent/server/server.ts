// The node's streaming server, the kubelet's port-10250 role for exec, attach, container logs and
// port-forward. Only the API server may call it: TLS requires a client certificate signed by the
// cluster CA whose CN is `kube-apiserver-kubelet-client` (kube-apiserver's
// --kubelet-client-certificate). Its own serving certificate is self-signed, made on first start
// under certDir: kube-apiserver does not verify kubelet serving certificates unless told to, and
// the proxy here does the same.
//
// Routes are the kubelet's: /exec|attach/{ns}/{pod}[/{uid}]/{container}?command=…&stdin&stdout&stderr&tty,
// /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes,
// /portforward/{ns}/{pod}[/{uid}].
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Status } from "kubernetes-types/meta/v1.js";
import { createWebSocketStream, WebSocketServer } from "ws";
import { badRequest, isStatusError, StatusError } from "../../api/errors.js";
import type { ContainerStatus, Runtime } from "../../runtime/runtime.js";
import { errorStatus, exitStatus, remoteCommandProtocols } from "../../streaming/channel.js";
import { SpdySession } from "../../streaming/spdy.js";
import { run } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";
import { readLogs } from "./logs.js";
import {
  PortForwardChannelProtocols,
  PortForwardProtocolV1,
  PortForwardTunnelProtocol,
  parseForwardPorts,
  servePortForward,
  serveWebSocketPortForward,
} from "./portforward.js";
import {
  acceptSpdy,
  type RemoteStreams,
  type StreamOptions,
  spdyRemoteStreams,
  wsProtocols,
  wsRemoteStreams,
} from "./remotecommand.js";

/** The kubelet's labels on containers (kuberuntime/labels.go), which the runtime keeps. */
const PodNameLabel = "io.kubernetes.pod.name";
const PodNamespaceLabel = "io.kubernetes.pod.namespace";
const PodUIDLabel = "io.kubernetes.pod.uid";
const ContainerNameLabel = "io.kubernetes.container.name";

/** The CN of the only client this server accepts. */
export const KubeletClientCN = "kube-apiserver-kubelet-client";

export type StreamingRuntime = Pick<
  Runtime,
  "listContainers" | "containerStatus" | "podSandboxStatus" | "listPodSandbox" | "exec" | "attach"
>;

export interface StreamingServerOptions {
  runtime: StreamingRuntime;
  /** the cluster CA (PEM) that signed the API server's kubelet-client certificate */
  clientCA: string;
  /** where the self-signed serving certificate is kept, e.g. <data-dir>/agent/tls */
  certDir: string;
  bindAddress?: string;
  /** 10250 as the kubelet; 0 for any free port */
  port: number;
  /** extra names/IPs for the serving certificate */
  sans?: { dns: string[]; ips: string[] };
  log?: Logger;
}

export interface StreamingServer {
  server: Server;
  port: number;
  /** the serving certificate (PEM), for a caller that wants to pin it */
  cert: string;
  close(): Promise<void>;
}

async function servingCert(dir: string, sans: { dns: string[]; ips: string[] }) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const crt = join(dir, "serving-kubelet.crt");
  const key = join(dir, "serving-kubelet.key");
  if (!existsSync(crt) || !existsSync(key)) {
    const alt = [...new Set(["localhost", hostname(), ...sans.dns])]
      .map((d) => `DNS:${d}`)
      .concat([...new Set(["127.0.0.1", "::1", ...sans.ips])].map((i) => `IP:${i}`));
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      crt,
      "-days",
      "3650",
      "-subj",
      `/CN=${hostname()}@${Math.floor(Date.now() / 1000)}`,
      "-addext",
      `subjectAltName=${alt.join(",")}`,
      "-addext",
      "extendedKeyUsage=serverAuth",
    ]);
    await chmod(key, 0o600);
  }
  return { cert: await readFile(crt, "utf8"), key: await readFile(key, "utf8") };
}

interface Route {
  kind: "exec" | "attach" | "containerLogs" | "portforward";
  namespace: string;
  pod: string;
  uid?: string;
  container?: string;
  query: URLSearchParams;
}

function parseRoute(url: string | undefined): Route | undefined {
  const u = new URL(url ?? "/", "https://node");
  const parts = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [kind, namespace, pod, ...rest] = parts;
  if (!namespace || !pod) return undefined;
  if (kind === "exec" || kind === "attach") {
    if (rest.length === 1) return { kind, namespace, pod, container: rest[0], query: u.searchParams };
    if (rest.length === 2)
      return { kind, namespace, pod, uid: rest[0], container: rest[1], query: u.searchParams };
  }
  if (kind === "containerLogs" && rest.length === 1)
    return { kind, namespace, pod, container: rest[0], query: u.searchParams };
  if (kind === "portforward" && rest.length <= 1)
    return { kind, namespace, pod, uid: rest[0], query: u.searchParams };
  return undefined;
}

const truthy = (q: URLSearchParams, k: string) => {
  const v = q.get(k);
  return v !== null && v !== "false" && v !== "0";
};

/** The containers of a pod with this name, newest first. */
async function instances(rt: StreamingRuntime, r: Route): Promise<ContainerStatus[]> {
  const labelSelector: Record<string, string> = {
    [PodNamespaceLabel]: r.namespace,
    [PodNameLabel]: r.pod,
    [ContainerNameLabel]: r.container ?? "",
  };
  if (r.uid) labelSelector[PodUIDLabel] = r.uid;
  const list = await rt.listContainers({ labelSelector });
  return list.sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || b.metadata.attempt - a.metadata.attempt,
  );
}

/**
 * The kubelet's refusal when a pod's container is not running (still being created, its image not
 * pulled, or exited): it looks among the running containers only (findContainer) and answers 500
 * with a plain-text body (streaming.WriteError), which kubectl prints as `unable to upgrade
 * connection: container not found ("web")`.
 */
export class ContainerNotFoundError extends Error {
  constructor(readonly container: string) {
    super(`container not found (${JSON.stringify(container)})`);
    this.name = "ContainerNotFoundError";
  }
}

async function runningContainer(rt: StreamingRuntime, r: Route): Promise<ContainerStatus> {
  const c = (await instances(rt, r)).find((x) => x.state === "CONTAINER_RUNNING");
  if (!c) throw new ContainerNotFoundError(r.container ?? "");
  return c;
}

function sendStatus(res: ServerResponse, err: unknown): void {
  const s = isStatusError(err)
    ? err
    : new StatusError(500, "InternalError", String(err instanceof Error ? err.message : err));
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(s.toStatus());
  res.writeHead(s.code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a Status (or the kubelet's plain-text refusal) on a raw socket not upgraded yet. */
function rejectSocket(socket: Duplex, err: unknown): void {
  if (err instanceof ContainerNotFoundError) {
    socket.end(
      `HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(err.message)}\r\nConnection: close\r\n\r\n${err.message}`,
    );
    return;
  }
  const s = isStatusError(err)
    ? err
    : new StatusError(500, "InternalError", String(err instanceof Error ? err.message : err));
  const body = JSON.stringify(s.toStatus());
  socket.end(
    `HTTP/1.1 ${s.code} ${s.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startStreamingServer(o: StreamingServerOptions): Promise<StreamingServer> {
  const rt = o.runtime;
  const log = o.log;
  const tls = await servingCert(o.certDir, o.sans ?? { dns: [], ips: [] });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols, req) => {
      if (parseRoute(req.url)?.kind !== "portforward") return wsProtocols(protocols);
      if (protocols.has(PortForwardTunnelProtocol)) return PortForwardTunnelProtocol;
      return PortForwardChannelProtocols.find((p) => protocols.has(p)) ?? false;
    },
  });

  function authorized(req: IncomingMessage): boolean {
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) return false;
    return sock.getPeerCertificate().subject?.CN === KubeletClientCN;
  }

  async function logs(res: ServerResponse, r: Route): Promise<void> {
    const q = r.query;
    const all = await instances(rt, r);
    let c = all[0];
    if (truthy(q, "previous")) {
      c = all[1];
      if (!c) throw badRequest(`previous terminated container "${r.container}" in pod "${r.pod}" not found`);
    }
    if (!c)
      throw badRequest(`container "${r.container}" in pod "${r.pod}" is waiting to start: ContainerCreating`);
    const num = (k: string): number | undefined => {
      const v = q.get(k);
      if (v === null) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${k}: ${v}`);
      return n;
    };
    const sinceSeconds = num("sinceSeconds");
    const sinceTime = q.get("sinceTime");
    let sinceMs: number | undefined;
    if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
    else if (sinceTime) {
      sinceMs = Date.parse(sinceTime);
      if (Number.isNaN(sinceMs)) throw badRequest(`invalid sinceTime: ${sinceTime}`);
    }
    const follow = truthy(q, "follow") && !truthy(q, "previous");
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
    res.socket?.setNoDelay(true);
    const podSandboxId = c.podSandboxId;
    let currentId = c.id;
    await readLogs(
      c.logPath,
      {
        tailLines: num("tailLines"),
        limitBytes: num("limitBytes"),
        timestamps: truthy(q, "timestamps"),
        sinceMs,
        follow,
      },
      res,
      abort.signal,
      {
        running: async () =>
          (await rt.containerStatus(currentId).catch(() => undefined))?.state === "CONTAINER_RUNNING",
        next: async () => {
          const newer = (await instances(rt, r)).find(
            (x) => x.podSandboxId === podSandboxId && x.id !== currentId && x.createdAt > c.createdAt,
          );
          if (!newer) return undefined;
          currentId = newer.id;
          return newer.logPath;
        },
        alive: async () =>
          (await rt.podSandboxStatus(podSandboxId).catch(() => undefined))?.state === "SANDBOX_READY",
      },
    );
    res.end();
  }

  async function command(req: IncomingMessage, socket: Duplex, head: Buffer, r: Route): Promise<void> {
    const q = r.query;
    const opts: StreamOptions = {
      stdin: truthy(q, "stdin") || truthy(q, "input"),
      stdout: truthy(q, "stdout") || truthy(q, "output"),
      stderr: truthy(q, "stderr") || truthy(q, "error"),
      tty: truthy(q, "tty"),
    };
    const cmd = q.getAll("command");
    if (r.kind === "exec" && cmd.length === 0) throw badRequest("you must specify at least 1 command");
    if (!opts.stdin && !opts.stdout && !opts.stderr)
      throw badRequest("you must specify at least 1 of stdin, stdout, stderr");
    const c = await runningContainer(rt, r);
    let streams: RemoteStreams;
    if ((req.headers.upgrade ?? "").toLowerCase() === "websocket") {
      const ws = await new Promise<import("ws").WebSocket>((resolve) =>
        wss.handleUpgrade(req, socket, head, resolve),
      );
      streams = wsRemoteStreams(ws, opts);
    } else {
      const up = acceptSpdy(req, socket, head, remoteCommandProtocols);
      if (!up) return;
      streams = await spdyRemoteStreams(up.session, opts);
    }
    let status: Status;
    try {
      if (r.kind === "attach") {
        await rt.attach(c.id, {
          stdin: streams.stdin,
          stdout: streams.stdout,
          stderr: streams.stderr,
          resize: streams.resize,
          signal: streams.signal,
        });
        status = { metadata: {}, status: "Success" };
      } else {
        const code = await rt.exec(c.id, {
          cmd,
          stdin: streams.stdin,
          stdout: streams.stdout,
          stderr: streams.stderr,
          tty: opts.tty,
          resize: streams.resize,
          signal: streams.signal,
        });
        status = exitStatus(code, cmd);
      }
    } catch (err) {
      log?.debug({ err: String(err) }, `${r.kind} failed`);
      status = errorStatus(err);
    }
    await streams.finish(status);
  }

  async function portForward(req: IncomingMessage, socket: Duplex, head: Buffer, r: Route): Promise<void> {
    // The pod's network namespace is its pause process's: the ready sandbox with the pod's labels.
    const target = async () => {
      const labelSelector: Record<string, string> = {
        [PodNamespaceLabel]: r.namespace,
        [PodNameLabel]: r.pod,
      };
      if (r.uid) labelSelector[PodUIDLabel] = r.uid;
      const ready = await rt.listPodSandbox({ labelSelector, state: "SANDBOX_READY" });
      const s = ready.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).find((x) => x.pid);
      if (!s) throw new Error(`pod ${r.pod} has no running sandbox`);
      return { netns: `/proc/${s.pid}/ns/net`, podName: r.pod, uid: s.metadata.uid };
    };
    if ((req.headers.upgrade ?? "").toLowerCase() === "websocket") {
      const tunnel = (req.headers["sec-websocket-protocol"] ?? "").includes(PortForwardTunnelProtocol);
      let ports: number[] = [];
      if (!tunnel) {
        try {
          ports = parseForwardPorts(r.query);
        } catch (err) {
          throw badRequest((err as Error).message);
        }
      }
      const ws = await new Promise<import("ws").WebSocket>((resolve) =>
        wss.handleUpgrade(req, socket, head, resolve),
      );
      if (ws.protocol !== PortForwardTunnelProtocol) {
        serveWebSocketPortForward(ws, ports, target);
        return;
      }
      const stream = createWebSocketStream(ws, { allowHalfOpen: false });
      stream.on("error", () => {});
      servePortForward(new SpdySession(stream), target);
      return;
    }
    const up = acceptSpdy(req, socket, head, [PortForwardProtocolV1]);
    if (up) servePortForward(up.session, target);
  }

  const server = createServer(
    { cert: tls.cert, key: tls.key, ca: o.clientCA, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      (async () => {
        if (!authorized(req)) throw new StatusError(403, "Forbidden", "Forbidden");
        const r = parseRoute(req.url);
        if (!r) throw new StatusError(404, "NotFound", "404 page not found");
        if (r.kind === "containerLogs") return logs(res, r);
        throw badRequest(`${r.kind} needs a connection upgrade (WebSocket or SPDY/3.1)`);
      })().catch((err: unknown) => {
        log?.debug({ err: String(err), url: req.url }, "streaming request failed");
        sendStatus(res, err);
      });
    },
  );
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    (async () => {
      if (!authorized(req)) throw new StatusError(403, "Forbidden", "Forbidden");
      const r = parseRoute(req.url);
      if (!r || r.kind === "containerLogs") throw new StatusError(404, "NotFound", "404 page not found");
      if (r.kind === "portforward") return portForward(req, socket, head, r);
      return command(req, socket, head, r);
    })().catch((err: unknown) => {
      log?.debug({ err: String(err), url: req.url }, "streaming upgrade failed");
      if (socket.writable) rejectSocket(socket, err);
    });
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.bindAddress ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    cert: tls.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const c of wss.clients) c.terminate();
      }),
  };
}
