// The scheduler against a real kite server: a node registered through the API (as an agent
// registers itself), pods bound to it when they fit, Pending with FailedScheduling when not.
import assert from "node:assert/strict";
import type { Agent } from "node:https";
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
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-a", labels: { "kubernetes.io/hostname": "node-a", "kubernetes.io/os": "linux" } },
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
      allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/nodes", node)).code, 201);
});
after(async () => {
  agent?.destroy();
  await k?.cleanup();
});

const pod = (name: string, spec: Record<string, unknown> = {}, resources?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: {
    containers: [
      { name: "c", image: "busybox", ...(resources ? { resources: { requests: resources } } : {}) },
    ],
    ...spec,
  },
});

test("a pod that fits is bound to the node with a Scheduled event", async () => {
  assert.equal((await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod("fits"))).code, 201);
  const nodeName = await eventually(async () => {
    const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/fits")).json<{
      spec: { nodeName?: string };
    }>();
    return p.spec.nodeName;
  });
  assert.equal(nodeName, "node-a");
  const ev = await eventually(async () => {
    const r = await kubectl(k, "1.33", [
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=fits,reason=Scheduled",
      "-o",
      "json",
    ]);
    const items = (
      JSON.parse(r.stdout) as { items: Array<{ message: string; source: { component: string } }> }
    ).items;
    return items[0];
  });
  assert.equal(ev.message, "Successfully assigned default/fits to node-a");
  assert.equal(ev.source.component, "default-scheduler");
});

test("a pod asking for more memory than the node has stays Pending with FailedScheduling", async () => {
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod("too-big", {}, { memory: "64Gi" })))
      .code,
    201,
  );
  const cond = await eventually(async () => {
    const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/too-big")).json<{
      status: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
    }>();
    return p.status.conditions?.find((c) => c.type === "PodScheduled");
  });
  assert.equal(cond.status, "False");
  assert.equal(cond.reason, "Unschedulable");
  assert.match(cond.message ?? "", /^0\/1 nodes are available: 1 Insufficient memory\./);
  const d = await kubectl(k, "1.33", ["describe", "pod", "too-big"]);
  assert.match(
    d.stdout,
    /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/1 nodes are available: 1 Insufficient memory\./,
  );
  const list = await kubectl(k, "1.33", ["get", "pod", "too-big"]);
  assert.match(list.stdout, /too-big\s+0\/1\s+Pending/);
});

test("a nodeSelector that matches no node keeps the pod Pending", async () => {
  assert.equal(
    (
      await call(
        k,
        agent,
        "POST",
        "/api/v1/namespaces/default/pods",
        pod("nowhere", { nodeSelector: { disk: "nvme" } }),
      )
    ).code,
    201,
  );
  const cond = await eventually(async () => {
    const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/nowhere")).json<{
      status: { conditions?: Array<{ type: string; message?: string }> };
    }>();
    return p.status.conditions?.find((c) => c.type === "PodScheduled");
  });
  assert.match(
    cond.message ?? "",
    /^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector\./,
  );
});

test("a pod naming another scheduler is left alone", async () => {
  assert.equal(
    (
      await call(
        k,
        agent,
        "POST",
        "/api/v1/namespaces/default/pods",
        pod("other", { schedulerName: "my-scheduler" }),
      )
    ).code,
    201,
  );
  await new Promise((r) => setTimeout(r, 1000));
  const p = (await call(k, agent, "GET", "/api/v1/namespaces/default/pods/other")).json<{
    spec: { nodeName?: string };
  }>();
  assert.equal(p.spec.nodeName, undefined);
});
