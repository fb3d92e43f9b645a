// Probes and lifecycle hooks end to end: real containers, the real prober over exec, HTTP (busybox
// httpd), TCP (busybox nc) and gRPC, and the events and status kubectl shows.
//
// gRPC: the test images have no gRPC server, so one is written in the container with busybox:
// `nc -ll -e` runs a script per connection that answers the Health/Check call with hand-encoded
// HTTP/2 frames (SETTINGS, HEADERS :status 200 + content-type application/grpc, a DATA frame with
// HealthCheckResponse{status}, trailers grpc-status 0). The prober's HTTP/2 client talks to it
// as to any gRPC server; the status comes from a file, so the test can flip it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container, EventList, Pod } from "kubernetes-types/core/v1.js";
import { eventually } from "../support/wait.js";
import { cond, cs, startTestNode, type TestNode } from "./helpers.js";

const bb = "busybox:latest";

function pod(name: string, containers: Container[], extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 1,
      containers: containers.map((c) => ({ image: bb, imagePullPolicy: "IfNotPresent", ...c })),
      ...extra,
    } as Pod["spec"],
  };
}

/** A shell command that exits promptly on SIGTERM (sh as PID 1 ignores it otherwise). */
const sh = (script: string) => ["sh", "-c", `trap 'exit 0' TERM; ${script}`];

/** Frame bytes as printf escapes (octal), so the server script is plain ASCII. */
const oct = (bytes: number[]) => bytes.map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");

/** The gRPC health server script: answers with the status in /tmp/grpc-status (1 SERVING, 2 NOT_SERVING). */
const grpcServer = [
  "head -c 24 >/dev/null", // the client's preface; the rest of its frames are ignored
  `printf '${oct([0, 0, 0, 4, 0, 0, 0, 0, 0])}'`, // SETTINGS (empty)
  "sleep 0.1", // let the client's HEADERS for stream 1 arrive first
  `printf '${oct([0, 0, 20, 1, 4, 0, 0, 0, 1, 0x88, 0x0f, 0x10, 16])}application/grpc'`,
  `printf '${oct([0, 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 8])}'"\\\\$$(cat /tmp/grpc-status)"`,
  `printf '${oct([0, 0, 15, 1, 5, 0, 0, 0, 1, 0, 11])}grpc-status${oct([1])}0'`,
  "sleep 0.2",
].join("\n");

async function events(node: TestNode, name: string) {
  const list = await node.client.request<EventList>("GET", "/api/v1/namespaces/default/events");
  return list.items.filter((e) => e.involvedObject.name === name);
}

async function waitEvent(node: TestNode, name: string, reason: string, re: RegExp) {
  return eventually(async () => {
    const e = (await events(node, name)).find((x) => x.reason === reason && re.test(x.message ?? ""));
    return e ?? undefined;
  }, 30_000);
}

const restarts = (p: Pod, c = "main") => cs(p, c)?.restartCount ?? 0;

async function execIn(node: TestNode, p: Pod, cmd: string[]) {
  const id = (cs(p, "main")?.containerID ?? "").replace(/^\w+:\/\//, "");
  const r = await node.runtime.execSync(id, cmd, 5);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout;
}

let node: TestNode;

test("probes and lifecycle hooks end to end", async (t) => {
  node = await startTestNode(t);

  await t.test("liveness over exec restarts the container, with Unhealthy and Killing events", async () => {
    await node.create(
      pod("live-exec", [
        {
          name: "main",
          command: sh("touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600 & wait"),
          livenessProbe: {
            exec: { command: ["cat", "/tmp/healthy"] },
            periodSeconds: 1,
            failureThreshold: 1,
          },
        },
      ]),
    );
    const first = await node.waitPod("live-exec", (p) => cond(p, "Ready") === "True");
    const firstId = cs(first, "main")?.containerID;
    const p = await node.waitPod("live-exec", (x) => restarts(x) >= 1 && cond(x, "Ready") === "True", 30_000);
    assert.notEqual(cs(p, "main")?.containerID, firstId);
    assert.equal(cs(p, "main")?.lastState?.terminated?.containerID, firstId);
    await waitEvent(
      node,
      "live-exec",
      "Unhealthy",
      /^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/,
    );
    await waitEvent(
      node,
      "live-exec",
      "Killing",
      /^Container main failed liveness probe, will be restarted$/,
    );
  });

  await t.test("liveness over httpGet (busybox httpd) restarts on a 404", async () => {
    await node.create(
      pod("live-http", [
        {
          name: "main",
          command: sh(
            "mkdir -p /www; echo ok >/www/healthz; httpd -p 8080 -h /www; sleep 2; rm /www/healthz; sleep 3600 & wait",
          ),
          ports: [{ name: "http", containerPort: 8080 }],
          livenessProbe: {
            httpGet: { path: "/healthz", port: "http" },
            periodSeconds: 1,
            failureThreshold: 1,
          },
        },
      ]),
    );
    // Ready first: the probe succeeded against httpd for two seconds without a restart.
    await node.waitPod("live-http", (p) => cond(p, "Ready") === "True");
    await node.waitPod("live-http", (p) => restarts(p) >= 1, 30_000);
    await waitEvent(
      node,
      "live-http",
      "Unhealthy",
      /^Liveness probe failed: HTTP probe failed with statuscode: 404$/,
    );
  });

  await t.test("liveness over tcpSocket restarts once the port closes", async () => {
    await node.create(
      pod("live-tcp", [
        {
          name: "main",
          command: sh("nc -ll -p 9000 -e true & l=$!; sleep 2; kill $l; sleep 3600 & wait"),
          livenessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1, failureThreshold: 1 },
        },
      ]),
    );
    await node.waitPod("live-tcp", (p) => cond(p, "Ready") === "True");
    const p = await node.waitPod("live-tcp", (x) => restarts(x) >= 1, 30_000);
    await waitEvent(
      node,
      "live-tcp",
      "Unhealthy",
      new RegExp(
        `^Liveness probe failed: dial tcp ${p.status?.podIP?.replace(/\./g, "\\.")}:9000: connect: connection refused$`,
      ),
    );
  });

  await t.test(
    "grpc: SERVING makes the container ready, NOT_SERVING fails liveness and restarts it",
    async () => {
      const script = `printf '%s\\n' "$GRPC_SH" >/tmp/grpc.sh; chmod +x /tmp/grpc.sh; echo 1 >/tmp/grpc-status; nc -ll -p 50051 -e /tmp/grpc.sh & sleep 3600 & wait`;
      await node.create(
        pod("live-grpc", [
          {
            name: "main",
            command: sh(script),
            env: [{ name: "GRPC_SH", value: grpcServer }],
            readinessProbe: { grpc: { port: 50051 }, periodSeconds: 1 },
            livenessProbe: { grpc: { port: 50051 }, periodSeconds: 1, failureThreshold: 2 },
          },
        ]),
      );
      const ready = await node.waitPod("live-grpc", (p) => cond(p, "Ready") === "True");
      assert.equal(restarts(ready), 0);
      await execIn(node, ready, ["sh", "-c", "echo 2 >/tmp/grpc-status"]);
      await node.waitPod("live-grpc", (p) => restarts(p) >= 1, 30_000);
      await waitEvent(
        node,
        "live-grpc",
        "Unhealthy",
        /^Liveness probe failed: service unhealthy \(responded with "NOT_SERVING"\)$/,
      );
      // The new container's server says SERVING again: ready once more.
      await node.waitPod("live-grpc", (p) => restarts(p) >= 1 && cond(p, "Ready") === "True", 30_000);
    },
  );

  await t.test(
    "readiness failure keeps Ready false without restarts; Ready returns when it passes",
    async () => {
      await node.create(
        pod("ready", [
          {
            name: "main",
            command: sh("sleep 3600 & wait"),
            readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1 },
          },
        ]),
      );
      const running = await node.waitPod("ready", (p) => cs(p, "main")?.state?.running !== undefined);
      // Several failed probes later: still not ready, never restarted, the pod still Running.
      await waitEvent(node, "ready", "Unhealthy", /^Readiness probe failed: /);
      await new Promise((r) => setTimeout(r, 2500));
      let p = (await node.getPod("ready")) as Pod;
      assert.equal(cond(p, "Ready"), "False");
      assert.equal(cond(p, "ContainersReady"), "False");
      assert.equal(cs(p, "main")?.ready, false);
      assert.equal(restarts(p), 0);
      assert.equal(p.status?.phase, "Running");
      await execIn(node, running, ["touch", "/tmp/ready"]);
      p = await node.waitPod("ready", (x) => cond(x, "Ready") === "True", 10_000);
      assert.equal(cs(p, "main")?.ready, true);
      await execIn(node, running, ["rm", "/tmp/ready"]);
      p = await node.waitPod("ready", (x) => cond(x, "Ready") === "False", 10_000);
      assert.equal(restarts(p), 0);
      assert.equal(cs(p, "main")?.containerID, cs(running, "main")?.containerID);
    },
  );

  await t.test(
    "a startup probe holds liveness back until it succeeds; one that never does restarts",
    async () => {
      await node.create(
        pod("startup", [
          {
            name: "main",
            command: sh("sleep 4; touch /tmp/started; sleep 3600 & wait"),
            // Unguarded, this liveness probe would fail within the first second.
            livenessProbe: {
              exec: { command: ["test", "-f", "/tmp/started"] },
              periodSeconds: 1,
              failureThreshold: 1,
            },
            startupProbe: {
              exec: { command: ["test", "-f", "/tmp/started"] },
              periodSeconds: 1,
              failureThreshold: 20,
            },
          },
        ]),
      );
      await node.create(
        pod("startup-never", [
          {
            name: "main",
            command: sh("sleep 3600 & wait"),
            startupProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ]),
      );
      const before = await node.waitPod("startup", (p) => cs(p, "main")?.state?.running !== undefined);
      assert.equal(cs(before, "main")?.started, false);
      const p = await node.waitPod("startup", (x) => cs(x, "main")?.started === true, 20_000);
      assert.equal(cond(p, "Ready"), "True");
      await new Promise((r) => setTimeout(r, 2000));
      const after = (await node.getPod("startup")) as Pod;
      assert.equal(restarts(after), 0);
      assert.equal(cs(after, "main")?.containerID, cs(before, "main")?.containerID);
      assert.equal((await events(node, "startup")).filter((e) => e.reason === "Killing").length, 0);

      await node.waitPod("startup-never", (x) => restarts(x) >= 1, 30_000);
      await waitEvent(node, "startup-never", "Unhealthy", /^Startup probe failed: /);
      await waitEvent(
        node,
        "startup-never",
        "Killing",
        /^Container main failed startup probe, will be restarted$/,
      );
    },
  );

  await t.test(
    "postStart runs before the container counts as started; preStop runs before the kill",
    async () => {
      await node.create(
        pod("hooks", [
          {
            name: "main",
            command: sh("sleep 3600 & wait"),
            lifecycle: {
              postStart: { exec: { command: ["sh", "-c", "echo post-start >/tmp/post-start"] } },
              // Its output lands in the termination message of the container it stops.
              preStop: { exec: { command: ["sh", "-c", "echo pre-stop >/dev/termination-log"] } },
            },
            livenessProbe: {
              exec: { command: ["test", "-f", "/tmp/alive"] },
              periodSeconds: 1,
              failureThreshold: 1,
              initialDelaySeconds: 2,
            },
          },
        ]),
      );
      const p = await node.waitPod("hooks", (x) => cs(x, "main")?.state?.running !== undefined);
      assert.equal(await execIn(node, p, ["cat", "/tmp/post-start"]), "post-start\n");
      // The liveness failure kills the container through killContainer, preStop first.
      const r = await node.waitPod("hooks", (x) => restarts(x) >= 1, 30_000);
      assert.equal(cs(r, "main")?.lastState?.terminated?.message, "pre-stop\n");
    },
  );
});
