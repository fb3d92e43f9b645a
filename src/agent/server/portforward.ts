// Port forwarding into a pod (kubelet's cri/streaming/portforward over SPDY): the client opens a
// pair of streams per connection, `streamType: error` and `streamType: data`, both naming the
// `port` and a `requestID`. Each pair becomes one TCP connection to 127.0.0.1:<port> inside the
// pod's network namespace, made by `nsenter --net=<ns> socat - TCP:127.0.0.1:<port>` (what
// containerd's CRI does with its own netns helper), and its bytes are copied both ways.
import type { ChildProcess } from "node:child_process";
import { Duplex, Writable } from "node:stream";
import type { WebSocket } from "ws";
import type { SpdySession, SpdyStream } from "../../streaming/spdy.js";
import { start } from "../../util/exec.js";

export const PortForwardProtocolV1 = "portforward.k8s.io";
/** kubectl 1.31+: the SPDY session inside a WebSocket */
export const PortForwardTunnelProtocol = "SPDY/3.1+portforward.k8s.io";
/** kubelet's WebSocket port-forward (what client libraries speak): channels, not SPDY streams */
export const PortForwardChannelProtocols = ["v4.channel.k8s.io", "v4.base64.channel.k8s.io"] as const;

/** One forwarded connection: its data both ways, and where a failure is reported. */
interface ForwardStreams {
  data: Duplex;
  error: Writable;
  /** the client abandoned this connection */
  reset(): boolean;
}

export interface PortForwardTarget {
  /** e.g. /proc/<pause pid>/ns/net */
  netns: string;
  podName: string;
  uid: string;
}

/** Serves every stream pair of a port-forward session until it closes. */
export function servePortForward(session: SpdySession, target: () => Promise<PortForwardTarget>): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; port: number }>();
  const children = new Set<ChildProcess>();
  session.on("close", () => {
    for (const c of children) c.kill("SIGKILL");
  });
  session.on("stream", (s) => {
    const id = s.headers.requestid ?? "";
    const port = Number(s.headers.port);
    const type = s.headers.streamtype;
    if ((type !== "error" && type !== "data") || !Number.isInteger(port) || port <= 0 || port > 65535) {
      s.cancel();
      return;
    }
    const p = pairs.get(id) ?? { port };
    p[type] = s;
    pairs.set(id, p);
    if (type === "error") s.resume();
    if (!p.error || !p.data) return;
    pairs.delete(id);
    const { error, data } = p;
    void forward({ data, error, reset: () => data.reset || error.reset }, port, target, children);
  });
}

/** Resolves when the connection is over, whichever side ended it. */
async function forward(
  { data, error, reset }: ForwardStreams,
  port: number,
  target: () => Promise<PortForwardTarget>,
  children: Set<ChildProcess>,
): Promise<void> {
  let t: PortForwardTarget;
  try {
    t = await target();
  } catch (err) {
    error.end(`error forwarding port ${port}: ${err instanceof Error ? err.message : String(err)}`);
    data.end();
    return;
  }
  const child = start("nsenter", [`--net=${t.netns}`, "socat", "-", `TCP:127.0.0.1:${port}`], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  const done = new Promise<void>((r) => child.on("close", () => r()));
  const stderr: Buffer[] = [];
  let sent = false;
  child.stderr!.on("data", (b: Buffer) => stderr.push(b));
  child.stdin!.on("error", () => {});
  data.pipe(child.stdin!);
  child.stdout!.on("data", (b: Buffer) => {
    sent = true;
    data.write(b);
  });
  data.on("close", () => {
    // the client reset the stream: drop the connection
    if (child.exitCode === null) child.kill("SIGTERM");
  });
  child.on("close", (code) => {
    children.delete(child);
    if (code !== 0 && !sent && !reset()) {
      const why = socatError(Buffer.concat(stderr).toString(), port) ?? `socat exited ${code}`;
      error.write(
        `error forwarding port ${port} to pod ${t.podName}, uid ${t.uid}: failed to connect to localhost:${port} inside namespace "${t.podName}", ${why}`,
      );
    }
    if (!reset()) {
      data.end();
      error.end();
    }
  });
  child.on("error", (err) => {
    if (!reset()) {
      error.end(`error forwarding port ${port}: ${err.message}`);
      data.end();
    }
  });
  await done;
}

/** kubelet's NewV4Options: `port` query values, each possibly comma-separated. */
export function parseForwardPorts(q: URLSearchParams): number[] {
  const values = q.getAll("port");
  if (values.length === 0) throw new Error(`query parameter "port" is required`);
  const ports: number[] = [];
  for (const v of values) {
    if (v === "") throw new Error(`query parameter "port" cannot be empty`);
    for (const p of v.split(",")) {
      const n = /^\d+$/.test(p) ? Number(p) : Number.NaN;
      if (!(n <= 65535)) throw new Error(`unable to parse "${v}" as a port`);
      if (n < 1) throw new Error(`port "${v}" must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

/**
 * kubelet's WebSocket port-forward: for the i-th port, channel 2i carries data both ways and 2i+1
 * errors; each channel starts with the port (uint16, little-endian). One TCP connection per port,
 * and the WebSocket closes when all of them are over. base64 framing: a text frame of the channel
 * digit and the base64 of the data.
 */
export function serveWebSocketPortForward(
  ws: WebSocket,
  ports: number[],
  target: () => Promise<PortForwardTarget>,
): void {
  const base64 = ws.protocol === "v4.base64.channel.k8s.io";
  const send = (channel: number, body: Buffer, cb?: () => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    if (base64) ws.send(String.fromCharCode(48 + channel) + body.toString("base64"), () => cb?.());
    else ws.send(Buffer.concat([Buffer.from([channel]), body]), { binary: true }, () => cb?.());
  };
  const children = new Set<ChildProcess>();
  let closed = false;
  const inputs: Duplex[] = [];
  const pairs = ports.map((port, i) => {
    const header = Buffer.alloc(2);
    header.writeUInt16LE(port);
    send(2 * i, header);
    send(2 * i + 1, header);
    const data = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        send(2 * i, chunk, cb);
      },
    });
    const error = new Writable({
      write(chunk: Buffer, _enc, cb) {
        send(2 * i + 1, chunk, cb);
      },
    });
    inputs[2 * i] = data;
    return { data, error, reset: () => closed };
  });
  ws.on("message", (msg: Buffer, isBinary: boolean) => {
    const raw = isBinary ? msg : Buffer.from(msg);
    if (raw.length === 0) return;
    const channel = base64 ? raw[0]! - 48 : raw[0]!;
    const body = base64 ? Buffer.from(raw.subarray(1).toString(), "base64") : raw.subarray(1);
    inputs[channel]?.push(body);
  });
  ws.on("close", () => {
    closed = true;
    for (const c of children) c.kill("SIGKILL");
    for (const d of inputs) d?.push(null);
  });
  ws.on("error", () => {});
  void Promise.all(pairs.map((p, i) => forward(p, ports[i]!, target, children))).then(() => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
}

/** socat's last complaint in Go's words, as containerd reports a failed dial: "dial tcp4 …: connect: connection refused". */
export function socatError(stderr: string, port: number): string | undefined {
  const last = stderr.trim().split("\n").at(-1);
  if (!last) return undefined;
  const m = /E connect\(\d+, AF=\d+ ([^,]+), \d+\): (.+)$/.exec(last);
  if (m) return `IPv4: dial tcp4 ${m[1]}: connect: ${m[2]!.toLowerCase()}`;
  return last.replace(/^\S+ \S+ socat\[\d+\] [EW] /, "") || `port ${port}`;
}
