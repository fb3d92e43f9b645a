import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1.js";
import { podPrinter, podSummary } from "./pod.js";

const now = new Date("2024-05-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function pod(opts: {
  phase?: string;
  reason?: string;
  containers?: string[];
  init?: { name: string; restartPolicy?: string }[];
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  conditions?: PodCondition[];
  deleting?: boolean;
  restartPolicy?: string;
}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "default",
      creationTimestamp: ago(10 * 60_000),
      ...(opts.deleting ? { deletionTimestamp: ago(1000) } : {}),
    },
    spec: {
      restartPolicy: opts.restartPolicy ?? "Always",
      containers: (opts.containers ?? ["app"]).map((name) => ({ name, image: "busybox" })),
      ...(opts.init ? { initContainers: opts.init.map((c) => ({ image: "busybox", ...c })) } : {}),
    },
    status: {
      phase: opts.phase ?? "Pending",
      ...(opts.reason ? { reason: opts.reason } : {}),
      ...(opts.statuses ? { containerStatuses: opts.statuses } : {}),
      ...(opts.initStatuses ? { initContainerStatuses: opts.initStatuses } : {}),
      ...(opts.conditions ? { conditions: opts.conditions } : {}),
    },
  };
}

function cs(
  name: string,
  state: ContainerStatus["state"],
  extra: Partial<ContainerStatus> = {},
): ContainerStatus {
  return { name, image: "busybox", imageID: "", ready: false, restartCount: 0, state, ...extra };
}

const running = (name = "app") =>
  cs(name, { running: { startedAt: ago(60_000) } }, { ready: true, started: true });
const status = (p: Pod) => podSummary(p, now).status;

describe("pod STATUS as printers.go computes it", () => {
  it("Running with every container ready", () => {
    const s = podSummary(pod({ phase: "Running", statuses: [running()] }), now);
    assert.deepEqual(s, { ready: "1/1", status: "Running", restarts: "0" });
  });
  it("Pending before any container status", () => {
    assert.equal(status(pod({})), "Pending");
  });
  it("ContainerCreating while the sandbox starts", () => {
    assert.equal(
      status(pod({ statuses: [cs("app", { waiting: { reason: "ContainerCreating" } })] })),
      "ContainerCreating",
    );
  });
  it("CrashLoopBackOff with restarts and when the last one was", () => {
    const s = podSummary(
      pod({
        phase: "Running",
        statuses: [
          cs(
            "app",
            { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            {
              restartCount: 5,
              lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(5 * 60_000) } },
            },
          ),
        ],
      }),
      now,
    );
    assert.deepEqual(s, { ready: "0/1", status: "CrashLoopBackOff", restarts: "5 (5m ago)" });
  });
  it("Completed when the container exited 0", () => {
    const p = pod({
      phase: "Succeeded",
      statuses: [cs("app", { terminated: { exitCode: 0, reason: "Completed" } })],
    });
    assert.equal(status(p), "Completed");
    assert.deepEqual(podPrinter.row(p, now).conditions, [
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: "The pod has completed successfully.",
      },
    ]);
  });
  it("Error when the container exited non-zero", () => {
    const p = pod({
      phase: "Failed",
      statuses: [cs("app", { terminated: { exitCode: 1, reason: "Error" } })],
    });
    assert.equal(status(p), "Error");
    assert.equal(podPrinter.row(p, now).conditions?.[0]?.reason, "Failed");
  });
  it("ExitCode:N and Signal:N when the runtime gave no reason", () => {
    assert.equal(
      status(pod({ phase: "Failed", statuses: [cs("app", { terminated: { exitCode: 3 } })] })),
      "ExitCode:3",
    );
    assert.equal(
      status(pod({ phase: "Failed", statuses: [cs("app", { terminated: { exitCode: 137, signal: 9 } })] })),
      "Signal:9",
    );
  });
  it("Init:N/M while init containers run in turn", () => {
    const p = pod({
      init: [{ name: "a" }, { name: "b" }],
      initStatuses: [cs("a", { terminated: { exitCode: 0, reason: "Completed" } }), cs("b", { running: {} })],
      statuses: [cs("app", { waiting: { reason: "PodInitializing" } })],
    });
    assert.equal(status(p), "Init:1/2");
  });
  it("Init:Error for an init container that exited 1 under restartPolicy Never", () => {
    const p = pod({
      phase: "Failed",
      restartPolicy: "Never",
      init: [{ name: "setup" }],
      initStatuses: [cs("setup", { terminated: { exitCode: 1, reason: "Error" } })],
      statuses: [cs("app", { waiting: { reason: "PodInitializing" } })],
    });
    assert.equal(status(p), "Init:Error");
  });
  it("Init:ExitCode:N and Init:Signal:N without a reason", () => {
    const base = {
      init: [{ name: "setup" }],
      statuses: [cs("app", { waiting: { reason: "PodInitializing" } })],
    };
    assert.equal(
      status(pod({ ...base, initStatuses: [cs("setup", { terminated: { exitCode: 2 } })] })),
      "Init:ExitCode:2",
    );
    assert.equal(
      status(pod({ ...base, initStatuses: [cs("setup", { terminated: { exitCode: 137, signal: 9 } })] })),
      "Init:Signal:9",
    );
  });
  it("Init:CrashLoopBackOff for a failing init container under restartPolicy Always", () => {
    const p = pod({
      init: [{ name: "setup" }],
      initStatuses: [cs("setup", { waiting: { reason: "CrashLoopBackOff" } }, { restartCount: 3 })],
    });
    assert.deepEqual(podSummary(p, now), { ready: "0/1", status: "Init:CrashLoopBackOff", restarts: "3" });
  });
  it("PodInitializing once init is done and containers are being created", () => {
    const p = pod({
      init: [{ name: "setup" }],
      initStatuses: [cs("setup", { terminated: { exitCode: 0, reason: "Completed" } })],
      statuses: [cs("app", { waiting: { reason: "PodInitializing" } })],
      conditions: [{ type: "Initialized", status: "True" }],
    });
    assert.equal(status(p), "PodInitializing");
  });
  it("NotReady when one container completed and another runs without the Ready condition", () => {
    const statuses = [cs("a", { terminated: { exitCode: 0, reason: "Completed" } }), running("b")];
    assert.equal(status(pod({ phase: "Running", containers: ["a", "b"], statuses })), "NotReady");
    assert.equal(
      status(
        pod({
          phase: "Running",
          containers: ["a", "b"],
          statuses,
          conditions: [{ type: "Ready", status: "True" }],
        }),
      ),
      "Running",
    );
  });
  it("Terminating for a deleting pod that has not finished", () => {
    assert.equal(status(pod({ phase: "Running", statuses: [running()], deleting: true })), "Terminating");
    assert.equal(
      status(
        pod({
          phase: "Succeeded",
          deleting: true,
          statuses: [cs("app", { terminated: { exitCode: 0, reason: "Completed" } })],
        }),
      ),
      "Completed",
    );
  });
  it("Unknown for a deleting pod on a lost node", () => {
    assert.equal(
      status(pod({ phase: "Running", reason: "NodeLost", statuses: [running()], deleting: true })),
      "Unknown",
    );
  });
  it("SchedulingGated while scheduling gates remain", () => {
    const p = pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] });
    assert.equal(status(p), "SchedulingGated");
  });
  it("the pod's own reason, such as Evicted", () => {
    assert.equal(status(pod({ phase: "Failed", reason: "Evicted" })), "Evicted");
  });
  it("counts started sidecars in READY and their restarts", () => {
    const p = pod({
      phase: "Running",
      init: [{ name: "proxy", restartPolicy: "Always" }],
      initStatuses: [cs("proxy", { running: {} }, { ready: true, started: true, restartCount: 2 })],
      statuses: [running()],
      conditions: [{ type: "Initialized", status: "True" }],
    });
    assert.deepEqual(podSummary(p, now), { ready: "2/2", status: "Running", restarts: "2" });
  });
});

describe("pod row", () => {
  it("prints wide cells with <none> for unset ones and readiness gates as true/total", () => {
    const p = pod({ phase: "Running", statuses: [running()] });
    assert.deepEqual(podPrinter.row(p, now).cells, [
      "web",
      "1/1",
      "Running",
      "0",
      "10m",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
    const wide: Pod = {
      ...p,
      spec: {
        containers: p.spec?.containers ?? [],
        nodeName: "n1",
        readinessGates: [{ conditionType: "x" }, { conditionType: "y" }],
      },
      status: {
        ...p.status,
        podIP: "10.42.0.9",
        nominatedNodeName: "n2",
        conditions: [
          { type: "x", status: "True" },
          { type: "y", status: "False" },
        ],
      },
    };
    assert.deepEqual(podPrinter.row(wide, now).cells.slice(5), ["10.42.0.9", "n1", "n2", "1/2"]);
  });
  it("has kube's columns", () => {
    assert.deepEqual(
      podPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ["Name", "string", "name", 0],
        ["Ready", "string", "", 0],
        ["Status", "string", "", 0],
        ["Restarts", "string", "", 0],
        ["Age", "string", "", 0],
        ["IP", "string", "", 1],
        ["Node", "string", "", 1],
        ["Nominated Node", "string", "", 1],
        ["Readiness Gates", "string", "", 1],
      ],
    );
  });
});
