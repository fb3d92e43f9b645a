import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js";
import { EnvError, type EnvSources, expandVars, makeEnvironmentVariables } from "./env.js";
import { testPod } from "./test-fixtures.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const sources: EnvSources = {
  async configMap(ns, name) {
    if (ns === "default" && name === "cfg")
      return { data: { MODE: "prod", "bad key": "x", LEVEL: "3" } } as ConfigMap;
    return undefined;
  },
  async secret(ns, name) {
    if (ns === "default" && name === "creds") return { data: { password: b64("s3cret") } } as Secret;
    return undefined;
  },
};

describe("container environment", () => {
  it("expands $(VAR) from earlier variables, keeps unknown references and $$ escapes", () => {
    const vars = new Map([["A", "1"]]);
    assert.equal(
      expandVars("x$(A)y$(B)z$$(A)", (n) => vars.get(n)),
      "x1y$(B)z$(A)",
    );
  });

  it("resolves envFrom, env, valueFrom and composition in kubelet order", async () => {
    const pod = testPod({
      nodeName: "node1",
      serviceAccountName: "default",
      containers: [
        {
          name: "web",
          image: "busybox",
          resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m" } },
          envFrom: [
            { configMapRef: { name: "cfg" }, prefix: "CFG_" },
            { configMapRef: { name: "absent", optional: true } },
          ],
          env: [
            { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
            { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
            { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
            { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
            { name: "CPU", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
            { name: "CPULIM", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
            { name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "MODE" } } },
            { name: "PASS", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
            { name: "URL", value: "http://$(IP):80/$(POD)/$(MISSING)" },
          ],
        },
      ],
    });
    pod.metadata = { ...pod.metadata, labels: { app: "web" } };
    const env = await makeEnvironmentVariables(
      pod.spec!.containers[0]!,
      { pod, podIP: "10.42.0.7", hostIP: "192.168.1.10", nodeAllocatable: { cpu: "2" } },
      sources,
    );
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      CFG_MODE: "prod",
      CFG_LEVEL: "3",
      POD: "web-pod",
      NS: "default",
      UID: "u1",
      APP: "web",
      NODE: "node1",
      SA: "default",
      IP: "10.42.0.7",
      HOST: "192.168.1.10",
      MEM: "64",
      CPU: "250",
      CPULIM: "2",
      MODE: "prod",
      PASS: "s3cret",
      URL: "http://10.42.0.7:80/web-pod/$(MISSING)",
    });
  });

  it("a missing configmap or key fails with the kubelet's message", async () => {
    const pod = testPod();
    const c = (
      env: NonNullable<NonNullable<ReturnType<typeof testPod>["spec"]>["containers"][0]["env"]>,
    ) => ({ name: "x", env });
    await assert.rejects(
      makeEnvironmentVariables(
        c([{ name: "A", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }]),
        { pod },
        sources,
      ),
      (e: Error) => e instanceof EnvError && e.message === 'configmap "nope" not found',
    );
    await assert.rejects(
      makeEnvironmentVariables(
        c([{ name: "A", valueFrom: { secretKeyRef: { name: "creds", key: "k" } } }]),
        { pod },
        sources,
      ),
      { message: "couldn't find key k in Secret default/creds" },
    );
    const ok = await makeEnvironmentVariables(
      c([{ name: "A", valueFrom: { configMapKeyRef: { name: "nope", key: "k", optional: true } } }]),
      { pod },
      sources,
    );
    assert.deepEqual(ok, []);
  });
});
