import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerConfig, PodSandboxConfig } from "../runtime.js";
import { containerArgs, containerEnv, containerSpec, DEFAULT_MASKED_PATHS, pauseSpec } from "./spec.js";

const sandbox: PodSandboxConfig = {
  metadata: { name: "web", namespace: "default", uid: "u", attempt: 0 },
  hostname: "web",
  logDirectory: "/var/log/pods/default_web_u",
  linux: { sysctls: { "net.ipv4.ip_forward": "1" } },
};

const etcFiles = { hosts: "/sb/hosts", resolvConf: "/sb/resolv.conf", hostname: "/sb/hostname" };

function spec(config: Partial<ContainerConfig>, pod: PodSandboxConfig = sandbox) {
  return containerSpec({
    config: {
      metadata: { name: "c", attempt: 0 },
      image: "busybox",
      logPath: "c/0.log",
      command: ["sh"],
      ...config,
    },
    sandbox: pod,
    pausePid: 4242,
    rootfs: "/ctr/rootfs",
    user: { uid: 0, gid: 0, additionalGids: [] },
    image: { env: ["PATH=/image/bin", "LANG=C"] },
    etcFiles,
    shmPath: "/sb/shm",
    cgroupsPath: "/kite/podu/c1",
  });
}

test("the pause spec: catatonit -P, new pid/ipc/uts namespaces, the pod netns by path, pod sysctls, no capabilities", () => {
  const s = pauseSpec({
    config: sandbox,
    rootfs: "/pause",
    catatonit: "/usr/bin/catatonit",
    netnsPath: "/run/netns/x",
    cgroupsPath: "/kite/podu/sb",
  });
  assert.deepEqual(s.process.args, ["/catatonit", "-P"]);
  assert.equal(s.hostname, "web");
  assert.deepEqual(s.linux.namespaces, [
    { type: "mount" },
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "network", path: "/run/netns/x" },
  ]);
  assert.deepEqual(s.process.capabilities.bounding, []);
  assert.equal(s.root.readonly, true);
  assert.deepEqual(s.linux.sysctl, { "net.ipv4.ip_forward": "1" });
  assert.ok(
    s.mounts.some(
      (m) => m.destination === "/catatonit" && m.source === "/usr/bin/catatonit" && m.options?.includes("ro"),
    ),
  );
  // hostNetwork: the node's network and UTS namespaces, no hostname.
  const host = pauseSpec({
    config: { ...sandbox, linux: { hostNetwork: true } },
    rootfs: "/p",
    catatonit: "/c",
    cgroupsPath: "/x",
  });
  assert.deepEqual(
    host.linux.namespaces.map((n) => n.type),
    ["mount", "pid", "ipc"],
  );
  assert.equal(host.hostname, undefined);
});

test("a container joins the pause's net, uts and ipc namespaces by path and gets its own mount and pid namespace", () => {
  const s = spec({});
  assert.deepEqual(s.linux.namespaces, [
    { type: "mount" },
    { type: "network", path: "/proc/4242/ns/net" },
    { type: "uts", path: "/proc/4242/ns/uts" },
    { type: "ipc", path: "/proc/4242/ns/ipc" },
    { type: "pid" },
  ]);
  const shared = spec({}, { ...sandbox, linux: { shareProcessNamespace: true } });
  assert.deepEqual(shared.linux.namespaces.at(-1), { type: "pid", path: "/proc/4242/ns/pid" });
  const host = spec({}, { ...sandbox, linux: { hostNetwork: true, hostPID: true, hostIPC: true } });
  assert.deepEqual(host.linux.namespaces, [{ type: "mount" }]);
  assert.ok(host.mounts.some((m) => m.destination === "/dev/shm" && m.source === "/dev/shm"));
});

test("per-pod /etc files and /dev/shm are bind-mounted; a pod volume at the same path wins", () => {
  const s = spec({});
  const dest = (d: string) => s.mounts.find((m) => m.destination === d);
  assert.equal(dest("/etc/hosts")?.source, "/sb/hosts");
  assert.equal(dest("/etc/resolv.conf")?.source, "/sb/resolv.conf");
  assert.equal(dest("/etc/hostname")?.source, "/sb/hostname");
  assert.equal(dest("/dev/shm")?.source, "/sb/shm");
  const own = spec({ mounts: [{ hostPath: "/mine", containerPath: "/etc/hosts", readonly: true }] });
  const hosts = own.mounts.filter((m) => m.destination === "/etc/hosts");
  assert.deepEqual(hosts, [
    { destination: "/etc/hosts", type: "bind", source: "/mine", options: ["rbind", "rprivate", "ro"] },
  ]);
});

test("security defaults: containerd's capabilities, RuntimeDefault seccomp, masked and read-only /proc paths", () => {
  const s = spec({});
  assert.equal(s.process.capabilities.effective.length, 14);
  assert.ok(s.linux.seccomp?.syscalls[0]?.names.includes("mount"));
  assert.deepEqual(s.linux.maskedPaths, DEFAULT_MASKED_PATHS);
  assert.ok(s.linux.readonlyPaths?.includes("/proc/sys"));
  assert.equal(s.process.noNewPrivileges, false);
  assert.equal(s.root.readonly, false);
  assert.ok(s.mounts.find((m) => m.destination === "/sys")?.options?.includes("ro"));
  const unconfined = spec({ linux: { securityContext: { seccompProfile: "unconfined" } } });
  assert.equal(unconfined.linux.seccomp, undefined);
});

test("privileged: every capability, no seccomp, no masked paths, rw /sys, all devices", () => {
  const s = spec({ linux: { securityContext: { privileged: true } } });
  assert.ok(s.process.capabilities.bounding.includes("CAP_SYS_ADMIN"));
  assert.equal(s.linux.seccomp, undefined);
  assert.equal(s.linux.maskedPaths, undefined);
  assert.ok(s.mounts.find((m) => m.destination === "/sys")?.options?.includes("rw"));
  assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: "rwm" }]);
});

test("resources, user, read-only root and no_new_privs reach the spec", () => {
  const s = containerSpec({
    config: {
      metadata: { name: "c", attempt: 0 },
      image: "i",
      logPath: "c/0.log",
      command: ["x"],
      tty: true,
      linux: {
        resources: {
          memoryLimitInBytes: 1 << 24,
          cpuShares: 512,
          cpuQuota: 50000,
          cpuPeriod: 100000,
          oomScoreAdj: 500,
        },
        securityContext: { readonlyRootfs: true, noNewPrivs: true },
      },
    },
    sandbox,
    pausePid: 1,
    rootfs: "/r",
    user: { uid: 65534, gid: 65534, additionalGids: [1234] },
    image: {},
    etcFiles,
    cgroupsPath: "/kite/podu/c",
  });
  assert.deepEqual(s.linux.resources.memory, { limit: 1 << 24 });
  assert.deepEqual(s.linux.resources.cpu, { shares: 512, quota: 50000, period: 100000 });
  assert.equal(s.process.oomScoreAdj, 500);
  assert.deepEqual(s.process.user, { uid: 65534, gid: 65534, additionalGids: [1234] });
  assert.equal(s.root.readonly, true);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.process.terminal, true);
  assert.equal(s.linux.cgroupsPath, "/kite/podu/c");
  assert.ok(s.mounts.find((m) => m.destination === "/etc/hosts")?.options?.includes("ro"));
});

test("argv and env: CRI's merge with the image config", () => {
  const meta = { name: "c", attempt: 0 };
  const img = { entrypoint: ["/e"], cmd: ["c1"] };
  assert.deepEqual(containerArgs({ metadata: meta }, img), ["/e", "c1"]);
  assert.deepEqual(containerArgs({ metadata: meta, args: ["a"] }, img), ["/e", "a"]);
  assert.deepEqual(containerArgs({ metadata: meta, command: ["/x"], args: ["a"] }, img), ["/x", "a"]);
  assert.throws(() => containerArgs({ metadata: meta }, {}), /no command specified for container "c"/);
  assert.deepEqual(
    containerEnv(
      ["PATH=/image/bin", "LANG=C"],
      [
        { key: "LANG", value: "en" },
        { key: "X", value: "1" },
      ],
      "web",
    ),
    ["PATH=/image/bin", "HOSTNAME=web", "LANG=en", "X=1"],
  );
});
