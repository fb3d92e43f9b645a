// Container outcomes the kubelet turns into pod status: exit codes and reasons (Completed, Error,
// OOMKilled), the security context reaching the process, stop with a grace period, logs. Real
// runc/conmon/catatonit as root; pods here have a loopback-only netns (no CNI needed).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ContainerConfig } from "../../src/runtime/runtime.js";
import { BUSYBOX, eventually, newTestRuntime, type TestRuntime } from "./helpers.js";

function exited(rt: TestRuntime["runtime"], id: string, name: string) {
  return eventually(`${name} to exit`, async () => {
    const s = await rt.containerStatus(id);
    return s.state === "CONTAINER_EXITED" ? s : undefined;
  });
}

async function runToExit(tr: TestRuntime, sb: string, name: string, extra: Partial<ContainerConfig>) {
  const rt = tr.runtime;
  const id = await rt.createContainer(sb, tr.containerConfig(name, BUSYBOX, extra));
  await rt.startContainer(id);
  return exited(rt, id, name);
}

test("exit codes and reasons: 0 Completed, 3 Error, a memory hog over its limit OOMKilled", async (t) => {
  const tr = await newTestRuntime(t);
  const sb = await tr.runtime.runPodSandbox(tr.sandboxConfig("exits"));

  const ok = await runToExit(tr, sb, "ok", { command: ["true"] });
  assert.equal(ok.exitCode, 0);
  assert.equal(ok.reason, "Completed");

  const three = await runToExit(tr, sb, "three", { command: ["sh", "-c", "echo bye; exit 3"] });
  assert.equal(three.exitCode, 3);
  assert.equal(three.reason, "Error");
  assert.ok(three.startedAt && three.finishedAt && three.startedAt <= three.finishedAt);
  assert.match(fs.readFileSync(three.logPath, "utf8"), /^\S+ stdout F bye$/m);

  // dd allocates its 64 MiB block and fills it: far over a 16 MiB limit (no swap on the node).
  const hog = await runToExit(tr, sb, "hog", {
    command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=4"],
    linux: { resources: { memoryLimitInBytes: 16 << 20 } },
  });
  assert.equal(hog.exitCode, 137);
  assert.equal(hog.reason, "OOMKilled");
});

test("runAsUser 65534 runs as 65534; readOnlyRootFilesystem blocks writes; capabilities and no_new_privs apply", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("secctx"));
  const id = await rt.createContainer(
    sb,
    tr.containerConfig("c", BUSYBOX, {
      command: ["sleep", "3600"],
      linux: {
        securityContext: {
          runAsUser: 65534,
          runAsGroup: 65534,
          supplementalGroups: [1234],
          readonlyRootfs: true,
          noNewPrivs: true,
          capabilities: { dropCapabilities: ["ALL"], addCapabilities: ["NET_BIND_SERVICE"] },
        },
      },
    }),
  );
  await rt.startContainer(id);
  const ids = await rt.execSync(id, ["id"], 5);
  assert.equal(ids.stdout.trim(), "uid=65534(nobody) gid=65534(nogroup) groups=1234");
  const write = await rt.execSync(id, ["touch", "/written"], 5);
  assert.notEqual(write.exitCode, 0);
  assert.match(write.stderr, /Read-only file system/);
  // /tmp is part of the read-only root too; /dev/shm (the pod's tmpfs) stays writable.
  assert.notEqual((await rt.execSync(id, ["touch", "/tmp/x"], 5)).exitCode, 0);
  assert.equal((await rt.execSync(id, ["touch", "/dev/shm/x"], 5)).exitCode, 0);
  const status = (await rt.execSync(id, ["cat", "/proc/self/status"], 5)).stdout;
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  // Bounding set: NET_BIND_SERVICE (bit 10) only.
  assert.match(status, /^CapBnd:\s+0000000000000400$/m);

  // Defaults: root with containerd's capability set and the RuntimeDefault seccomp filter.
  const def = await rt.createContainer(
    sb,
    tr.containerConfig("def", BUSYBOX, { command: ["sleep", "3600"] }),
  );
  await rt.startContainer(def);
  const st = (await rt.execSync(def, ["cat", "/proc/self/status"], 5)).stdout;
  assert.match(st, /^CapEff:\s+00000000a80425fb$/m);
  assert.match(st, /^Seccomp:\s+2$/m);
  // Masked and read-only /proc paths.
  const timerList = await rt.execSync(def, ["sh", "-c", "wc -c < /proc/timer_list"], 5);
  assert.equal(timerList.stdout.trim(), "0", timerList.stderr);
  const mountinfo = (await rt.execSync(def, ["cat", "/proc/self/mountinfo"], 5)).stdout;
  assert.match(mountinfo, /^\S+ \S+ \S+ \S+ \/proc\/sys ro,/m);
  const mount = await rt.execSync(def, ["mount", "-t", "tmpfs", "x", "/mnt"], 5);
  assert.notEqual(mount.exitCode, 0, "mount is refused without CAP_SYS_ADMIN");
});

test("stop sends the stop signal, then SIGKILL after the grace period; both end EXITED", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("stop"));
  // A shell as PID 1 ignores SIGTERM (no handler, init): only SIGKILL ends it.
  const stubborn = await rt.createContainer(
    sb,
    tr.containerConfig("stubborn", BUSYBOX, { command: ["sh", "-c", "sleep 3600 & wait"] }),
  );
  const polite = await rt.createContainer(
    sb,
    tr.containerConfig("polite", BUSYBOX, { command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"] }),
  );
  await rt.startContainer(stubborn);
  await rt.startContainer(polite);
  let start = Date.now();
  await rt.stopContainer(polite, 10);
  assert.ok(Date.now() - start < 5000, "a container that honours SIGTERM stops before the grace period");
  const p = await rt.containerStatus(polite);
  assert.equal(p.state, "CONTAINER_EXITED");
  assert.equal(p.exitCode, 0);
  start = Date.now();
  await rt.stopContainer(stubborn, 1);
  assert.ok(Date.now() - start >= 1000, "SIGKILL only after the grace period");
  const s = await rt.containerStatus(stubborn);
  assert.equal(s.exitCode, 137);
  assert.equal(s.reason, "Error");
  await rt.stopContainer(stubborn, 1); // idempotent
  const list = await rt.listContainers({ podSandboxId: sb, state: "CONTAINER_EXITED" });
  assert.deepEqual(list.map((c) => c.metadata.name).sort(), ["polite", "stubborn"]);
  await rt.removeContainer(polite);
  assert.deepEqual(
    (await rt.listContainers()).map((c) => c.metadata.name),
    ["stubborn"],
  );
});

test("running is read from /proc for the recorded process, from runc for records without one; a kill from outside ends it EXITED", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("proc"));
  const id = await rt.createContainer(sb, tr.containerConfig("c", BUSYBOX, { command: ["sleep", "3600"] }));
  await rt.startContainer(id);
  const recordFile = join(tr.rootDir, "state", "containers", id, "container.json");
  const record = JSON.parse(fs.readFileSync(recordFile, "utf8")) as { init?: { pid: number } };
  const runc = JSON.parse(
    execFileSync("runc", ["--root", join(tr.rootDir, "state", "oci"), "state", id], { encoding: "utf8" }),
  ) as { pid: number; status: string };
  assert.equal(runc.status, "running");
  assert.equal(record.init?.pid, runc.pid, "the recorded process is runc's init process");
  const fromProc = await rt.containerStatus(id);
  assert.equal(fromProc.state, "CONTAINER_RUNNING");
  assert.equal(fromProc.pid, runc.pid);
  assert.equal((await rt.podSandboxStatus(sb)).state, "SANDBOX_READY");

  // a record written by a kite before init was recorded: runc answers, with the same result
  delete record.init;
  fs.writeFileSync(recordFile, JSON.stringify(record));
  const fromRunc = await tr.reopen().containerStatus(id);
  assert.equal(fromRunc.state, "CONTAINER_RUNNING");
  assert.equal(fromRunc.pid, runc.pid);

  await rt.startContainer(
    await rt.createContainer(sb, tr.containerConfig("d", BUSYBOX, { command: ["sleep", "3600"] })),
  );
  const d = (await rt.listContainers({ podSandboxId: sb })).find((c) => c.metadata.name === "d")!;
  process.kill(d.pid!, "SIGKILL");
  assert.equal((await exited(rt, d.id, "d")).exitCode, 137);
  assert.equal((await rt.containerStatus(id)).state, "CONTAINER_RUNNING");
});

test("reopenContainerLog: after the log is renamed (rotation), conmon writes to a new file at the same path", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("logs"));
  const id = await rt.createContainer(
    sb,
    tr.containerConfig("talker", BUSYBOX, {
      command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done"],
    }),
  );
  await rt.startContainer(id);
  const { logPath } = await rt.containerStatus(id);
  await eventually("first lines", async () =>
    fs.existsSync(logPath) && fs.statSync(logPath).size > 0 ? true : undefined,
  );
  fs.renameSync(logPath, `${logPath}.1`);
  await rt.reopenContainerLog(id);
  const fresh = await eventually("the reopened log", async () =>
    fs.existsSync(logPath) && fs.statSync(logPath).size > 0 ? fs.readFileSync(logPath, "utf8") : undefined,
  );
  assert.match(fresh, /^\S+ stdout F line \d+$/m);
  assert.match(fs.readFileSync(`${logPath}.1`, "utf8"), /stdout F line 0$/m);
});

test("a hostNetwork pod: the node's network and hostname, no netns of its own", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(
    tr.sandboxConfig("hostnet", { hostname: "ignored", linux: { hostNetwork: true } }),
  );
  const status = await rt.podSandboxStatus(sb);
  assert.equal(status.hostNetwork, true);
  assert.equal(status.network, undefined);
  const id = await rt.createContainer(sb, tr.containerConfig("c", BUSYBOX, { command: ["sleep", "3600"] }));
  await rt.startContainer(id);
  const pid = (await rt.containerStatus(id)).pid!;
  assert.equal(fs.readlinkSync(`/proc/${pid}/ns/net`), fs.readlinkSync("/proc/self/ns/net"));
  assert.equal(fs.readlinkSync(`/proc/${pid}/ns/uts`), fs.readlinkSync("/proc/self/ns/uts"));
  assert.equal((await rt.execSync(id, ["hostname"], 5)).stdout.trim(), os.hostname());
  // Its own mount and PID namespaces all the same.
  assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync("/proc/self/ns/pid"));
});
