// pods/log, pods/exec, pods/attach and pods/portforward: kube-apiserver's pod REST "connect"
// storage (pkg/registry/core/pod/rest) plus its upgrade-aware proxy. The pod and its node come
// from the registry; the request checks are kube's (container defaulting and validity, completed
// pods, no host assigned); then the request goes to the node's streaming server (the kubelet's
// port, from the Node's daemonEndpoints and InternalIP) over TLS with the API server's
// kubelet-client certificate. An upgraded connection (WebSocket or SPDY, whatever the client
// speaks) is relayed byte for byte once the node answers 101; a log is streamed through. A
// WebSocket exec or attach the node refuses gets the refusal on its error channel, as
// kube-apiserver's stream translator sends it (refuseOnErrorChannel).
// The node's serving certificate is not verified, as kube-apiserver without --kubelet-certificate-authority.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { ServerResponse as HttpServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import type { Container, Node, Pod } from "kubernetes-types/core/v1.js";
import type { Status } from "kubernetes-types/meta/v1.js";
import { WebSocketServer } from "ws";
import { badRequest, StatusError } from "../../api/errors.js";
import { findResource, type ResourceInfo } from "../../api/registry.js";
import type { StoreEntry } from "../../store/store.js";
import { ErrorStream, frame, negotiate, remoteCommandProtocols } from "../../streaming/channel.js";
import type { ResourceRequest } from "../request.js";
import { logProtocol, relayLogOverWebSocket, supportedLogProtocols } from "./log-websocket.js";

export interface NodeProxyOptions {
  /** reads pods and nodes (the generic registry's get, which throws kube's NotFound) */
  get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<StoreEntry>;
  /** the API server's client certificate for nodes (CN kube-apiserver-kubelet-client) and its key */
  clientCert: string;
  clientKey: string;
}

export type ConnectHook = (req: IncomingMessage, res: ServerResponse, ri: ResourceRequest) => Promise<void>;

const upgraded = new WeakSet<IncomingMessage>();

/**
 * Lets upgrade requests (WebSocket, SPDY) reach the API server's ordinary request handler, with
 * authentication and routing as for any request: Node's HTTP server hands them to an "upgrade"
 * listener with the raw socket, so this gives them a response object bound to that socket. A
 * handler that does not take the socket over answers through `res` as usual.
 */
export function acceptUpgrades(server: Server): void {
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    if (head.length) socket.unshift(head);
    const res = new HttpServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as never);
    res.on("finish", () => {
      if (!upgraded.has(req)) socket.end();
    });
    server.emit("request", req, res);
  });
}

function isUpgrade(req: IncomingMessage): boolean {
  return (req.headers.connection ?? "").toLowerCase().includes("upgrade") && !!req.headers.upgrade;
}

function containerNames(list: Container[] | undefined): string[] {
  return (list ?? []).map((c) => c.name);
}

/** kube's pod REST: which container a request means, or the error it gets. */
export function resolveContainer(pod: Pod, requested: string | null): string {
  const name = pod.metadata?.name ?? "";
  const spec = pod.spec;
  if (!requested) {
    const containers = containerNames(spec?.containers);
    if (containers.length === 1) return containers[0]!;
    const init = containerNames(spec?.initContainers);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(" ")}]`;
    throw badRequest(msg);
  }
  const all = [
    ...containerNames(spec?.containers),
    ...containerNames(spec?.initContainers),
    ...containerNames(spec?.ephemeralContainers as Container[] | undefined),
  ];
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** The node's streaming endpoint: InternalIP (else the first address) and the kubelet port. */
export function nodeEndpoint(node: Node): { host: string; port: number } {
  const addrs = node.status?.addresses ?? [];
  const host =
    addrs.find((a) => a.type === "InternalIP")?.address ??
    addrs.find((a) => a.type === "ExternalIP")?.address ??
    addrs.find((a) => a.type === "Hostname")?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port)
    throw new StatusError(
      503,
      "ServiceUnavailable",
      `node ${node.metadata?.name} does not publish a kubelet endpoint (status.addresses, status.daemonEndpoints)`,
    );
  return { host, port };
}

/** What the raw socket of an upgrade request gets when the proxy cannot reach the node. */
function writeStatus(socket: Duplex, status: Status): void {
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", ...status });
  const code = status.code ?? 500;
  socket.end(
    `HTTP/1.1 ${code} ${code === 500 ? "Internal Server Error" : "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "authorization",
]);

/**
 * kube-apiserver answers a WebSocket exec or attach itself and speaks SPDY to the kubelet (its
 * StreamTranslator); when the kubelet refuses the upgrade, the client's WebSocket is already open
 * and gets the refusal on the error channel: the kubelet's Status as it is, else an InternalError
 * "unable to upgrade connection: <body>". kubectl 1.30+ prints that, as against a real cluster.
 */
function refuseOnErrorChannel(
  wss: WebSocketServer,
  req: IncomingMessage,
  nodeCode: number,
  body: string,
  done: () => void,
): void {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(body) as Status & { kind?: string };
    if (parsed.kind === "Status") status = parsed;
  } catch {
    // plain text, as the kubelet's streaming.WriteError writes it
  }
  status ??= new StatusError(
    500,
    "InternalError",
    `Internal error occurred: unable to upgrade connection: ${body.trim() || `HTTP ${nodeCode}`}`,
  ).toStatus();
  wss.handleUpgrade(req, req.socket, Buffer.alloc(0), (ws) => {
    ws.send(frame(ErrorStream, JSON.stringify(status)), () => ws.close(1000));
    ws.on("close", done);
    ws.on("error", done);
  });
}

/** The `connect` hook for startApiServer. */
const kubeletDialTimeoutMs = 30_000;

/** A failed dial in Go's words, as kube-apiserver reports it: "dial tcp 10.0.0.5:10250: connect: connection refused". */
export function dialErrorMessage(err: Error, host: string, port: number): string {
  const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ECONNREFUSED: "connect: connection refused",
    EHOSTUNREACH: "connect: no route to host",
    ENETUNREACH: "connect: network is unreachable",
    ETIMEDOUT: "i/o timeout",
    ECONNRESET: "read: connection reset by peer",
  };
  return code && why[code] ? `dial tcp ${addr}: ${why[code]}` : err.message;
}

export function newNodeProxy(o: NodeProxyOptions): ConnectHook {
  const pods = findResource("", "v1", "pods")!;
  const nodes = findResource("", "v1", "nodes")!;

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => negotiate([...offered].join(","), remoteCommandProtocols) ?? false,
  });

  return async function connect(req, res, ri) {
    const url = new URL(req.url ?? "/", "https://kite");
    const q = url.searchParams;
    const ns = ri.namespace ?? "default";
    const pod = (await o.get(pods, ns, ri.name!)).object as unknown as Pod;
    const name = ri.name!;
    const sub = ri.subresource!;
    let path: string;
    const query = new URLSearchParams(q);
    query.delete("container");
    if (sub === "portforward") {
      path = `/portforward/${enc(ns)}/${enc(name)}/${enc(pod.metadata?.uid ?? "")}`;
      // kube-apiserver's PortForwardLocation: the options' ports become the kubelet's `port`
      // values (SPDY clients name them again in their stream headers; WebSocket ones need them)
      query.delete("ports");
      for (const v of q.getAll("ports")) for (const p of v.split(",")) query.append("port", p);
    } else {
      const container = resolveContainer(pod, q.get("container"));
      const phase = pod.status?.phase;
      if ((sub === "exec" || sub === "attach") && (phase === "Succeeded" || phase === "Failed"))
        throw badRequest(
          `cannot ${sub === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`,
        );
      if (sub === "log") {
        const st = [
          ...(pod.status?.containerStatuses ?? []),
          ...(pod.status?.initContainerStatuses ?? []),
        ].find((s) => s.name === container);
        const waiting = st?.state?.waiting;
        if (waiting && !st?.lastState?.terminated)
          throw badRequest(
            `container "${container}" in pod "${name}" is waiting to start: ${waiting.reason ?? "ContainerCreating"}`,
          );
        if (q.get("previous") === "true" && st && !st.lastState?.terminated)
          throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
        path = `/containerLogs/${enc(ns)}/${enc(name)}/${enc(container)}`;
      } else {
        path = `/${sub}/${enc(ns)}/${enc(name)}/${enc(pod.metadata?.uid ?? "")}/${enc(container)}`;
      }
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const node = (await o.get(nodes, undefined, nodeName)).object as unknown as Node;
    const ep = nodeEndpoint(node);
    const qs = query.toString();
    const target = `${path}${qs ? `?${qs}` : ""}`;

    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headersDistinct)) {
      if (v && !hopByHop.has(k)) headers[k] = v.length === 1 ? v[0]! : v;
    }
    // A log asked for over WebSocket is fetched from the node as plain HTTP and upgraded here
    // (kube-apiserver's StreamObject), so the node's refusals answer it as they answer HTTP.
    const wsLog = sub === "log" && isUpgrade(req) && req.headers.upgrade?.toLowerCase() === "websocket";
    const upgrade = isUpgrade(req) && !wsLog;
    if (wsLog) {
      for (const k of Object.keys(headers)) if (k.startsWith("sec-websocket-")) delete headers[k];
    }
    if (upgrade) {
      headers.connection = "Upgrade";
      headers.upgrade = req.headers.upgrade!;
    }
    await new Promise<void>((resolve) => {
      const out = httpsRequest({
        host: ep.host,
        port: ep.port,
        method: req.method,
        path: target,
        headers,
        cert: o.clientCert,
        key: o.clientKey,
        rejectUnauthorized: false,
        agent: false,
        servername: ep.host.includes(":") || /^[\d.]+$/.test(ep.host) ? undefined : ep.host,
      });
      // a node that is gone may not answer at all: give up as kube-apiserver's kubelet dialer does
      out.setTimeout(kubeletDialTimeoutMs, () =>
        out.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
      );
      out.on("socket", (s) => s.once("connect", () => out.setTimeout(0)));
      const dialError = (err: Error) => {
        const status: Status = {
          status: "Failure",
          message: `error dialing backend: ${dialErrorMessage(err, ep.host, ep.port)}`,
          code: 500,
          metadata: {},
        };
        if (upgrade && !res.headersSent) {
          upgraded.add(req);
          writeStatus(req.socket, status);
        } else if (!res.headersSent) {
          const body = JSON.stringify({ kind: "Status", apiVersion: "v1", ...status });
          res.writeHead(500, { "Content-Type": "application/json" }).end(body);
        } else res.destroy();
        resolve();
      };
      out.on("error", dialError);
      out.on("upgrade", (nodeRes, nodeSocket, head) => {
        upgraded.add(req);
        out.off("error", dialError);
        const client = req.socket;
        const lines = [`HTTP/1.1 ${nodeRes.statusCode} ${nodeRes.statusMessage}`];
        for (let i = 0; i < nodeRes.rawHeaders.length; i += 2)
          lines.push(`${nodeRes.rawHeaders[i]}: ${nodeRes.rawHeaders[i + 1]}`);
        client.write(`${lines.join("\r\n")}\r\n\r\n`);
        if (head.length) client.write(head);
        nodeSocket.setNoDelay(true);
        client.setNoDelay?.(true);
        nodeSocket.pipe(client);
        client.pipe(nodeSocket);
        const done = () => {
          nodeSocket.destroy();
          client.destroy();
          resolve();
        };
        nodeSocket.on("close", done);
        nodeSocket.on("error", done);
        client.on("close", done);
        client.on("error", done);
      });
      out.on("response", (nodeRes) => {
        const code = nodeRes.statusCode ?? 500;
        const ws = upgrade && (req.headers.upgrade ?? "").toLowerCase() === "websocket";
        if (ws && (sub === "exec" || sub === "attach")) {
          upgraded.add(req);
          const chunks: Buffer[] = [];
          nodeRes.on("data", (b: Buffer) => chunks.push(b));
          nodeRes.on("error", () => resolve());
          nodeRes.on("end", () =>
            refuseOnErrorChannel(wss, req, code, Buffer.concat(chunks).toString(), resolve),
          );
          return;
        }
        if (wsLog && code >= 200 && code < 300) {
          const protocol = logProtocol(req.headers["sec-websocket-protocol"]);
          if (protocol === undefined) {
            nodeRes.destroy();
            // wsstream's handshake error; x/net/websocket answers it 403
            res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" });
            res.end(
              `requested protocol(s) are not supported: [${req.headers["sec-websocket-protocol"]}]; supports [${supportedLogProtocols.join(" ")}]\n`,
            );
            resolve();
            return;
          }
          upgraded.add(req);
          void relayLogOverWebSocket(req, req.socket, nodeRes, protocol).then(resolve);
          return;
        }
        // a log, or the node refusing an upgrade: pass status, type and body through
        const h: Record<string, string> = {};
        const ct = nodeRes.headers["content-type"];
        if (ct) h["Content-Type"] = ct;
        res.writeHead(code, h);
        res.socket?.setNoDelay(true);
        relay(nodeRes, res);
        const stop = () => {
          nodeRes.destroy();
          out.destroy();
          resolve();
        };
        res.on("close", stop);
        nodeRes.on("end", resolve);
        nodeRes.on("error", stop);
      });
      if (upgrade || wsLog) out.end();
      else req.pipe(out);
    });
  };
}

const enc = encodeURIComponent;

/** How much of a relayed body may wait for the client before the node is paused. */
const relayBuffered = 1 << 20;

/**
 * Copies the node's response body to the client, coalescing: TLS hands the body over in pieces of
 * one record (16 KiB), and a write per piece costs a chunk frame, a TLS write and a syscall here
 * and a wake-up in the client; the pieces that arrive in one turn of the event loop leave as one
 * write. The node is paused while the client is more than relayBuffered behind.
 */
function relay(from: IncomingMessage, to: ServerResponse): void {
  let corked = false;
  const uncork = () => {
    corked = false;
    to.uncork();
  };
  from.on("data", (chunk: Buffer) => {
    if (!corked) {
      corked = true;
      to.cork();
      setImmediate(uncork);
    }
    to.write(chunk);
    if (to.writableLength >= relayBuffered && !from.isPaused()) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.on("end", () => {
    if (corked) uncork();
    to.end();
  });
}
