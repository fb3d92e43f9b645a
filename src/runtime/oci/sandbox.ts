// Pod sandboxes: the pod cgroup, its network namespace and IP (through the NetworkPlugin), the
// per-pod /etc files and /dev/shm, and the pause container (catatonit -P under conmon) that holds
// the pod's IPC and UTS namespaces and sits in its network namespace.

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createNetns, removeNetns } from "../../network/netns.js";
import type { PodSandboxConfig } from "../runtime.js";
import { removeCgroup, writePodLimits } from "./cgroups.js";
import { conmonCreate } from "./conmon.js";
import type { Backend } from "./context.js";
import { hostsFile, resolvConf } from "./etc-files.js";
import { initProcessOf } from "./init-process.js";
import { mountTmpfs, unmountIfMounted } from "./mounts.js";
import type { SandboxRecord } from "./records.js";
import { pauseSpec } from "./spec.js";

export const newId = () => randomBytes(32).toString("hex");

/** An empty root with mount points for /proc, /dev and the bind-mounted catatonit binary. */
function ensurePauseRootfs(b: Backend): string {
  const rootfs = path.join(b.records.root, "pause-rootfs");
  if (!fs.existsSync(path.join(rootfs, "catatonit"))) {
    for (const d of ["proc", "dev", "sys"]) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.writeFileSync(path.join(rootfs, "catatonit"), "");
  }
  return rootfs;
}

export function podCgroup(b: Backend, config: PodSandboxConfig): string {
  // A cgroupParent from the caller is the pod's own cgroup, as the kubelet passes it through CRI.
  const explicit = config.linux?.cgroupParent;
  const rel = explicit ?? `${b.opts.cgroupParent ?? "kite"}/pod${config.metadata.uid}`;
  return `/${rel.replace(/^\/+/, "")}`;
}

export async function runPodSandbox(b: Backend, config: PodSandboxConfig): Promise<string> {
  const id = newId();
  const dir = b.records.sandboxDir(id);
  fs.mkdirSync(path.join(dir, "bundle"), { recursive: true });
  const record: SandboxRecord = {
    id,
    config,
    createdAt: new Date().toISOString(),
    cgroupParent: podCgroup(b, config),
  };
  const hostNetwork = config.linux?.hostNetwork === true;
  // The record first: whatever follows can fail or be interrupted, and removePodSandbox must find it.
  b.records.writeSandbox(record);
  try {
    const res = config.linux?.resources;
    if (res && (res.memoryLimitInBytes || res.cpuQuota || res.cpuShares)) {
      writePodLimits(record.cgroupParent, {
        memory: res.memoryLimitInBytes,
        cpuShares: res.cpuShares,
        cpuQuota: res.cpuQuota,
        cpuPeriod: res.cpuPeriod,
      });
    }
    const network = b.opts.network;
    const mountShm = config.linux?.hostIPC
      ? Promise.resolve()
      : mountTmpfs(path.join(dir, "shm"), "nosuid,nodev,noexec,mode=1777,size=65536k", b.log);
    if (!hostNetwork && network) {
      record.netnsName = `kite-${id}`;
      b.records.writeSandbox(record);
      const netns = createNetns(record.netnsName, b.opts.netnsDir, b.log);
      const both = await Promise.allSettled([netns, mountShm]);
      const failed = both.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      record.netnsPath = await netns;
      b.records.writeSandbox(record);
    } else await mountShm;
    // CNI ADD and the pause's start are independent once the netns exists (the pause joins it by
    // path, the IP is only needed for /etc/hosts), so they overlap; settled both before going on,
    // so a failure never leaves one half running unseen.
    const setUpNetwork = async () => {
      if (!record.netnsPath || !network) return;
      const status = await network.setUpPod({
        sandboxId: id,
        namespace: config.metadata.namespace,
        name: config.metadata.name,
        uid: config.metadata.uid,
        netnsPath: record.netnsPath,
        ifName: "eth0",
        portMappings: config.portMappings,
      });
      record.ip = status.ip;
    };
    const startPause = async () => {
      const spec = pauseSpec({
        config,
        rootfs: ensurePauseRootfs(b),
        catatonit: b.catatonitPath,
        netnsPath: record.netnsPath,
        cgroupsPath: `${record.cgroupParent}/${id}`,
      });
      fs.writeFileSync(path.join(dir, "bundle", "config.json"), JSON.stringify(spec));
      const { pid } = await conmonCreate({
        id,
        name: `${config.metadata.namespace}_${config.metadata.name}_POD`,
        paths: {
          dir,
          bundle: path.join(dir, "bundle"),
          logPath: path.join(dir, "pause.log"),
          exitDir: b.records.exitDir,
          socketDir: b.records.socketDir,
        },
        cli: b.cli,
        conmonPath: b.conmonPath,
        log: b.log,
      });
      await b.cli.start(id);
      record.init = initProcessOf(pid);
    };
    const results = await Promise.allSettled([setUpNetwork(), startPause()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    b.records.writeSandbox(record);
    writeEtcFiles(b, record);
    return id;
  } catch (err) {
    await removePodSandbox(b, id).catch((cleanupErr) =>
      b.log?.warn({ err: cleanupErr, id }, "cleaning up a failed sandbox"),
    );
    throw err;
  }
}

function writeEtcFiles(b: Backend, record: SandboxRecord): void {
  const { config } = record;
  const dir = b.records.sandboxDir(record.id);
  const hostNetwork = config.linux?.hostNetwork === true;
  // hostNetwork pods see the node's names (the kubelet copies the node's /etc/hosts for them).
  const hosts = hostNetwork
    ? fs.readFileSync("/etc/hosts", "utf8")
    : hostsFile({
        podIP: record.ip,
        hostname: config.hostname,
        hostFQDN: config.hostFQDN,
        hostAliases: config.hostAliases,
      });
  fs.writeFileSync(path.join(dir, "hosts"), hosts);
  const resolv = config.dnsConfig
    ? resolvConf(config.dnsConfig)
    : fs.readFileSync(b.opts.hostResolvConf ?? "/etc/resolv.conf", "utf8");
  fs.writeFileSync(path.join(dir, "resolv.conf"), resolv);
  fs.writeFileSync(path.join(dir, "hostname"), `${config.hostname}\n`);
}

export function sandboxRecord(b: Backend, id: string): SandboxRecord {
  const r = b.records.readSandbox(id);
  if (!r) throw b.notFound("sandbox", id);
  return r;
}

export async function stopPodSandbox(b: Backend, id: string): Promise<void> {
  const record = sandboxRecord(b, id);
  for (const cid of b.records.containerIds()) {
    const c = b.records.readContainer(cid);
    if (c?.sandboxId === id) await b.stopContainer(cid, 0);
  }
  await b.killAndWait(id, "SIGKILL", 10_000);
  await tearDownNetwork(b, record);
  if (!record.stopped) {
    record.stopped = true;
    b.records.writeSandbox(record);
  }
}

async function tearDownNetwork(b: Backend, record: SandboxRecord): Promise<void> {
  if (!record.netnsPath) return;
  if (b.opts.network) {
    await b.opts.network.tearDownPod({
      sandboxId: record.id,
      namespace: record.config.metadata.namespace,
      name: record.config.metadata.name,
      uid: record.config.metadata.uid,
      netnsPath: record.netnsPath,
      ifName: "eth0",
      portMappings: record.config.portMappings,
    });
  }
  await removeNetns(record.netnsPath, b.log);
}

export async function removePodSandbox(b: Backend, id: string): Promise<void> {
  const record = b.records.readSandbox(id);
  if (!record) return;
  for (const cid of b.records.containerIds()) {
    const c = b.records.readContainer(cid);
    if (c?.sandboxId === id) await b.removeContainer(cid);
  }
  await b.killAndWait(id, "SIGKILL", 10_000);
  await b.cli.delete(id);
  await tearDownNetwork(b, record);
  const dir = b.records.sandboxDir(id);
  await unmountIfMounted(path.join(dir, "shm"), b.log);
  removeCgroup(record.cgroupParent);
  fs.rmSync(path.join(b.records.exitDir, id), { force: true });
  fs.rmSync(path.join(b.records.socketDir, id), { recursive: true, force: true });
  // The record goes last, so an interrupted removal is found and finished by the next attempt.
  fs.rmSync(dir, { recursive: true, force: true });
}
