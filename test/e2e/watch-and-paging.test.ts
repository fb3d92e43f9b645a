// kubectl get -w shows additions, changes and deletions as they happen; a watch resumed from an
// old resourceVersion replays what it missed; --chunk-size pages through 500 pods; a compacted
// resourceVersion gets 410 Gone.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, kubectlPath } from "../support/kubectl.js";

let k: KiteServer;
before(async () => {
  // Compaction every second, keeping 5 revisions, so the 410 case is reachable.
  k = await startKite({
    args: ["--datastore-compaction-interval", "1", "--datastore-retain-revisions", "600"],
  });
});
after(async () => {
  await k?.cleanup();
});

const podJson = (name: string, labels: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  });

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("kubectl get pods -w shows additions, changes and deletions", async () => {
  const w = spawn(kubectlPath("1.33"), ["get", "pods", "-w", "-n", "default"], {
    env: { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig },
  });
  let out = "";
  w.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await kubectl(k, "1.33", ["create", "-f", "-"], { input: podJson("watched") })).code, 0);
    await until(() => /watched\s+0\/1\s+Pending/.test(out));
    assert.equal((await kubectl(k, "1.33", ["label", "pod", "watched", "x=y"])).code, 0);
    await until(() => (out.match(/^watched\s/gm) ?? []).length >= 2);
    assert.equal((await kubectl(k, "1.33", ["delete", "pod", "watched"])).code, 0);
    await until(() => (out.match(/^watched\s/gm) ?? []).length >= 3);
  } finally {
    w.kill();
  }
});

test("a watch resumed from an old resourceVersion replays what it missed", async () => {
  const list = JSON.parse(
    (await kubectl(k, "1.33", ["get", "--raw", "/api/v1/namespaces/default/pods"])).stdout,
  ) as {
    metadata: { resourceVersion: string };
  };
  const rv = list.metadata.resourceVersion;
  for (const n of ["r1", "r2"])
    assert.equal((await kubectl(k, "1.33", ["create", "-f", "-"], { input: podJson(n) })).code, 0);
  assert.equal((await kubectl(k, "1.33", ["delete", "pod", "r1"])).code, 0);
  const replay = await kubectl(k, "1.33", [
    "get",
    "--raw",
    `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`,
  ]);
  const events = replay.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } })
    .map((e) => `${e.type} ${e.object.metadata.name}`);
  // MODIFIED events from the scheduler (no node: PodScheduled=False) may come in between.
  assert.deepEqual(
    events.filter((e) => !e.startsWith("MODIFIED")),
    ["ADDED r1", "ADDED r2", "DELETED r1"],
  );
});

test("kubectl get --chunk-size pages through 500 pods", async () => {
  assert.equal((await kubectl(k, "1.33", ["create", "namespace", "many"])).code, 0);
  const items = Array.from(
    { length: 500 },
    (_, i) => JSON.parse(podJson(`p${String(i).padStart(3, "0")}`)) as object,
  );
  const created = await kubectl(k, "1.33", ["create", "-n", "many", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    timeoutMs: 120_000,
  });
  assert.equal(created.code, 0, created.stderr);
  const r = await kubectl(k, "1.33", ["get", "pods", "-n", "many", "--chunk-size=37", "-o", "name", "-v=6"]);
  assert.equal(r.code, 0, r.stderr);
  const names = r.stdout.trim().split("\n");
  assert.equal(names.length, 500);
  assert.equal(new Set(names).size, 500);
  const pages = (r.stderr.match(/"Response" verb="GET" url="https:\/\/[^"]+\/pods\?[^"]*limit=37/g) ?? [])
    .length;
  assert.equal(pages, Math.ceil(500 / 37));
});

test("a watch or list from a compacted resourceVersion gets 410 Gone", async () => {
  const before = JSON.parse(
    (await kubectl(k, "1.33", ["get", "--raw", "/api/v1/namespaces/default/pods"])).stdout,
  ) as {
    metadata: { resourceVersion: string };
  };
  // Push the old revision well past the retained window, then let compaction run.
  const items = Array.from({ length: 700 }, (_, i) => JSON.parse(podJson(`c${i}`)) as object);
  await kubectl(k, "1.33", ["create", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    timeoutMs: 120_000,
  });
  await new Promise((r) => setTimeout(r, 2500));
  const w = await kubectl(k, "1.33", [
    "get",
    "--raw",
    `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${before.metadata.resourceVersion}`,
  ]);
  const ev = JSON.parse(w.stdout.trim().split("\n")[0]!) as {
    type: string;
    object: { code: number; reason: string; message: string };
  };
  assert.equal(ev.type, "ERROR");
  assert.equal(ev.object.code, 410);
  assert.match(ev.object.message, /^too old resource version: \d+ \(\d+\)$/);
  const l = await kubectl(k, "1.33", [
    "get",
    "--raw",
    `/api/v1/namespaces/default/pods?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`,
  ]);
  assert.equal(l.code, 1);
  assert.match(l.stderr, /Expired|too old resource version/);
});
