// Port forwarding into a pod (kubelet's cri/streaming/portforward over SPDY): the client opens a
// pair of streams per connection, `streamType: error` and `streamType: data`, both naming the
// `port` and a `requestID`. Each pair becomes one TCP connection to 127.0.0.1:<port> inside the
// pod's network namespace, made by `nsenter --net=<ns> socat - TCP:127.0.0.1:<port>` (what
// containerd's CRI does with its own netns helper), and its bytes are copied both ways.
import { spawn } from "node:child_process";
import type { SpdySession, SpdyStream } from "../../streaming/spdy.js";

export const PortForwardProtocolV1 = "portforward.k8s.io";
/** kubectl 1.31+: the SPDY session inside a WebSocket */
export const PortForwardTunnelProtocol = "SPDY/3.1+portforward.k8s.io";

export interface PortForwardTarget {
  /** e.g. /proc/<pause pid>/ns/net */
  netns: string;
  podName: string;
  uid: string;
}

/** Serves every stream pair of a port-forward session until it closes. */
export function servePortForward(session: SpdySession, target: () => Promise<PortForwardTarget>): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; port: number }>();
  const children = new Set<ReturnType<typeof spawn>>();
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
    void forward(p.error, p.data, port, target, children);
  });
}

async function forward(
  error: SpdyStream,
  data: SpdyStream,
  port: number,
  target: () => Promise<PortForwardTarget>,
  children: Set<ReturnType<typeof spawn>>,
): Promise<void> {
  let t: PortForwardTarget;
  try {
    t = await target();
  } catch (err) {
    error.end(`error forwarding port ${port}: ${err instanceof Error ? err.message : String(err)}`);
    data.end();
    return;
  }
  const child = spawn("nsenter", [`--net=${t.netns}`, "socat", "-", `TCP:127.0.0.1:${port}`], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  const stderr: Buffer[] = [];
  let sent = false;
  child.stderr.on("data", (b: Buffer) => stderr.push(b));
  child.stdin.on("error", () => {});
  data.pipe(child.stdin);
  child.stdout.on("data", (b: Buffer) => {
    sent = true;
    data.write(b);
  });
  data.on("close", () => {
    // the client reset the stream: drop the connection
    if (child.exitCode === null) child.kill("SIGTERM");
  });
  child.on("close", (code) => {
    children.delete(child);
    if (code !== 0 && !sent && !data.reset) {
      const why = socatError(Buffer.concat(stderr).toString(), port) ?? `socat exited ${code}`;
      error.write(
        `error forwarding port ${port} to pod ${t.podName}, uid ${t.uid}: failed to connect to localhost:${port} inside namespace "${t.podName}", ${why}`,
      );
    }
    if (!data.reset) data.end();
    if (!error.reset) error.end();
  });
  child.on("error", (err) => {
    if (!error.reset) error.end(`error forwarding port ${port}: ${err.message}`);
    if (!data.reset) data.end();
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
