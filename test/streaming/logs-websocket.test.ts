// pods/log over WebSocket through a real `kite server` (kube-apiserver's wsstream): a real `ws`
// client with the kubeconfig's client certificate asks for binary.k8s.io, base64.binary.k8s.io or
// no subprotocol, gets the log as messages (a zero-length one first), follow=true delivers a line
// written later, and a refused request (no such container) gets the HTTP path's Status.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import { parse } from "yaml";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import { type StreamingCluster, startStreamingCluster } from "./cluster.js";

let c: StreamingCluster;
let creds: { server: string; ca: Buffer; cert: Buffer; key: Buffer };
before(async () => {
  c = await startStreamingCluster();
  const cfg = parse(readFileSync(c.kite.kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64");
  creds = {
    server: cfg.clusters[0]!.cluster.server,
    ca: b64(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b64(cfg.users[0]!.user["client-certificate-data"]),
    key: b64(cfg.users[0]!.user["client-key-data"]),
  };
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "ws-pod" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [
            "sh",
            "-c",
            "echo one; echo two; until [ -e /tmp/go ]; do sleep 0.1; done; echo three; sleep 3600",
          ],
        },
      ],
    },
  });
});
after(async () => {
  await c?.stop();
});

interface Session {
  ws: WebSocket;
  /** each message as received */
  messages: { data: Buffer; binary: boolean }[];
  /** the close code, once closed */
  closed: Promise<number>;
}

function openLog(query: string, protocols: string[]): Promise<Session> {
  const url = `${creds.server.replace(/^https/, "wss")}/api/v1/namespaces/default/pods/ws-pod/log${query}`;
  const ws = new WebSocket(url, protocols, { ca: creds.ca, cert: creds.cert, key: creds.key });
  const messages: Session["messages"] = [];
  ws.on("message", (data: Buffer, binary: boolean) => messages.push({ data, binary }));
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, messages, closed }));
    ws.once("error", reject);
  });
}

/** The log a session carried: binary messages as they are, text ones decoded from base64. */
function content(s: Session): string {
  return Buffer.concat(
    s.messages.map((m) => (m.binary ? m.data : Buffer.from(m.data.toString(), "base64"))),
  ).toString();
}

test("pods/log over WebSocket: binary with binary.k8s.io and with no subprotocol, base64 text frames with base64.binary.k8s.io", async () => {
  await eventually(
    async () => (await kubectl(c.kite, "1.33", ["logs", "ws-pod"])).stdout === "one\ntwo\n",
    20_000,
  );
  for (const protocols of [
    [],
    ["binary.k8s.io"],
    ["base64.binary.k8s.io"],
    ["v4.channel.k8s.io", "binary.k8s.io"],
  ]) {
    const s = await openLog("", protocols);
    const base64 = protocols.includes("base64.binary.k8s.io");
    assert.equal(
      s.ws.protocol,
      protocols.includes("binary.k8s.io") ? "binary.k8s.io" : base64 ? "base64.binary.k8s.io" : "",
    );
    assert.equal(await s.closed, 1000, `closed normally (${protocols.join(",")})`);
    assert.ok(s.messages.length >= 2, "a zero-length message, then the log");
    assert.equal(s.messages[0]!.data.length, 0);
    for (const m of s.messages) assert.equal(m.binary, !base64);
    if (base64) for (const m of s.messages) assert.match(m.data.toString(), /^[A-Za-z0-9+/]*={0,2}$/);
    assert.equal(content(s), "one\ntwo\n");
  }
  // the query parameters reach the node as on the HTTP path
  const tail = await openLog("?tailLines=1", ["binary.k8s.io"]);
  await tail.closed;
  assert.equal(content(tail), "two\n");
});

test("pods/log over WebSocket with follow=true delivers a line written later, until the client closes", async () => {
  const s = await openLog("?follow=true", ["base64.binary.k8s.io"]);
  try {
    await eventually(async () => content(s) === "one\ntwo\n", 10_000);
    const go = await kubectl(c.kite, "1.33", ["exec", "ws-pod", "--", "touch", "/tmp/go"]);
    assert.equal(go.code, 0, go.stderr);
    await eventually(async () => content(s) === "one\ntwo\nthree\n", 10_000);
  } finally {
    s.ws.close();
  }
  assert.equal(await s.closed, 1005);
});

/** A handshake the server refuses: its HTTP status and body. */
async function refused(query: string, protocols: string[]): Promise<{ code: number; body: string }> {
  const url = `${creds.server.replace(/^https/, "wss")}/api/v1/namespaces/default/pods/ws-pod/log${query}`;
  const ws = new WebSocket(url, protocols, { ca: creds.ca, cert: creds.cert, key: creds.key });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    ws.once("unexpected-response", (_req, r: IncomingMessage) => resolve(r));
    ws.once("open", () => reject(new Error("upgraded")));
    ws.once("error", reject);
  });
  const body = await new Promise<string>((resolve) => {
    let b = "";
    res.on("data", (d: Buffer) => {
      b += d.toString();
    });
    res.on("end", () => resolve(b));
  });
  ws.terminate();
  return { code: res.statusCode ?? 0, body };
}

test("pods/log over WebSocket for a container the pod does not have answers the HTTP path's Status, without an upgrade", async () => {
  const { code, body } = await refused("?container=nope", ["binary.k8s.io"]);
  assert.equal(code, 400);
  const status = JSON.parse(body) as { kind: string; status: string; message: string; reason: string };
  assert.equal(status.kind, "Status");
  assert.equal(status.status, "Failure");
  assert.equal(status.reason, "BadRequest");
  assert.equal(status.message, "container nope is not valid for pod ws-pod");
  const http = await kubectl(c.kite, "1.33", ["logs", "ws-pod", "-c", "nope"]);
  assert.match(http.stderr, /container nope is not valid for pod ws-pod/);
  // only subprotocols wsstream does not know: its handshake refuses with 403
  const unknown = await refused("", ["v4.channel.k8s.io"]);
  assert.equal(unknown.code, 403);
  assert.match(unknown.body, /requested protocol\(s\) are not supported/);
});
