import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import {
  commandAndArgs,
  containerConfig,
  containerResources,
  milliCPUToShares,
  podQOS,
} from "./container-config.js";

const image = {
  Entrypoint: ["/entry"],
  Cmd: ["default", "cmd"],
  Env: ["PATH=/bin"],
  WorkingDir: "/app",
  User: "",
};
const noEnv = new Map<string, string>();

function pod(containers: Container[], extra: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return {
    metadata: { name: "web", namespace: "prod", uid: "u-1", labels: { app: "web" } },
    spec: { containers, ...extra },
  };
}

const GiB = 1 << 30;

test("Kubernetes' four rules for command and args against the image's Entrypoint and Cmd", () => {
  assert.deepEqual(commandAndArgs({ name: "c" }, image, noEnv), ["/entry", "default", "cmd"]);
  assert.deepEqual(commandAndArgs({ name: "c", command: ["/bin/x"] }, image, noEnv), ["/bin/x"]);
  assert.deepEqual(commandAndArgs({ name: "c", args: ["a", "b"] }, image, noEnv), ["/entry", "a", "b"]);
  assert.deepEqual(commandAndArgs({ name: "c", command: ["/bin/x"], args: ["a"] }, image, noEnv), [
    "/bin/x",
    "a",
  ]);
  assert.throws(() => commandAndArgs({ name: "c" }, {}, noEnv), /no command specified for container c/);
});

test("command and args expand $(VAR) from the container's env, not the image's", () => {
  const env = new Map([["GREETING", "hi"]]);
  assert.deepEqual(
    commandAndArgs({ name: "c", command: ["echo", "$(GREETING)", "$(PATH)", "$$(GREETING)"] }, image, env),
    ["echo", "hi", "$(PATH)", "$(GREETING)"],
  );
});

test("env: the agent's resolved values pass through as they are, and feed $(VAR) in command", () => {
  const c: Container = { name: "c", image: "x", command: ["echo", "$(A)", "$(B)"] };
  const cfg = containerConfig({
    pod: pod([c]),
    container: c,
    image,
    imageRef: "sha256:abc",
    restartCount: 2,
    memoryCapacity: 8 * GiB,
    // B's value is a literal "$(A)" (from a ConfigMap, or "$$(A)" in the spec): not expanded again
    env: [
      { name: "A", value: "a" },
      { name: "B", value: "$(A)" },
    ],
  });
  assert.deepEqual(
    cfg.envs?.map((e) => `${e.key}=${e.value}`),
    ["A=a", "B=$(A)"],
  );
  assert.deepEqual(cfg.command, ["echo", "a", "$(A)"]);
  assert.equal(cfg.logPath, "c/2.log");
  assert.equal(cfg.metadata.attempt, 2);
  assert.equal(cfg.workingDir, "/app");
  assert.equal(cfg.labels?.["io.kubernetes.pod.namespace"], "prod");
});

test("security context: user, groups, capabilities, no_new_privs, read-only root, seccomp, procMount", () => {
  const c: Container = {
    name: "c",
    securityContext: {
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
      procMount: "Unmasked",
    },
  };
  const p = pod([c], {
    securityContext: {
      runAsGroup: 3000,
      supplementalGroups: [4000],
      fsGroup: 2000,
      seccompProfile: { type: "RuntimeDefault" },
    },
  });
  const sc = containerConfig({
    pod: p,
    container: c,
    image,
    imageRef: "i",
    restartCount: 0,
    memoryCapacity: GiB,
  }).linux?.securityContext;
  assert.deepEqual(sc, {
    privileged: false,
    runAsUser: 1000,
    runAsUsername: undefined,
    runAsGroup: 3000,
    supplementalGroups: [4000, 2000],
    readonlyRootfs: true,
    noNewPrivs: true,
    capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] },
    seccompProfile: "runtime/default",
    maskedPaths: [],
    readonlyPaths: [],
  });
  // No runAsUser: the image's USER goes to the runtime to resolve; no profile: Unconfined, as the kubelet's default.
  const d = containerConfig({
    pod: pod([{ name: "d" }]),
    container: { name: "d" },
    image: { ...image, User: "nginx" },
    imageRef: "i",
    restartCount: 0,
    memoryCapacity: GiB,
  }).linux?.securityContext;
  assert.equal(d?.runAsUsername, "nginx");
  assert.equal(d?.noNewPrivs, false);
  assert.equal(d?.seccompProfile, "unconfined");
});

test("runAsNonRoot refuses root and unverifiable users with the kubelet's messages", () => {
  const run = (user: string | undefined, runAsUser?: number) => {
    const c: Container = { name: "c", securityContext: { runAsNonRoot: true, runAsUser } };
    return () =>
      containerConfig({
        pod: pod([c]),
        container: c,
        image: { ...image, User: user },
        imageRef: "i",
        restartCount: 0,
        memoryCapacity: GiB,
      });
  };
  assert.throws(
    run(""),
    /^ContainerConfigError: container has runAsNonRoot and image will run as root \(pod: "web_prod\(u-1\)", container: c\)$/,
  );
  assert.throws(
    run("nginx"),
    /container has runAsNonRoot and image has non-numeric user \(nginx\), cannot verify user is non-root/,
  );
  assert.throws(run("", 0), /container's runAsUser breaks non-root policy/);
  assert.doesNotThrow(run("1000:1000"));
  assert.doesNotThrow(run("", 65534));
});

test("resources: CPU shares and quota, memory limit, OOM score by QoS class", () => {
  assert.equal(milliCPUToShares(0), 2);
  assert.equal(milliCPUToShares(1), 2);
  assert.equal(milliCPUToShares(250), 256);
  assert.equal(milliCPUToShares(1000), 1024);
  const guaranteed: Container = { name: "g", resources: { limits: { cpu: "500m", memory: "128Mi" } } };
  assert.equal(podQOS(pod([guaranteed])), "Guaranteed");
  assert.deepEqual(containerResources(pod([guaranteed]), guaranteed, 8 * GiB), {
    cpuShares: 512,
    cpuQuota: 50000,
    cpuPeriod: 100000,
    memoryLimitInBytes: 128 << 20,
    oomScoreAdj: -997,
  });
  const burstable: Container = { name: "b", resources: { requests: { memory: "2Gi", cpu: "100m" } } };
  assert.equal(podQOS(pod([burstable])), "Burstable");
  assert.deepEqual(containerResources(pod([burstable]), burstable, 8 * GiB), {
    cpuShares: 102,
    oomScoreAdj: 750,
  });
  const best: Container = { name: "e" };
  assert.equal(podQOS(pod([best])), "BestEffort");
  assert.deepEqual(containerResources(pod([best]), best, 8 * GiB), { cpuShares: 2, oomScoreAdj: 1000 });
});

test("termination log mount at terminationMessagePath", () => {
  const c: Container = { name: "c", terminationMessagePath: "/tmp/why" };
  const cfg = containerConfig({
    pod: pod([c]),
    container: c,
    image,
    imageRef: "i",
    restartCount: 0,
    memoryCapacity: GiB,
    terminationLogPath: "/var/lib/kite/pods/u-1/containers/c/abcd",
    mounts: [{ hostPath: "/data", containerPath: "/data", readonly: true }],
  });
  assert.deepEqual(cfg.mounts, [
    { hostPath: "/data", containerPath: "/data", readonly: true },
    { hostPath: "/var/lib/kite/pods/u-1/containers/c/abcd", containerPath: "/tmp/why" },
  ]);
});
