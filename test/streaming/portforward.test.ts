// kubectl port-forward through a real `kite server` and its agent: SPDY over an upgraded POST
// (kubectl 1.27, 1.30) and SPDY tunnelled in a WebSocket (1.31+, `SPDY/3.1+portforward.k8s.io`).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { testedVersions } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import {
  childrenOf,
  kubectlPath,
  type StreamingCluster,
  startStreamingCluster,
  waitListening,
} from "./cluster.js";

let c: StreamingCluster;
before(async () => {
  c = await startStreamingCluster();
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-pod" },
    spec: { containers: [{ name: "web", image: "nginx:alpine", ports: [{ containerPort: 80 }] }] },
  });
  await waitListening(c.kite, "web-pod");
});
after(async () => {
  await c?.stop();
});

function get(port: number): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => {
        body += b.toString();
      });
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** Starts `kubectl port-forward` and returns it with the local port it chose. */
async function portForward(
  v: string,
  remote: number,
): Promise<{ pf: ChildProcess; port: number; out: () => string }> {
  const pf = spawn(kubectlPath(v), ["port-forward", "pod/web-pod", `:${remote}`], { env: c.env });
  let out = "";
  pf.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  pf.stderr!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const port = await eventually(
    async () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0) || undefined,
    20_000,
  );
  return { pf, port, out: () => out };
}

function stopped(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (p.exitCode !== null || p.signalCode !== null) r();
    else p.once("exit", () => r());
  });
}

/** The agent's socat/nsenter helpers (children of the kite server, which runs the agent). */
const helpers = () => childrenOf(c.kite.pid).filter((p) => p.comm === "socat" || p.comm === "nsenter");

for (const v of testedVersions()) {
  test(`kubectl ${v} port-forward: ten parallel GETs return the nginx page; no helper is left`, async () => {
    const { pf, port, out } = await portForward(v, 80);
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => get(port)));
      for (const r of results) {
        assert.equal(r.code, 200, out());
        assert.match(r.body, /<title>Welcome to nginx!<\/title>/);
      }
      // and one more afterwards, on the same session
      assert.equal((await get(port)).code, 200);
    } finally {
      pf.kill();
      await stopped(pf);
    }
    await eventually(async () => helpers().length === 0, 10_000);
  });
}

test("port-forward to a port nothing listens on: kubectl reports the node's error", async () => {
  const { pf, port, out } = await portForward("1.33", 81);
  try {
    await assert.rejects(get(port));
    await eventually(async () => out().includes("error forwarding port 81 to pod web-pod"), 10_000);
    assert.match(
      out(),
      /failed to connect to localhost:81 inside namespace \\?"web-pod\\?", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused/,
    );
  } finally {
    pf.kill();
    await stopped(pf);
  }
  await eventually(async () => helpers().length === 0, 10_000);
});
