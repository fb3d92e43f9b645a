import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { ContainerStatus } from "../../runtime/runtime.js";
import type { RuntimePod } from "../runtime-pod.js";
import { ctr, rpOf, sandbox, testPod } from "../test-fixtures.js";
import {
  generateAPIPodStatus,
  qosClass,
  reasonKey,
  type StatusInput,
  type WaitingReason,
} from "./generate.js";

function status(pod: Pod, rp: RuntimePod, o: Partial<StatusInput> = {}) {
  return generateAPIPodStatus({
    pod,
    rp,
    reasons: new Map<string, WaitingReason>(),
    readiness: () => undefined,
    started: () => true,
    terminationMessage: () => undefined,
    imageID: (c: ContainerStatus) => `docker.io/library/nginx@${c.imageRef}`,
    runtimeName: "runc",
    hostIPs: ["192.168.1.10"],
    podIsTerminal: false,
    now: new Date("2025-01-01T00:00:00Z"),
    ...o,
  });
}

const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((c) => c.type === type);

describe("generateAPIPodStatus", () => {
  it("happy path: a running container makes the pod Running and Ready", () => {
    const pod = testPod({
      containers: [{ name: "web", image: "nginx:alpine", ports: [{ containerPort: 80 }] }],
    });
    const c = ctr(pod, "web", "CONTAINER_RUNNING");
    const s = status(pod, rpOf([sandbox()], [c]));
    assert.equal(s.phase, "Running");
    assert.equal(s.podIP, "10.42.0.5");
    assert.deepEqual(s.podIPs, [{ ip: "10.42.0.5" }]);
    assert.equal(s.hostIP, "192.168.1.10");
    assert.equal(s.qosClass, "BestEffort");
    assert.equal(s.startTime, "2025-01-01T00:00:00Z");
    const cs = s.containerStatuses?.[0];
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.equal(cs?.restartCount, 0);
    assert.equal(cs?.containerID, `runc://${c.id}`);
    assert.equal(cs?.imageID, "docker.io/library/nginx@sha256:abc");
    assert.ok(cs?.state?.running?.startedAt?.endsWith("Z"));
    assert.deepEqual(
      s.conditions?.map((x) => [x.type, x.status]),
      [
        ["PodReadyToStartContainers", "True"],
        ["Initialized", "True"],
        ["Ready", "True"],
        ["ContainersReady", "True"],
        ["PodScheduled", "True"],
      ],
    );
  });

  it("before the sandbox exists: Pending, ContainerCreating, not ready with kubelet's messages", () => {
    const pod = testPod();
    const s = status(pod, rpOf([], []));
    assert.equal(s.phase, "Pending");
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: "ContainerCreating" } });
    assert.deepEqual(cond(s, "ContainersReady"), {
      type: "ContainersReady",
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [web]",
    });
    assert.equal(cond(s, "Ready")?.message, "containers with unready status: [web]");
    assert.equal(cond(s, "PodReadyToStartContainers")?.status, "False");
  });

  it("failure at start-up under Never: the container exits non-zero at once and the pod is Failed", () => {
    const pod = testPod({ restartPolicy: "Never" });
    const s = status(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 127 })]));
    assert.equal(s.phase, "Failed");
    assert.equal(s.containerStatuses?.[0]?.state?.terminated?.reason, "Error");
    assert.equal(s.containerStatuses?.[0]?.state?.terminated?.exitCode, 127);
  });

  it("crash while running under OnFailure is Running (restarting); under Always it shows CrashLoopBackOff", () => {
    const onFailure = testPod({ restartPolicy: "OnFailure" });
    const exited = (p: Pod) =>
      rpOf([sandbox()], [ctr(p, "web", "CONTAINER_EXITED", { exitCode: 1, restartCount: 2 })]);
    assert.equal(status(onFailure, exited(onFailure)).phase, "Running");
    const always = testPod();
    const reasons = new Map([
      [
        reasonKey("app", "web"),
        {
          reason: "CrashLoopBackOff",
          message: "back-off 20s restarting failed container=web pod=web-pod_default(u1)",
        },
      ],
    ]);
    const s = status(always, exited(always), { reasons });
    assert.equal(s.phase, "Running");
    const cs = s.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, "CrashLoopBackOff");
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    assert.equal(cs?.restartCount, 2);
    assert.equal(cs?.ready, false);
  });

  it("non-zero exit during shutdown: a terminal pod whose container exited 137 is Failed, exit 0 Succeeded", () => {
    const pod = testPod();
    const failed = status(
      pod,
      rpOf([sandbox("SANDBOX_NOTREADY")], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 137 })]),
      {
        podIsTerminal: true,
      },
    );
    assert.equal(failed.phase, "Failed");
    const ok = status(
      pod,
      rpOf([sandbox("SANDBOX_NOTREADY")], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 0 })]),
      {
        podIsTerminal: true,
      },
    );
    assert.equal(ok.phase, "Succeeded");
  });

  it("Never with exit 0 is Succeeded with Completed, ContainersReady False PodCompleted", () => {
    const pod = testPod({ restartPolicy: "Never" });
    const s = status(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 0 })]));
    assert.equal(s.phase, "Succeeded");
    assert.equal(s.containerStatuses?.[0]?.state?.terminated?.reason, "Completed");
    assert.deepEqual(cond(s, "ContainersReady"), {
      type: "ContainersReady",
      status: "False",
      reason: "PodCompleted",
    });
  });

  it("a terminal phase never goes back", () => {
    const pod: Pod = {
      ...testPod(),
      status: {
        phase: "Failed",
        reason: "DeadlineExceeded",
        message: "Pod was active on the node longer than the specified deadline",
      },
    };
    const s = status(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_RUNNING")]));
    assert.equal(s.phase, "Failed");
    assert.equal(s.reason, "DeadlineExceeded");
  });

  it("init containers: Pending with Initialized False until all succeed; a failed one under Never fails the pod", () => {
    const pod = testPod({
      initContainers: [
        { name: "i1", image: "b" },
        { name: "i2", image: "b" },
      ],
    });
    const s = status(
      pod,
      rpOf(
        [sandbox()],
        [
          ctr(pod, "i1", "CONTAINER_EXITED", { type: "init" }),
          ctr(pod, "i2", "CONTAINER_RUNNING", { type: "init" }),
        ],
      ),
    );
    assert.equal(s.phase, "Pending");
    assert.deepEqual(cond(s, "Initialized"), {
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [i2]",
    });
    assert.equal(s.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
    assert.equal(s.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed");
    const never = testPod({ restartPolicy: "Never", initContainers: [{ name: "i1", image: "b" }] });
    const f = status(
      never,
      rpOf([sandbox()], [ctr(never, "i1", "CONTAINER_EXITED", { type: "init", exitCode: 1 })]),
    );
    assert.equal(f.phase, "Failed");
  });

  it("a readiness probe keeps Ready False until it succeeds", () => {
    const pod = testPod({
      containers: [{ name: "web", image: "nginx", readinessProbe: { tcpSocket: { port: 80 } } }],
    });
    const c = ctr(pod, "web", "CONTAINER_RUNNING");
    const s = status(pod, rpOf([sandbox()], [c]), { readiness: () => false });
    assert.equal(s.phase, "Running");
    assert.equal(s.containerStatuses?.[0]?.ready, false);
    assert.equal(cond(s, "Ready")?.status, "False");
    const r = status(pod, rpOf([sandbox()], [c]), { readiness: () => true });
    assert.equal(cond(r, "Ready")?.status, "True");
  });

  it("keeps conditions other components own (DisruptionTarget) after the kubelet's", () => {
    const pod: Pod = {
      ...testPod(),
      status: { conditions: [{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI" }] },
    };
    const s = status(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_RUNNING")]));
    assert.equal(s.conditions?.at(-1)?.type, "DisruptionTarget");
  });

  it("qosClass follows requests and limits", () => {
    assert.equal(qosClass(testPod()), "BestEffort");
    assert.equal(
      qosClass(testPod({ containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }] })),
      "Guaranteed",
    );
    assert.equal(
      qosClass(testPod({ containers: [{ name: "a", resources: { requests: { cpu: "100m" } } }] })),
      "Burstable",
    );
  });
});
