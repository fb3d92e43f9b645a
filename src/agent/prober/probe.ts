// One probe attempt (kubelet's prober/prober.go runProbe and pkg/probe/{exec,http,tcp,grpc}):
// exec in the container, an HTTP GET, a TCP connect, or a gRPC health check (grpc.health.v1 over
// HTTP/2 with node:http2 — a unary call needs no gRPC library). Also used for lifecycle hooks.
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import type { Container, ExecAction, HTTPGetAction, Probe } from "kubernetes-types/core/v1.js";
import type { Runtime } from "../../runtime/runtime.js";

export type ProbeOutcome = "success" | "failure" | "warning" | "unknown";

export interface ProbeResult {
  result: ProbeOutcome;
  output: string;
}

export interface ProbeTarget {
  runtime: Runtime;
  containerId: string;
  container: Container;
  podIP: string;
  /** "kube-probe/1.33" */
  userAgent: string;
}

const maxRespBodyLength = 10 * 1024;

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === "number") return port;
  if (port === undefined) throw new Error("port is required");
  if (/^\d+$/.test(port)) return Number(port);
  const p = container.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(container.name)}`);
  return p.containerPort;
}

export async function runExec(
  t: ProbeTarget,
  action: ExecAction,
  timeoutSeconds: number,
): Promise<ProbeResult> {
  const cmd = action.command ?? [];
  try {
    const r = await t.runtime.execSync(t.containerId, cmd, timeoutSeconds);
    const output = r.stdout + r.stderr;
    return r.exitCode === 0 ? { result: "success", output } : { result: "failure", output };
  } catch (err) {
    const msg = (err as Error).message;
    if (/timed out|timeout/i.test(msg)) {
      return { result: "failure", output: `command ${JSON.stringify(cmd.join(" "))} timed out` };
    }
    return { result: "unknown", output: msg };
  }
}

const hostPort = (host: string, port: number) =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

export function runHTTPGet(
  t: ProbeTarget,
  action: HTTPGetAction,
  timeoutSeconds: number,
): Promise<ProbeResult> {
  let port: number;
  try {
    port = resolvePort(action.port, t.container);
  } catch (err) {
    return Promise.resolve({ result: "unknown", output: (err as Error).message });
  }
  const scheme = (action.scheme ?? "HTTP").toLowerCase();
  const host = action.host || t.podIP;
  let path = action.path ?? "";
  if (path && !path.startsWith("/")) path = `/${path}`;
  const url = `${scheme}://${hostPort(host, port)}${path}`;
  const headers: Record<string, string> = { "User-Agent": t.userAgent, Accept: "*/*" };
  for (const h of action.httpHeaders ?? []) {
    if (h.name.toLowerCase() === "host") headers.Host = h.value;
    else headers[h.name] = h.value;
  }
  const mod = scheme === "https" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = mod.request(
      url,
      { method: "GET", headers, rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < maxRespBodyLength) chunks.push(c);
          size += c.length;
        });
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8").slice(0, maxRespBodyLength);
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 400) done({ result: "success", output: body });
          else done({ result: "failure", output: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on("error", (err) => done({ result: "failure", output: `Get "${url}": ${err.message}` }));
      },
    );
    req.setTimeout(timeoutSeconds * 1000, () => {
      req.destroy();
      done({
        result: "failure",
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on("error", (err: NodeJS.ErrnoException) =>
      done({ result: "failure", output: `Get "${url}": ${goDialError(host, port, err)}` }),
    );
    req.end();
  });
}

/** Go's net error text for a failed dial: "dial tcp 10.42.0.5:80: connect: connection refused". */
function goDialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const what =
    err.code === "ECONNREFUSED"
      ? "connect: connection refused"
      : err.code === "EHOSTUNREACH"
        ? "connect: no route to host"
        : err.code === "ECONNRESET"
          ? "read: connection reset by peer"
          : err.message;
  return `dial tcp ${hostPort(host, port)}: ${what}`;
}

export function runTCP(
  t: ProbeTarget,
  host: string | undefined,
  rawPort: number | string | undefined,
  timeoutSeconds: number,
): Promise<ProbeResult> {
  let port: number;
  try {
    port = resolvePort(rawPort, t.container);
  } catch (err) {
    return Promise.resolve({ result: "unknown", output: (err as Error).message });
  }
  const h = host || t.podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host: h, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: "failure", output: `dial tcp ${hostPort(h, port)}: i/o timeout` });
    }, timeoutSeconds * 1000);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: "success", output: "" });
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ result: "failure", output: goDialError(h, port, err) });
    });
  });
}

const servingStatus = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
const grpcCodes = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

/** HealthCheckRequest{service} as protobuf, in a gRPC length-prefixed frame. */
export function grpcHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, "utf8");
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** HealthCheckResponse.status (field 1, enum) from a gRPC frame; 0 (UNKNOWN) when absent. */
export function parseGrpcHealthResponse(frame: Buffer): number {
  const msg = frame.subarray(5, 5 + frame.readUInt32BE(1));
  let i = 0;
  let status = 0;
  while (i < msg.length) {
    const tag = msg[i++] as number;
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = msg[i++] as number;
      v |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (tag >> 3 === 1 && (tag & 7) === 0) status = v;
    else if ((tag & 7) === 2) i += v;
  }
  return status;
}

export function runGRPC(
  t: ProbeTarget,
  port: number,
  service: string | undefined,
  timeoutSeconds: number,
): Promise<ProbeResult> {
  const addr = hostPort(t.podIP, port);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const session = http2.connect(`http://${addr}`);
    const timer = setTimeout(
      () =>
        done({
          result: "failure",
          output: `timeout: health rpc did not complete within ${timeoutSeconds}s`,
        }),
      timeoutSeconds * 1000,
    );
    session.on("error", () =>
      done({
        result: "failure",
        output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeoutSeconds}s`,
      }),
    );
    const req = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": t.userAgent,
    });
    const chunks: Buffer[] = [];
    let headerStatus: string | undefined;
    req.on("response", (h) => {
      headerStatus = h["grpc-status"] as string | undefined;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("trailers", (h) => {
      headerStatus = (h["grpc-status"] as string | undefined) ?? headerStatus;
      const code = Number(headerStatus ?? "0");
      if (code !== 0) {
        const desc = decodeURIComponent(String(h["grpc-message"] ?? ""));
        done({ result: "failure", output: `rpc error: code = ${grpcCodes[code] ?? code} desc = ${desc}` });
      }
    });
    req.on("end", () => {
      const code = Number(headerStatus ?? "0");
      if (code !== 0) {
        done({ result: "failure", output: `rpc error: code = ${grpcCodes[code] ?? code} desc = ` });
        return;
      }
      const body = Buffer.concat(chunks);
      if (body.length < 5) {
        done({ result: "failure", output: "rpc error: code = Internal desc = empty response" });
        return;
      }
      const st = parseGrpcHealthResponse(body);
      if (st === 1) done({ result: "success", output: "" });
      else
        done({
          result: "failure",
          output: `service unhealthy (responded with ${JSON.stringify(servingStatus[st] ?? String(st))})`,
        });
    });
    req.on("error", () =>
      done({
        result: "failure",
        output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeoutSeconds}s`,
      }),
    );
    req.end(grpcHealthRequest(service ?? ""));
  });
}

/** One attempt of `probe` against a running container. */
export async function runProbe(t: ProbeTarget, probe: Probe): Promise<ProbeResult> {
  const timeout = probe.timeoutSeconds ?? 1;
  if (probe.exec) return runExec(t, probe.exec, timeout);
  if (probe.httpGet) return runHTTPGet(t, probe.httpGet, timeout);
  if (probe.tcpSocket) return runTCP(t, probe.tcpSocket.host, probe.tcpSocket.port, timeout);
  if (probe.grpc) return runGRPC(t, probe.grpc.port, probe.grpc.service, timeout);
  return { result: "unknown", output: "missing probe handler" };
}
