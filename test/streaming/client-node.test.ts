// @kubernetes/client-node's streaming clients (Exec, Attach, Log, PortForward) against a real kite
// server and its agent: each speaks WebSocket (v5/v4.channel.k8s.io; port-forward the kubelet's
// v4 channel protocol) through the API server to the node.
import assert from "node:assert/strict";
import { get } from "node:http";
import { createServer } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { after, before, test } from "node:test";
import { Attach, Exec, KubeConfig, Log, PortForward, type V1Status } from "@kubernetes/client-node";
import type WebSocket from "ws";
import { eventually } from "../support/wait.js";
import { childrenOf, type StreamingCluster, startStreamingCluster } from "./cluster.js";

let c: StreamingCluster;
let kc: KubeConfig;
before(async () => {
  c = await startStreamingCluster();
  kc = new KubeConfig();
  kc.loadFromFile(c.kite.kubeconfig);
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "box" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "box",
          image: "busybox",
          command: [
            "sh",
            "-c",
            "echo first; echo second; mkdir -p /www; echo hello-from-box > /www/index.html; exec httpd -f -p 8080 -h /www",
          ],
        },
      ],
    },
  });
});
after(async () => {
  await c?.stop();
});

const collect = () => {
  const s = new PassThrough();
  let text = "";
  s.on("data", (b: Buffer) => {
    text += b.toString();
  });
  return { s, text: () => text };
};

test("client-node Exec: stdin in, stdout and stderr out, the exit code in the Status", async () => {
  const out = collect();
  const err = collect();
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc)
      .exec(
        "default",
        "box",
        "box",
        ["sh", "-c", "cat; echo oops >&2; exit 7"],
        out.s,
        err.s,
        Readable.from([Buffer.from("piped input\n")]),
        false,
        resolve,
      )
      .catch(reject);
  });
  assert.equal(status.status, "Failure");
  assert.equal(status.reason, "NonZeroExitCode");
  assert.deepEqual(status.details?.causes, [{ reason: "ExitCode", message: "7" }]);
  await eventually(async () => out.text() === "piped input\n" && err.text() === "oops\n", 5_000);
});

test("client-node Log: the container's lines, tailLines and follow", async () => {
  const all = collect();
  await new Promise<void>((resolve, reject) => {
    all.s.on("end", resolve);
    new Log(kc).log("default", "box", "box", all.s, {}).catch(reject);
  });
  assert.equal(all.text(), "first\nsecond\n");
  const tail = collect();
  await new Promise<void>((resolve, reject) => {
    tail.s.on("end", resolve);
    new Log(kc).log("default", "box", "box", tail.s, { tailLines: 1, timestamps: true }).catch(reject);
  });
  assert.match(tail.text(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z second\n$/);
  const follow = collect();
  const ctl = await new Log(kc).log("default", "box", "box", follow.s, { follow: true });
  await eventually(async () => follow.text() === "first\nsecond\n", 10_000);
  ctl.abort();
});

test("client-node Attach: a stdinOnce container reads what is sent and ends when it ends", async () => {
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "reader" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "reader",
          image: "busybox",
          command: ["sh", "-c", 'read l; echo "read: $l"; echo bye >&2'],
          stdin: true,
          stdinOnce: true,
        },
      ],
    },
  });
  const out = collect();
  const err = collect();
  const input = new PassThrough();
  const ws = (await new Attach(kc).attach(
    "default",
    "reader",
    "reader",
    out.s,
    err.s,
    input,
    false,
  )) as WebSocket;
  const closed = new Promise<void>((r) => ws.on("close", () => r()));
  input.write("from client-node\n");
  await closed;
  assert.equal(out.text(), "read: from client-node\n");
  assert.equal(err.text(), "bye\n");
});

test("client-node PortForward: each local connection reaches the pod's port over the v4 channel protocol", async () => {
  const pf = new PortForward(kc);
  const server = createServer((socket) => {
    pf.portForward("default", "box", [8080], socket, null, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const fetchPage = () =>
    new Promise<string>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (b: Buffer) => {
          body += b.toString();
        });
        res.on("end", () => resolve(body));
        res.on("error", reject);
      }).on("error", reject);
    });
  try {
    assert.equal(await fetchPage(), "hello-from-box\n");
    const pages = await Promise.all(Array.from({ length: 5 }, fetchPage));
    assert.deepEqual(pages, Array(5).fill("hello-from-box\n"));
  } finally {
    server.close();
  }
  // each forwarded connection's socat in the pod's netns is gone once its connection is
  await eventually(
    async () => childrenOf(c.kite.pid).every((p) => p.comm !== "nsenter" && p.comm !== "socat"),
    10_000,
  );
});
