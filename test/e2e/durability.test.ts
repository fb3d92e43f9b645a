// "A kill -9 of the server never loses a write that was answered": a stream of creates, SIGKILL
// in the middle, a restart on the same data dir, and every acknowledged pod is still there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { after, test } from "node:test";
import { parse } from "yaml";
import { type KiteServer, startKite } from "../support/kite.js";

let k: KiteServer | undefined;
after(async () => {
  await k?.cleanup();
});

interface Creds {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}
function creds(kubeconfig: string): Creds {
  const cfg = parse(readFileSync(kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64");
  return {
    ca: b(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(cfg.users[0]!.user["client-certificate-data"]),
    key: b(cfg.users[0]!.user["client-key-data"]),
  };
}

function call(
  k: KiteServer,
  c: Creds,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${k.server}${path}`,
      { method, ca: c.ca, cert: c.cert, key: c.key, headers: { "content-type": "application/json" } },
      (res) => {
        let data = "";
        res.on("data", (d: Buffer) => {
          data += d.toString();
        });
        res.on("end", () => resolve({ code: res.statusCode ?? 0, body: data }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test("SIGKILL during a stream of creates loses no acknowledged write", async () => {
  k = await startKite();
  const c = creds(k.kubeconfig);
  const acked: string[] = [];
  let stop = false;
  const writers = [0, 1, 2, 3].map(async (w) => {
    for (let i = 0; !stop; i++) {
      const name = `p-${w}-${i}`;
      try {
        const r = await call(k!, c, "POST", "/api/v1/namespaces/default/pods", {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        });
        if (r.code === 201) acked.push(name);
      } catch {
        return; // the server died mid-request: that write was never acknowledged
      }
    }
  });
  while (acked.length < 200) await new Promise((r) => setTimeout(r, 5));
  await k.kill();
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.length >= 200);
  await k.restart();
  const list = await call(k, c, "GET", "/api/v1/namespaces/default/pods");
  assert.equal(list.code, 200);
  const names = new Set(
    (JSON.parse(list.body) as { items: Array<{ metadata: { name: string } }> }).items.map(
      (p) => p.metadata.name,
    ),
  );
  const lost = acked.filter((n) => !names.has(n));
  assert.deepEqual(lost, [], `lost ${lost.length} of ${acked.length} acknowledged creates`);
});
