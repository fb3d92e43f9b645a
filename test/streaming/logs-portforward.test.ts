// kubectl logs (each flag) and port-forward through kite's API server to the node.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { test } from "node:test";
import { BUSYBOX, NGINX } from "../runtime/helpers.js";
import { kubectl, kubectlPath } from "../support/kubectl.js";
import { startCluster } from "./harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

test("kubectl logs: --tail, --limit-bytes, --timestamps, --since, --previous, -f across a restart", async (t) => {
  const c = await startCluster(t);
  const script = "echo one; echo two; sleep 2; echo three; sleep 3600";
  const pod = await c.runPod("log-pod", [{ name: "main", image: BUSYBOX, command: ["sh", "-c", script] }]);
  await sleep(3000);
  const v = "1.33";
  const all = await kubectl(c.kite, v, ["logs", "log-pod"]);
  assert.equal(all.stdout, "one\ntwo\nthree\n", all.stderr);
  assert.equal((await kubectl(c.kite, v, ["logs", "log-pod", "--tail=1"])).stdout, "three\n");
  assert.equal((await kubectl(c.kite, v, ["logs", "log-pod", "--limit-bytes=1"])).stdout, "o");
  const ts = (await kubectl(c.kite, v, ["logs", "log-pod", "--timestamps"])).stdout.trim().split("\n");
  assert.equal(ts.length, 3);
  for (const l of ts) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) \w+$/);
  assert.equal((await kubectl(c.kite, v, ["logs", "log-pod", "--since=24h"])).stdout, "one\ntwo\nthree\n");
  await sleep(1200);
  assert.equal((await kubectl(c.kite, v, ["logs", "log-pod", "--since=1s"])).stdout, "");
  const bad = await kubectl(c.kite, v, ["logs", "log-pod", "-c", "nope"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /container nope is not valid for pod log-pod/);

  // -f: follows, and goes on into the next instance after a restart
  const f = spawn(kubectlPath(v), ["logs", "-f", "log-pod"], {
    env: { PATH: process.env.PATH, HOME: c.kite.home, KUBECONFIG: c.kite.kubeconfig },
  });
  let followed = "";
  f.stdout.on("data", (b: Buffer) => {
    followed += b.toString();
  });
  await sleep(1500);
  await pod.restart("main");
  for (let i = 0; i < 100 && !followed.endsWith("three\none\ntwo\nthree\n"); i++) await sleep(100);
  f.kill();
  assert.equal(followed, "one\ntwo\nthree\none\ntwo\nthree\n");
  // --previous: the instance before the restart
  const prev = await kubectl(c.kite, v, ["logs", "log-pod", "--previous"]);
  assert.equal(prev.stdout, "one\ntwo\nthree\n", prev.stderr);
});

test("kubectl port-forward: ten parallel GETs to nginx, WebSocket-tunnelled SPDY (1.31+) and SPDY (1.27)", {
  todo: "connections are accepted and reach the node, but the GETs get 'socket hang up'",
}, async (t) => {
  const c = await startCluster(t);
  const pod = await c.runPod("web-pod", [{ name: "web", image: NGINX }]);
  // kubectl gives up on the first connection the pod refuses, as with any cluster: wait for nginx
  for (let i = 0; i < 100; i++) {
    const r = await c.rt.runtime.execSync(pod.containerIds.web!, ["cat", "/proc/net/tcp"], 5);
    if (/^\s*\d+: [0-9A-F]+:0050 [0-9A-F]+:0000 0A/m.test(r.stdout)) break;
    await sleep(100);
  }
  for (const v of ["1.27", "1.33"]) {
    await t.test(`kubectl ${v}`, { todo: "see above" }, async () => {
      const pf = spawn(kubectlPath(v), ["port-forward", "pod/web-pod", ":80"], {
        env: { PATH: process.env.PATH, HOME: c.kite.home, KUBECONFIG: c.kite.kubeconfig },
      });
      let out = "";
      pf.stdout.on("data", (b: Buffer) => {
        out += b.toString();
      });
      pf.stderr.on("data", (b: Buffer) => {
        out += b.toString();
      });
      try {
        let port = 0;
        for (let i = 0; i < 100 && !port; i++) {
          port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0);
          if (!port) await sleep(100);
        }
        assert.ok(port, out);
        const results = await Promise.all(Array.from({ length: 10 }, () => get(port)));
        for (const r of results) {
          assert.equal(r.code, 200);
          assert.match(r.body, /Welcome to nginx/);
        }
      } finally {
        pf.kill();
      }
    });
  }
});
