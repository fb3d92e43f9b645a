// Smaller parts of the pod spec end to end: activeDeadlineSeconds, termination messages from the
// log (FallbackToLogsOnError), and env from fieldRef / configMapKeyRef / secretKeyRef with $(VAR).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EventList, Pod } from "kubernetes-types/core/v1.js";
import { cs, startTestNode, type TestNode } from "./helpers.js";

function pod(name: string, restartPolicy: string, script: string, extra: Partial<Pod["spec"]> = {}): Pod {
  const { containers: _, ...rest } = extra as Pod["spec"] & object;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "spec-test" }, annotations: { note: "hello" } },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox:latest",
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", `trap 'exit 0' TERM; ${script}`],
          ...(extra?.containers?.[0] ?? {}),
        },
      ],
      ...rest,
    } as Pod["spec"],
  };
}

let node: TestNode;

test("pod spec details end to end", async (t) => {
  node = await startTestNode(t);

  await t.test(
    "activeDeadlineSeconds fails the pod with DeadlineExceeded and kills its container",
    async () => {
      await node.create(pod("deadline", "Always", "sleep 3600 & wait", { activeDeadlineSeconds: 2 }));
      const p = await node.waitPod("deadline", (x) => x.status?.phase === "Failed", 30_000);
      assert.equal(p.status?.reason, "DeadlineExceeded");
      assert.equal(p.status?.message, "Pod was active on the node longer than the specified deadline");
      const done = await node.waitPod("deadline", (x) => cs(x, "main")?.state?.terminated !== undefined);
      assert.equal(cs(done, "main")?.restartCount, 0);
      const events = await node.client.request<EventList>("GET", "/api/v1/namespaces/default/events");
      assert.ok(
        events.items.some((e) => e.involvedObject.name === "deadline" && e.reason === "DeadlineExceeded"),
        "a DeadlineExceeded event",
      );
    },
  );

  await t.test("FallbackToLogsOnError: the log's tail becomes the message on a failure only", async () => {
    const fallback = { terminationMessagePolicy: "FallbackToLogsOnError" };
    await node.create(
      pod("fallback-err", "Never", "echo first; echo last words; exit 2", {
        containers: [fallback as never],
      }),
    );
    await node.create(pod("fallback-ok", "Never", "echo fine; exit 0", { containers: [fallback as never] }));
    await node.create(
      pod("file-wins", "Never", "echo from-file >/dev/termination-log; echo from-log; exit 1", {
        containers: [fallback as never],
      }),
    );
    const err = await node.waitPod("fallback-err", (x) => x.status?.phase === "Failed");
    assert.equal(cs(err, "main")?.state?.terminated?.message, "first\nlast words\n");
    const ok = await node.waitPod("fallback-ok", (x) => x.status?.phase === "Succeeded");
    assert.equal(cs(ok, "main")?.state?.terminated?.message, undefined);
    const file = await node.waitPod("file-wins", (x) => x.status?.phase === "Failed");
    assert.equal(cs(file, "main")?.state?.terminated?.message, "from-file\n");
  });

  await t.test("env: fieldRef, configMapKeyRef, secretKeyRef, resourceFieldRef and $(VAR)", async () => {
    await node.client.request("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "cfg" },
      data: { color: "blue" },
    });
    await node.client.request("POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "sec" },
      data: { token: Buffer.from("s3cret").toString("base64") },
    });
    const env = [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
      { name: "COLOR", valueFrom: { configMapKeyRef: { name: "cfg", key: "color" } } },
      { name: "TOKEN", valueFrom: { secretKeyRef: { name: "sec", key: "token" } } },
      { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
      { name: "GREETING", value: "$(POD_NAME) is $(COLOR), $$(escaped)" },
    ];
    await node.create(
      pod("env", "Never", "env >/dev/termination-log", {
        containers: [{ env, resources: { limits: { memory: "64Mi" } } } as never],
      }),
    );
    const p = await node.waitPod("env", (x) => x.status?.phase === "Succeeded");
    const vars = new Map(
      (cs(p, "main")?.state?.terminated?.message ?? "")
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
    );
    assert.equal(vars.get("POD_NAME"), "env");
    assert.equal(vars.get("POD_NS"), "default");
    assert.equal(vars.get("POD_UID"), p.metadata?.uid);
    assert.equal(vars.get("APP"), "spec-test");
    assert.equal(vars.get("NOTE"), "hello");
    assert.equal(vars.get("NODE"), node.nodeName);
    assert.equal(vars.get("POD_IP"), p.status?.podIP);
    assert.equal(vars.get("SA"), "default");
    assert.equal(vars.get("COLOR"), "blue");
    assert.equal(vars.get("TOKEN"), "s3cret");
    assert.equal(vars.get("MEM"), "64");
    assert.equal(vars.get("GREETING"), "env is blue, $(escaped)");
  });
});
