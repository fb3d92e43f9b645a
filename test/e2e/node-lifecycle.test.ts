// The node lifecycle controller: a node whose Lease stops being renewed goes NotReady (conditions
// Unknown, unreachable taints), its pods lose Ready, and a pod whose toleration has run out is
// evicted. Grace periods are shortened by flags so the test takes seconds.
import assert from "node:assert/strict";
import type { Agent } from "node:https";
import { after, before, test } from "node:test";
import { adminAgent, call } from "../support/http.js";
import { type KiteServer, startKite } from "../support/kite.js";
import { eventually } from "../support/wait.js";

let k: KiteServer;
let agent: Agent;
before(async () => {
  k = await startKite({ args: ["--node-monitor-grace-period", "2", "--node-monitor-period", "1"] });
  agent = adminAgent(k);
});
after(async () => {
  agent?.destroy();
  await k?.cleanup();
});

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const micro = () => new Date().toISOString().replace(/Z$/, "000Z");

test("a node that stops renewing its lease goes NotReady, gets tainted, and its pods are handled", async () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-b" },
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
      allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: now(),
          lastTransitionTime: now(),
        },
      ],
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/nodes", node)).code, 201);
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "node-b", namespace: "kube-node-lease" },
    spec: { holderIdentity: "node-b", leaseDurationSeconds: 40, renewTime: micro() },
  };
  assert.equal(
    (await call(k, agent, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease))
      .code,
    201,
    "lease",
  );
  const pod = (name: string, tolerationSeconds: number) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      nodeName: "node-b",
      containers: [{ name: "c", image: "busybox" }],
      tolerations: [
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds },
      ],
    },
  });
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod("patient", 3600))).code,
    201,
  );
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod("impatient", 1))).code,
    201,
  );
  // The agent would set Ready; do it as it would, through pods/status.
  for (const name of ["patient", "impatient"]) {
    const r = await call(
      k,
      agent,
      "PATCH",
      `/api/v1/namespaces/default/pods/${name}/status`,
      {
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: now() }],
        },
      },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(r.code, 200, r.body);
  }

  // No more renewals: within grace + a period the node is Unknown.
  const ready = await eventually(async () => {
    const n = (await call(k, agent, "GET", "/api/v1/nodes/node-b")).json<{
      status: { conditions: Array<{ type: string; status: string; reason?: string }> };
    }>();
    const c = n.status.conditions.find((x) => x.type === "Ready");
    return c?.status === "Unknown" ? c : undefined;
  });
  assert.equal(ready.reason, "NodeStatusUnknown");
  const taints = await eventually(async () => {
    const n = (await call(k, agent, "GET", "/api/v1/nodes/node-b")).json<{
      spec: { taints?: Array<{ key: string; effect: string }> };
    }>();
    return n.spec.taints?.length ? n.spec.taints : undefined;
  });
  assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), [
    "node.kubernetes.io/unreachable:NoExecute",
    "node.kubernetes.io/unreachable:NoSchedule",
  ]);
  await eventually(async () => {
    const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/patient")).json<{
      status: { conditions: Array<{ type: string; status: string }> };
    }>();
    return p.status.conditions.find((c) => c.type === "Ready")?.status === "False" ? true : undefined;
  });
  await eventually(async () => {
    const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/impatient")).json<{
      metadata: { deletionTimestamp?: string };
    }>();
    return p.metadata.deletionTimestamp;
  });
  const patient = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/patient")).json<{
    metadata: { deletionTimestamp?: string };
  }>();
  assert.equal(patient.metadata.deletionTimestamp, undefined);
});
