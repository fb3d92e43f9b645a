// The agent's node half against a real kite server: it registers the Node with this machine's
// capacity and nodeInfo, keeps its Lease renewed, and once it stops, the node lifecycle
// controller marks the node NotReady (grace shortened by flags).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { startNodeStatus } from "../../src/agent/node-status.js";
import { newClient } from "../../src/client/client.js";
import { newLogger } from "../../src/util/log.js";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";

let k: KiteServer;
before(async () => {
  k = await startKite({ args: ["--node-monitor-grace-period", "3", "--node-monitor-period", "1"] });
});
after(async () => {
  await k?.cleanup();
});

function clientFor(k: KiteServer) {
  const cfg = parse(readFileSync(k.kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64");
  return newClient({
    server: k.server,
    ca: b(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(cfg.users[0]!.user["client-certificate-data"]),
    key: b(cfg.users[0]!.user["client-key-data"]),
  });
}

test("the node registers itself Ready with capacity, nodeInfo and a renewed lease; NotReady once it stops", async () => {
  const client = clientFor(k);
  const status = startNodeStatus(client, newLogger("error"), {
    nodeName: "agent-node",
    podCIDR: "10.42.9.0/24",
    containerRuntimeVersion: "runc://1.1.5",
    kubeletVersion: "v1.33.0+kite",
    dataDir: k.dataDir,
    kubeletPort: 10250,
    maxPods: 110,
    leaseDurationSeconds: 4,
  });
  await status.ready;
  const list = await kubectl(k, "1.33", ["get", "nodes", "-o", "wide"]);
  assert.match(
    list.stdout,
    /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/,
  );
  assert.match(
    list.stdout,
    /agent-node\s+Ready\s+<none>\s+\S+\s+v1\.33\.0\+kite\s+\S+\s+<none>\s+.+runc:\/\/1\.1\.5/,
  );
  const node = JSON.parse((await kubectl(k, "1.33", ["get", "node", "agent-node", "-o", "json"])).stdout) as {
    spec: { podCIDR: string };
    status: { capacity: Record<string, string>; nodeInfo: { kernelVersion: string; osImage: string } };
  };
  assert.equal(node.spec.podCIDR, "10.42.9.0/24");
  assert.ok(Number(node.status.capacity.cpu) >= 1);
  assert.match(node.status.capacity.memory!, /^\d+Ki$/);
  assert.ok(node.status.nodeInfo.kernelVersion.length > 0);
  const lease1 = JSON.parse(
    (await kubectl(k, "1.33", ["get", "lease", "-n", "kube-node-lease", "agent-node", "-o", "json"])).stdout,
  ) as { spec: { renewTime: string; holderIdentity: string } };
  assert.equal(lease1.spec.holderIdentity, "agent-node");
  await new Promise((r) => setTimeout(r, 1500));
  const lease2 = JSON.parse(
    (await kubectl(k, "1.33", ["get", "lease", "-n", "kube-node-lease", "agent-node", "-o", "json"])).stdout,
  ) as { spec: { renewTime: string } };
  assert.notEqual(lease2.spec.renewTime, lease1.spec.renewTime, "the lease is renewed");
  // Still Ready while it renews, even past the grace period.
  await new Promise((r) => setTimeout(r, 3500));
  assert.match((await kubectl(k, "1.33", ["get", "node", "agent-node"])).stdout, /agent-node\s+Ready\s/);

  status.stop();
  const end = Date.now() + 20_000;
  for (;;) {
    const out = (await kubectl(k, "1.33", ["get", "node", "agent-node"])).stdout;
    if (/agent-node\s+NotReady\s/.test(out)) break;
    if (Date.now() > end) assert.fail(`node never went NotReady:\n${out}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  client.close();
});
