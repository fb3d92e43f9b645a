import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import { computePodActions, findNextInitContainerToRun } from "./pod-actions.js";
import { ctr, rpOf, sandbox, testPod } from "./test-fixtures.js";

describe("computePodActions", () => {
  it("a new pod creates its sandbox and starts every container", () => {
    const pod = testPod({
      containers: [
        { name: "a", image: "x" },
        { name: "b", image: "y" },
      ],
    });
    const a = computePodActions(pod, rpOf([], []));
    assert.equal(a.createSandbox, true);
    assert.equal(a.attempt, 0);
    assert.deepEqual(a.containersToStart, [0, 1]);
  });

  it("a running pod needs nothing", () => {
    const pod = testPod();
    const a = computePodActions(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_RUNNING")]));
    assert.equal(a.createSandbox, false);
    assert.equal(a.killPod, false);
    assert.equal(a.sandboxId, "s1");
    assert.deepEqual(a.containersToStart, []);
    assert.equal(a.containersToKill.size, 0);
  });

  it("restartPolicy Always restarts an exited container; Never does not and kills the pod", () => {
    const always = testPod();
    const a = computePodActions(
      always,
      rpOf([sandbox()], [ctr(always, "web", "CONTAINER_EXITED", { exitCode: 0 })]),
    );
    assert.deepEqual(a.containersToStart, [0]);
    const never = testPod({ restartPolicy: "Never" });
    const n = computePodActions(
      never,
      rpOf([sandbox()], [ctr(never, "web", "CONTAINER_EXITED", { exitCode: 1 })]),
    );
    assert.deepEqual(n.containersToStart, []);
    assert.equal(n.killPod, true);
  });

  it("restartPolicy OnFailure restarts only a non-zero exit", () => {
    const pod = testPod({ restartPolicy: "OnFailure" });
    const fail = computePodActions(
      pod,
      rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 2 })]),
    );
    assert.deepEqual(fail.containersToStart, [0]);
    const ok = computePodActions(
      pod,
      rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_EXITED", { exitCode: 0 })]),
    );
    assert.deepEqual(ok.containersToStart, []);
    assert.equal(ok.killPod, true);
  });

  it("init containers run one at a time, in order, before any app container", () => {
    const pod = testPod({
      initContainers: [
        { name: "i1", image: "b" },
        { name: "i2", image: "b" },
      ],
    });
    const first = computePodActions(pod, rpOf([], []));
    assert.equal(first.createSandbox, true);
    assert.equal(first.nextInitContainer?.name, "i1");
    assert.deepEqual(first.containersToStart, []);
    const running = computePodActions(
      pod,
      rpOf([sandbox()], [ctr(pod, "i1", "CONTAINER_RUNNING", { type: "init" })]),
    );
    assert.equal(running.nextInitContainer, undefined);
    assert.deepEqual(running.containersToStart, []);
    const second = computePodActions(
      pod,
      rpOf([sandbox()], [ctr(pod, "i1", "CONTAINER_EXITED", { type: "init" })]),
    );
    assert.equal(second.nextInitContainer?.name, "i2");
    const done = computePodActions(
      pod,
      rpOf(
        [sandbox()],
        [
          ctr(pod, "i1", "CONTAINER_EXITED", { type: "init" }),
          ctr(pod, "i2", "CONTAINER_EXITED", { type: "init" }),
        ],
      ),
    );
    assert.equal(done.nextInitContainer, undefined);
    assert.deepEqual(done.containersToStart, [0]);
  });

  it("a failed init container is retried unless restartPolicy is Never, which kills the pod", () => {
    const pod = testPod({ initContainers: [{ name: "i1", image: "b" }] });
    const rp = (p: Pod) =>
      rpOf([sandbox()], [ctr(p, "i1", "CONTAINER_EXITED", { type: "init", exitCode: 1 })]);
    assert.equal(computePodActions(pod, rp(pod)).nextInitContainer?.name, "i1");
    const never = testPod({ restartPolicy: "Never", initContainers: [{ name: "i1", image: "b" }] });
    const a = computePodActions(never, rp(never));
    assert.equal(a.killPod, true);
    assert.equal(a.nextInitContainer, undefined);
    assert.deepEqual(a.containersToStart, []);
  });

  it("findNextInitContainerToRun: a running app container means initialisation is done", () => {
    const pod = testPod({ initContainers: [{ name: "i1", image: "b" }] });
    assert.equal(
      findNextInitContainerToRun(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_RUNNING")])).done,
      true,
    );
  });

  it("a failed liveness probe kills the container with kubelet's message and restarts it", () => {
    const pod = testPod();
    const c = ctr(pod, "web", "CONTAINER_RUNNING");
    const a = computePodActions(pod, rpOf([sandbox()], [c]), {
      livenessFailed: (id) => id === c.id,
      startupFailed: () => false,
    });
    assert.deepEqual(a.containersToStart, [0]);
    assert.deepEqual(a.containersToKill.get(c.id), {
      name: "web",
      type: "app",
      message: "Container web failed liveness probe, will be restarted",
    });
  });

  it("a changed container spec restarts it", () => {
    const pod = testPod();
    const c = ctr(pod, "web", "CONTAINER_RUNNING");
    const changed = testPod({ containers: [{ name: "web", image: "nginx:1.27" }] });
    const a = computePodActions(changed, rpOf([sandbox()], [c]));
    assert.equal(
      a.containersToKill.get(c.id)?.message,
      "Container web definition changed, will be restarted",
    );
  });

  it("a dead sandbox is re-created with the next attempt; under Never it is not", () => {
    const pod = testPod();
    const a = computePodActions(
      pod,
      rpOf([sandbox("SANDBOX_NOTREADY")], [ctr(pod, "web", "CONTAINER_EXITED")]),
    );
    assert.equal(a.createSandbox, true);
    assert.equal(a.killPod, true);
    assert.equal(a.attempt, 1);
    const never = testPod({ restartPolicy: "Never" });
    const n = computePodActions(
      never,
      rpOf([sandbox("SANDBOX_NOTREADY")], [ctr(never, "web", "CONTAINER_EXITED")]),
    );
    assert.equal(n.createSandbox, false);
    assert.equal(n.killPod, true);
  });

  it("a container created but never started (agent killed in between) is started again", () => {
    const pod = testPod();
    const a = computePodActions(pod, rpOf([sandbox()], [ctr(pod, "web", "CONTAINER_CREATED")]));
    assert.deepEqual(a.containersToStart, [0]);
  });
});
