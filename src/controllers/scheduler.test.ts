import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { fitErrorMessage, podRequests, unfitReasons } from "./scheduler.js";

const node = (extra: Partial<Node> = {}): Node => ({
  metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1", disk: "ssd" } },
  status: { allocatable: { cpu: "2", memory: "4Gi", pods: "110" } },
  ...extra,
});
const pod = (spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod => ({
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});
const asking = (memory: string, cpu?: string): Pod =>
  pod({
    containers: [
      { name: "c", image: "busybox", resources: { requests: { memory, ...(cpu ? { cpu } : {}) } } },
    ],
  });

test("requests: the larger of the biggest init container and the sum of containers", () => {
  const p = pod({
    initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "1500m" } } }],
    containers: [
      { name: "a", image: "x", resources: { requests: { cpu: "500m", memory: "1Gi" } } },
      { name: "b", image: "x", resources: { requests: { cpu: "250m", memory: "1Gi" } } },
    ],
  });
  const r = podRequests(p);
  assert.equal(r.milliCpu, 1500n);
  assert.equal(r.memory, 2n * 1024n ** 3n);
});

test("a pod asking for more memory than the node has does not fit: Insufficient memory", () => {
  assert.deepEqual(unfitReasons(asking("8Gi"), node(), []), ["Insufficient memory"]);
  assert.deepEqual(unfitReasons(asking("3Gi"), node(), [asking("2Gi")]), ["Insufficient memory"]);
  assert.deepEqual(unfitReasons(asking("1Gi", "500m"), node(), [asking("2Gi")]), []);
});

test("node selectors, affinity, taints and unschedulable nodes", () => {
  assert.deepEqual(unfitReasons(pod({ nodeSelector: { disk: "hdd" } }), node(), []), [
    "node(s) didn't match Pod's node affinity/selector",
  ]);
  assert.deepEqual(unfitReasons(pod({ nodeSelector: { disk: "ssd" } }), node(), []), []);
  const tainted = node({ spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] } });
  assert.deepEqual(unfitReasons(pod(), tainted, []), ["node(s) had untolerated taint {dedicated: gpu}"]);
  assert.deepEqual(
    unfitReasons(
      pod({ tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] }),
      tainted,
      [],
    ),
    [],
  );
  assert.deepEqual(unfitReasons(pod(), node({ spec: { unschedulable: true } }), []), [
    "node(s) were unschedulable",
  ]);
  const affinity = pod({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["nvme"] }] }],
        },
      },
    },
  });
  assert.deepEqual(unfitReasons(affinity, node(), []), ["node(s) didn't match Pod's node affinity/selector"]);
});

test("the FailedScheduling message reads as kube-scheduler's", () => {
  assert.equal(fitErrorMessage(0, []), "no nodes available to schedule pods");
  assert.equal(
    fitErrorMessage(1, [["Insufficient memory"]]),
    "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  );
  assert.equal(
    fitErrorMessage(2, [["node(s) didn't match Pod's node affinity/selector"], ["Insufficient cpu"]]),
    "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
  );
});
