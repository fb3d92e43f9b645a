// Server lifecycle and object lifecycle: clean shutdown on SIGTERM, one kite per data dir,
// namespaces deleted with what they hold, finalizers and propagationPolicy honoured,
// graceful deletion of a pod bound to a node.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Agent } from "node:https";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { adminAgent, call } from "../support/http.js";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";

let k: KiteServer;
let agent: Agent;
before(async () => {
  k = await startKite();
  agent = adminAgent(k);
});
after(async () => {
  agent?.destroy();
  await k?.cleanup();
});

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...extra },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

test("the system namespaces exist at start", async () => {
  const r = await kubectl(k, "1.33", ["get", "namespaces", "-o", "name"]);
  assert.deepEqual(r.stdout.trim().split("\n").sort(), [
    "namespace/default",
    "namespace/kube-node-lease",
    "namespace/kube-public",
    "namespace/kube-system",
  ]);
});

test("a second kite on the same data dir refuses to start, naming the first", async () => {
  await assert.rejects(startKite({ dataDir: k.dataDir }), /already running with --data-dir/);
});

test("deleting a namespace deletes what is in it, then the namespace", async () => {
  assert.equal((await kubectl(k, "1.33", ["create", "namespace", "doomed"])).code, 0);
  assert.equal((await call(k, agent, "POST", "/api/v1/namespaces/doomed/pods", pod("a"))).code, 201);
  assert.equal(
    (
      await call(k, agent, "POST", "/api/v1/namespaces/doomed/configmaps", {
        metadata: { name: "cm" },
        data: { k: "v" },
      })
    ).code,
    201,
  );
  const del = await kubectl(k, "1.33", ["delete", "namespace", "doomed"], { timeoutMs: 60_000 });
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout.trim(), 'namespace "doomed" deleted');
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/doomed")).code, 404);
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/doomed/pods/a")).code, 404);
  const created = await call(k, agent, "POST", "/api/v1/namespaces/doomed/pods", pod("late"));
  assert.equal(created.code, 404);
});

test("an object with a finalizer lingers until the finalizer is removed", async () => {
  assert.equal(
    (
      await call(k, agent, "POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: "held", finalizers: ["example.com/hold"] },
      })
    ).code,
    201,
  );
  const d = await call(k, agent, "DELETE", "/api/v1/namespaces/default/configmaps/held");
  assert.equal(d.code, 200);
  const held = await call(k, agent, "GET", "/api/v1/namespaces/default/configmaps/held");
  assert.equal(held.code, 200);
  assert.ok(held.json<{ metadata: { deletionTimestamp?: string } }>().metadata.deletionTimestamp);
  const patched = await call(
    k,
    agent,
    "PATCH",
    "/api/v1/namespaces/default/configmaps/held",
    { metadata: { finalizers: null } },
    { "content-type": "application/merge-patch+json" },
  );
  assert.equal(patched.code, 200, patched.body);
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/default/configmaps/held")).code, 404);
});

test("propagationPolicy: background collects dependents, orphan keeps them", async () => {
  const owner = (
    await call(k, agent, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "owner" } })
  ).json<{
    metadata: { uid: string };
  }>();
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid };
  assert.equal(
    (
      await call(
        k,
        agent,
        "POST",
        "/api/v1/namespaces/default/pods",
        pod("dependent", { ownerReferences: [ref] }),
      )
    ).code,
    201,
  );
  await call(k, agent, "DELETE", "/api/v1/namespaces/default/configmaps/owner", {
    propagationPolicy: "Background",
  });
  await eventually(
    async () => (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/dependent")).code === 404,
  );

  const owner2 = (
    await call(k, agent, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "owner2" } })
  ).json<{
    metadata: { uid: string };
  }>();
  const ref2 = { apiVersion: "v1", kind: "ConfigMap", name: "owner2", uid: owner2.metadata.uid };
  assert.equal(
    (
      await call(
        k,
        agent,
        "POST",
        "/api/v1/namespaces/default/pods",
        pod("orphan", { ownerReferences: [ref2] }),
      )
    ).code,
    201,
  );
  await call(k, agent, "DELETE", "/api/v1/namespaces/default/configmaps/owner2", {
    propagationPolicy: "Orphan",
  });
  await eventually(
    async () => (await call(k, agent, "GET", "/api/v1/namespaces/default/configmaps/owner2")).code === 404,
  );
  const kept = await call(k, agent, "GET", "/api/v1/namespaces/default/pods/orphan");
  assert.equal(kept.code, 200);
  assert.equal(kept.json<{ metadata: { ownerReferences?: unknown } }>().metadata.ownerReferences, undefined);
});

test("propagationPolicy: foreground deletes the dependents first, then the owner", async () => {
  const owner = (
    await call(k, agent, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "fg-owner" } })
  ).json<{
    metadata: { uid: string };
  }>();
  const ref = {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "fg-owner",
    uid: owner.metadata.uid,
    blockOwnerDeletion: true,
  };
  assert.equal(
    (
      await call(k, agent, "POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: "fg-dep", ownerReferences: [ref] },
      })
    ).code,
    201,
  );
  const d = await call(k, agent, "DELETE", "/api/v1/namespaces/default/configmaps/fg-owner", {
    propagationPolicy: "Foreground",
  });
  assert.equal(d.code, 200);
  assert.ok(
    d.json<{ metadata: { finalizers?: string[] } }>().metadata.finalizers?.includes("foregroundDeletion"),
  );
  await eventually(
    async () => (await call(k, agent, "GET", "/api/v1/namespaces/default/configmaps/fg-owner")).code === 404,
  );
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/default/configmaps/fg-dep")).code, 404);
});

test("a pod bound to a node is deleted gracefully: deletionTimestamp, then gone when its node finishes it", async () => {
  assert.equal((await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod("bound"))).code, 201);
  const bind = await call(k, agent, "POST", "/api/v1/namespaces/default/pods/bound/binding", {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "bound" },
    target: { kind: "Node", name: "node-a" },
  });
  assert.equal(bind.code, 201, bind.body);
  const rebind = await call(k, agent, "POST", "/api/v1/namespaces/default/pods/bound/binding", {
    metadata: { name: "bound" },
    target: { kind: "Node", name: "node-b" },
  });
  assert.equal(rebind.code, 409);
  const d = await call(k, agent, "DELETE", "/api/v1/namespaces/default/pods/bound");
  assert.equal(d.code, 200);
  const marked = d.json<{ metadata: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number } }>();
  assert.ok(marked.metadata.deletionTimestamp);
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/default/pods/bound")).code, 200);
  // What the node's agent does once the containers are stopped.
  const final = await call(k, agent, "DELETE", "/api/v1/namespaces/default/pods/bound", {
    gracePeriodSeconds: 0,
  });
  assert.equal(final.code, 200);
  assert.equal((await call(k, agent, "GET", "/api/v1/namespaces/default/pods/bound")).code, 404);
});

test("SIGTERM shuts kite down cleanly and releases the data dir", async () => {
  await k.stop();
  assert.equal(existsSync(join(k.dataDir, "server", "kite.pid")), false);
  await k.restart();
  assert.equal((await call(k, agent, "GET", "/readyz")).code, 200);
});
