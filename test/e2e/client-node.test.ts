// @kubernetes/client-node (1.x), the JavaScript client people use, against a real kite server:
// list, watch, create and delete pods.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { type KiteServer, startKite } from "../support/kite.js";

let k: KiteServer;
let kc: KubeConfig;
before(async () => {
  k = await startKite();
  kc = new KubeConfig();
  kc.loadFromFile(k.kubeconfig);
});
after(async () => {
  await k?.cleanup();
});

test("client-node creates, lists, watches and deletes pods", async () => {
  const api = kc.makeApiClient(CoreV1Api);
  const events: string[] = [];
  const watch = new Watch(kc);
  let sawDelete: () => void = () => {};
  const deleted = new Promise<void>((r) => {
    sawDelete = r;
  });
  const req = await watch.watch(
    "/api/v1/namespaces/default/pods",
    {},
    (type: string, obj: { metadata?: { name?: string } }) => {
      events.push(`${type} ${obj.metadata?.name}`);
      if (type === "DELETED" && obj.metadata?.name === "from-client-node") sawDelete();
    },
    () => {},
  );

  const created = await api.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "from-client-node", labels: { app: "js" } },
      spec: { containers: [{ name: "web", image: "nginx:alpine" }] },
    },
  });
  assert.equal(created.metadata?.name, "from-client-node");
  assert.equal(created.spec?.restartPolicy, "Always");
  assert.equal(created.status?.phase, "Pending");

  const list = await api.listNamespacedPod({ namespace: "default", labelSelector: "app=js" });
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ["from-client-node"],
  );

  await api.deleteNamespacedPod({ name: "from-client-node", namespace: "default" });
  await deleted;
  req.abort();
  // The scheduler may modify the pod in between (PodScheduled=False with no node to run it).
  assert.deepEqual(
    events.filter((e) => !e.startsWith("MODIFIED")),
    ["ADDED from-client-node", "DELETED from-client-node"],
  );

  await assert.rejects(
    api.readNamespacedPod({ name: "from-client-node", namespace: "default" }),
    (err: { code?: number }) => {
      assert.equal(err.code, 404);
      return true;
    },
  );
});
