// The chapter's pod and the phase rules, end to end: a real server, registry, runtime, CNI and
// the agent, driven by the real kubectl where the chapter uses it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import { cond, cs, startTestNode, type TestNode } from "./helpers.js";

const podYaml = `apiVersion: v1
kind: Pod
metadata:
  name: web-pod
spec:
  containers:
  - name: web
    image: nginx:alpine
    ports:
    - containerPort: 80
`;

const K = "1.33";

function busybox(
  name: string,
  restartPolicy: string,
  command: string[],
  extra: Partial<Pod["spec"]> = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: "main", image: "busybox:latest", imagePullPolicy: "IfNotPresent", command }],
      ...extra,
    } as Pod["spec"],
  };
}

let node: TestNode;

test("agent end to end", async (t) => {
  node = await startTestNode(t);

  await t.test(
    "the chapter's pod: 1/1 Running 0, describe, wait Ready, delete returns once gone",
    async () => {
      const created = Date.now();
      const c = await kubectl(node.kite, K, ["create", "-f", "-"], { input: podYaml });
      assert.equal(c.code, 0, c.stderr);
      const w = await kubectl(node.kite, K, [
        "wait",
        "--for=condition=Ready",
        "pod/web-pod",
        "--timeout=60s",
      ]);
      assert.equal(w.code, 0, w.stderr);
      t.diagnostic(`create -> Ready (through kubectl, image pulled): ${Date.now() - created} ms`);
      const get = await kubectl(node.kite, K, ["get", "pods", "--no-headers"]);
      assert.match(get.stdout, /^web-pod\s+1\/1\s+Running\s+0\s+/m);
      const pod = (await node.getPod("web-pod")) as Pod;
      assert.match(pod.status?.podIP ?? "", /^10\.42\./);
      assert.match(cs(pod, "web")?.containerID ?? "", /^(runc|crun):\/\/[0-9a-f]+$/);
      assert.match(cs(pod, "web")?.imageID ?? "", /@sha256:[0-9a-f]{64}$/);
      // The pod answers on its IP from the host.
      const body = await eventually(async () => {
        const r = await fetch(`http://${pod.status?.podIP}:80/`).catch(() => undefined);
        return r?.ok ? r.text() : undefined;
      });
      assert.match(body, /nginx|Welcome/i);
      const d = await kubectl(node.kite, K, ["describe", "pod/web-pod"]);
      assert.equal(d.code, 0, d.stderr);
      for (const re of [
        /^Status:\s+Running$/m,
        /^IP:\s+10\.42\./m,
        /Image:\s+nginx:alpine/,
        /Image ID:\s+\S+@sha256:/,
        /Container ID:\s+(runc|crun):\/\//,
        /Port:\s+80\/TCP/,
        /State:\s+Running/,
        /Ready:\s+True/,
        /Restart Count:\s+0/,
        /PodReadyToStartContainers\s+True/,
        /Initialized\s+True/,
        /ContainersReady\s+True/,
        /PodScheduled\s+True/,
        /Scheduled\s+.*Successfully assigned default\/web-pod to /,
        /Pull(ing|ed)\s+.*(Pulling image "nginx:alpine"|already present)/,
        /Created\s+.*Created container web/,
        /Started\s+.*Started container web/,
      ]) {
        assert.match(d.stdout, re);
      }
      const del = await kubectl(node.kite, K, ["delete", "po/web-pod"], { timeoutMs: 60_000 });
      assert.equal(del.code, 0, del.stderr);
      assert.equal(await node.getPod("web-pod"), undefined);
      // Its sandbox and containers are gone from the runtime too.
      const left = await node.runtime.listPodSandbox({
        labelSelector: { "io.kubernetes.pod.uid": pod.metadata?.uid ?? "" },
      });
      assert.deepEqual(left, []);
    },
  );

  await t.test("phases: exit 0 under Never is Succeeded/Completed, exit 1 Failed/Error", async () => {
    await node.create(busybox("ok", "Never", ["sh", "-c", "exit 0"]));
    await node.create(busybox("bad", "Never", ["sh", "-c", "echo oops >/dev/termination-log; exit 1"]));
    const ok = await node.waitPod("ok", (p) => p.status?.phase === "Succeeded");
    assert.equal(cs(ok, "main")?.state?.terminated?.reason, "Completed");
    const bad = await node.waitPod("bad", (p) => p.status?.phase === "Failed");
    assert.equal(cs(bad, "main")?.state?.terminated?.reason, "Error");
    assert.equal(cs(bad, "main")?.state?.terminated?.exitCode, 1);
    assert.equal(cs(bad, "main")?.state?.terminated?.message, "oops\n");
    const get = await kubectl(node.kite, K, ["get", "pods", "ok", "bad", "--no-headers"]);
    assert.match(get.stdout, /^ok\s+0\/1\s+Completed\s+0/m);
    assert.match(get.stdout, /^bad\s+0\/1\s+Error\s+0/m);
  });

  await t.test("a bad command: Failed under Never, CrashLoopBackOff under Always", async () => {
    await node.create(busybox("nocmd-never", "Never", ["/no/such/binary"]));
    await node.create(busybox("nocmd-always", "Always", ["/no/such/binary"]));
    const never = await node.waitPod("nocmd-never", (p) => p.status?.phase === "Failed");
    // As containerd reports it: the process never started, exit code 128, reason StartError.
    assert.equal(cs(never, "main")?.state?.terminated?.reason, "StartError");
    assert.equal(cs(never, "main")?.state?.terminated?.exitCode, 128);
    const always = await node.waitPod(
      "nocmd-always",
      (p) => cs(p, "main")?.state?.waiting?.reason === "CrashLoopBackOff",
      40_000,
    );
    assert.equal(always.status?.phase, "Running");
    assert.ok((cs(always, "main")?.restartCount ?? 0) >= 1);
    assert.match(
      cs(always, "main")?.state?.waiting?.message ?? "",
      /^back-off 10s restarting failed container=main pod=nocmd-always_default\(/,
    );
  });

  await t.test("OnFailure restarts a non-zero exit only", async () => {
    await node.create(busybox("onf-fail", "OnFailure", ["sh", "-c", "sleep 0.2; exit 3"]));
    await node.create(busybox("onf-ok", "OnFailure", ["sh", "-c", "exit 0"]));
    const fail = await node.waitPod("onf-fail", (p) => (cs(p, "main")?.restartCount ?? 0) >= 1);
    assert.equal(cs(fail, "main")?.lastState?.terminated?.exitCode, 3);
    const ok = await node.waitPod("onf-ok", (p) => p.status?.phase === "Succeeded");
    assert.equal(cs(ok, "main")?.restartCount, 0);
  });

  await t.test(
    "a container that ignores SIGTERM and is killed during deletion leaves the pod Failed",
    async () => {
      await node.create(
        busybox("stubborn", "Always", ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]),
      );
      const running = await node.waitPod("stubborn", (p) => cond(p, "Ready") === "True");
      const uid = running.metadata?.uid;
      // kubectl's watch sees the status the agent writes between the kill and the final delete.
      const watching = kubectl(
        node.kite,
        K,
        ["get", "pod", "stubborn", "--watch", "-o", 'jsonpath={.metadata.uid} {.status.phase}{"\\n"}'],
        {
          timeoutMs: 20_000,
        },
      );
      await new Promise((r) => setTimeout(r, 500));
      await node.client.request("DELETE", "/api/v1/namespaces/default/pods/stubborn", {
        gracePeriodSeconds: 1,
      });
      await eventually(async () => (await node.getPod("stubborn")) === undefined, 30_000);
      const seen = (await watching).stdout.split("\n").filter((l) => l.startsWith(`${uid} `));
      const lastPhase = seen.at(-1)?.split(" ")[1];
      assert.equal(lastPhase, "Failed");
    },
  );

  await t.test(
    "init containers run in order before the app; a failing one keeps the app from starting",
    async () => {
      const ordered = busybox(
        "init-order",
        "Always",
        ["sh", "-c", "cat /dev/termination-log >/dev/null; sleep 3600"],
        {
          initContainers: [
            {
              name: "one",
              image: "busybox:latest",
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "sleep 0.3"],
            },
            { name: "two", image: "busybox:latest", imagePullPolicy: "IfNotPresent", command: ["true"] },
          ],
        },
      );
      await node.create(ordered);
      const p = await node.waitPod("init-order", (x) => cond(x, "Ready") === "True");
      const one = p.status?.initContainerStatuses?.find((s) => s.name === "one")?.state?.terminated;
      const two = p.status?.initContainerStatuses?.find((s) => s.name === "two")?.state?.terminated;
      const main = cs(p, "main")?.state?.running;
      assert.equal(one?.reason, "Completed");
      assert.ok(one && two && main);
      assert.ok((one.finishedAt ?? "") <= (two.startedAt ?? ""), "two started after one finished");
      assert.ok((two.finishedAt ?? "") <= (main.startedAt ?? ""), "main started after two finished");

      await node.create(
        busybox("init-fail", "Never", ["true"], {
          initContainers: [
            { name: "broken", image: "busybox:latest", imagePullPolicy: "IfNotPresent", command: ["false"] },
          ],
        }),
      );
      const f = await node.waitPod("init-fail", (x) => x.status?.phase === "Failed");
      assert.equal(cs(f, "main")?.state?.waiting?.reason, "PodInitializing");
      assert.equal(cs(f, "main")?.containerID, undefined);
    },
  );
});
