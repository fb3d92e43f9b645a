// Containers of a sandbox: an overlayfs rootfs over the image's snapshots, an OCI spec that joins the
// pause's namespaces, and conmon as the monitor. Status is derived each time from the record, the
// OCI runtime's state and conmon's exit file, so a restarted kite reads the same answers.

import fs from "node:fs";
import path from "node:path";
import { overlayLowerDirs } from "../../image/service.js";
import { ExecError } from "../../util/exec.js";
import type { ContainerConfig, ContainerState, ContainerStatus } from "../runtime.js";
import { FailedPreconditionError } from "../runtime.js";
import { oomKillCount, removeCgroup } from "./cgroups.js";
import {
  ContainerCreateError,
  conmonCreate,
  conmonFiles,
  conmonPid,
  processAlive,
  readPid,
} from "./conmon.js";
import type { Backend } from "./context.js";
import { initProcessOf } from "./init-process.js";
import { mountOverlay, unmountIfMounted } from "./mounts.js";
import type { OciState } from "./oci-cli.js";
import type { ContainerRecord } from "./records.js";
import { newId, sandboxRecord } from "./sandbox.js";
import { containerSpec, type ResolvedDevice } from "./spec.js";
import { resolveUser } from "./user.js";

export class ImageNotPresentError extends Error {
  constructor(readonly image: string) {
    super(`image "${image}" not present on the node`);
    this.name = "ImageNotPresentError";
  }
}

/** A file of the container's rootfs, unless a path component is a symlink (which could leave the rootfs). */
function readInRootfs(rootfs: string, rel: string): string {
  let p = rootfs;
  for (const part of rel.split("/").filter(Boolean)) {
    p = path.join(p, part);
    try {
      if (fs.lstatSync(p).isSymbolicLink()) return "";
    } catch {
      return "";
    }
  }
  return fs.readFileSync(p, "utf8");
}

/** mkdir -p inside the rootfs, stopping at a symlink (runc resolves those safely itself). */
function mkdirInRootfs(rootfs: string, rel: string): void {
  let p = rootfs;
  for (const part of rel.split("/").filter(Boolean)) {
    p = path.join(p, part);
    try {
      if (!fs.lstatSync(p).isDirectory()) return;
    } catch {
      fs.mkdirSync(p);
    }
  }
}

function resolveDevices(config: ContainerConfig): ResolvedDevice[] {
  return (config.devices ?? []).map((d) => {
    const st = fs.statSync(d.hostPath);
    const type = st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : undefined;
    if (!type) throw new Error(`${d.hostPath} is not a device`);
    const rdev = Number(st.rdev);
    return {
      containerPath: d.containerPath,
      type,
      major: (rdev >> 8) & 0xfff,
      minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
      fileMode: st.mode & 0o777,
      permissions: d.permissions || "rwm",
    };
  });
}

/**
 * Lowering oom_score_adj needs CAP_SYS_RESOURCE (24). Where kite runs without it (some sandboxes and
 * VMs), a Guaranteed pod's -997 would fail the create; the container gets kite's own score instead.
 */
function allowedOomScoreAdj(requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  try {
    const status = fs.readFileSync("/proc/self/status", "utf8");
    const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
    if (capEff & (1n << 24n)) return requested;
    const own = Number(fs.readFileSync("/proc/self/oom_score_adj", "utf8").trim());
    return Math.max(requested, own);
  } catch {
    return requested;
  }
}

export async function createContainer(
  b: Backend,
  sandboxId: string,
  config: ContainerConfig,
): Promise<string> {
  const sandbox = sandboxRecord(b, sandboxId);
  // The pause's pid from conmon's pid file rather than `runc state` (an exec less on the pod
  // start path); no exit file and a live pid means it runs.
  const pausePid = readPid(conmonFiles(b.records.sandboxDir(sandboxId)).pidFile);
  if (sandbox.stopped || pausePid === undefined || exitCodeOf(b, sandboxId) || !processAlive(pausePid)) {
    throw new FailedPreconditionError(`pod sandbox ${sandboxId} is not ready`);
  }
  const image = await b.opts.images.inspect(config.image);
  if (!image) throw new ImageNotPresentError(config.image);
  const id = newId();
  const dir = b.records.containerDir(id);
  const rootfs = path.join(dir, "rootfs");
  fs.mkdirSync(path.join(dir, "bundle"), { recursive: true });
  const record: ContainerRecord = {
    id,
    sandboxId,
    config,
    createdAt: new Date().toISOString(),
    imageRef: image.id,
    logPath: path.resolve(sandbox.config.logDirectory, config.logPath),
    cgroupsPath: `${sandbox.cgroupParent}/${id}`,
    stopSignal: config.stopSignal || image.config.StopSignal || "SIGTERM",
  };
  b.records.writeContainer(record);
  let processCreate = false;
  try {
    await mountOverlay(
      rootfs,
      overlayLowerDirs(image),
      path.join(dir, "upper"),
      path.join(dir, "work"),
      b.log,
    );
    const sc = config.linux?.securityContext ?? {};
    const user = resolveUser(
      {
        runAsUser: sc.runAsUser,
        runAsUsername:
          sc.runAsUser === undefined ? sc.runAsUsername || image.config.User || undefined : undefined,
        runAsGroup: sc.runAsGroup,
        supplementalGroups: sc.supplementalGroups,
      },
      readInRootfs(rootfs, "etc/passwd"),
      readInRootfs(rootfs, "etc/group"),
    );
    const cwd = config.workingDir || image.config.WorkingDir;
    if (cwd) mkdirInRootfs(rootfs, cwd);
    const sdir = b.records.sandboxDir(sandboxId);
    const profile = sc.seccompProfile;
    const resources = config.linux?.resources;
    const adj = allowedOomScoreAdj(resources?.oomScoreAdj);
    const effective: ContainerConfig =
      resources && adj !== resources.oomScoreAdj
        ? { ...config, linux: { ...config.linux, resources: { ...resources, oomScoreAdj: adj } } }
        : config;
    const spec = containerSpec({
      config: effective,
      sandbox: sandbox.config,
      pausePid,
      rootfs,
      user,
      image: {
        entrypoint: image.config.Entrypoint ?? undefined,
        cmd: image.config.Cmd ?? undefined,
        env: image.config.Env,
        workingDir: image.config.WorkingDir,
      },
      etcFiles: {
        hosts: path.join(sdir, "hosts"),
        resolvConf: path.join(sdir, "resolv.conf"),
        hostname: path.join(sdir, "hostname"),
      },
      shmPath: sandbox.config.linux?.hostIPC ? undefined : path.join(sdir, "shm"),
      cgroupsPath: record.cgroupsPath,
      devices: resolveDevices(config),
      localhostSeccomp: profile?.startsWith("localhost/")
        ? JSON.parse(fs.readFileSync(profile.slice("localhost/".length), "utf8"))
        : undefined,
    });
    fs.writeFileSync(path.join(dir, "bundle", "config.json"), JSON.stringify(spec));
    processCreate = true;
    await conmonCreate({
      id,
      name: config.metadata.name,
      paths: {
        dir,
        bundle: path.join(dir, "bundle"),
        logPath: record.logPath,
        exitDir: b.records.exitDir,
        socketDir: b.records.socketDir,
      },
      cli: b.cli,
      conmonPath: b.conmonPath,
      tty: config.tty,
      stdin: config.stdin,
      stdinOnce: config.stdinOnce,
      log: b.log,
    });
    return id;
  } catch (err) {
    if (processCreate && (err instanceof ContainerCreateError || err instanceof ExecError)) {
      // The runtime could not start the container's process: keep the container, dead, with the
      // reason (containerd's StartError, exit code 128) so restartPolicy and back-off apply to it.
      record.startError = (err instanceof ExecError && err.stderr ? err.stderr : err.message).trim();
      b.records.writeContainer(record);
      fs.writeFileSync(path.join(b.records.exitDir, id), "128");
      return id;
    }
    await removeContainer(b, id).catch((e) => b.log?.warn({ err: e, id }, "cleaning up a failed container"));
    throw err;
  }
}

export function containerRecord(b: Backend, id: string): ContainerRecord {
  const r = b.records.readContainer(id);
  if (!r) throw b.notFound("container", id);
  return r;
}

export async function startContainer(b: Backend, id: string): Promise<void> {
  const record = containerRecord(b, id);
  if (record.startError)
    throw new FailedPreconditionError(`failed to start container ${id}: ${record.startError}`);
  if (record.startedAt) throw new FailedPreconditionError(`container ${id} was already started`);
  // Recorded before the start: a kite that dies right after still reports a start time.
  record.startedAt = new Date().toISOString();
  b.records.writeContainer(record);
  try {
    await b.cli.start(id);
    record.init = initProcessOf(readPid(conmonFiles(b.records.containerDir(id)).pidFile));
    if (record.init) b.records.writeContainer(record);
  } catch (err) {
    delete record.startedAt;
    b.records.writeContainer(record);
    // runc refuses anything but a created container ("cannot start a container that has stopped").
    if (err instanceof ExecError) {
      throw new FailedPreconditionError(`failed to start container ${id}: ${err.stderr.trim()}`);
    }
    throw err;
  }
}

function exitCodeOf(b: Backend, id: string): { code: number; at: Date } | undefined {
  const file = path.join(b.records.exitDir, id);
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    if (text === "") return undefined;
    return { code: Number(text), at: fs.statSync(file).mtime };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for conmon's exit file (it is written once conmon has reaped the process). */
export async function waitExit(b: Backend, id: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCodeOf(b, id)) return true;
    if (Date.now() >= deadline) return false;
    // No conmon and no runtime state means nothing will ever write the file.
    if (
      conmonPid(b.records.containerDir(id)) === undefined &&
      conmonPid(b.records.sandboxDir(id)) === undefined
    ) {
      const s = await b.cli.state(id);
      if (!s || s.status === "stopped") return exitCodeOf(b, id) !== undefined;
    }
    await sleep(10);
  }
}

export async function killAndWait(
  b: Backend,
  id: string,
  signal: string,
  timeoutMs: number,
): Promise<boolean> {
  if (exitCodeOf(b, id)) return true;
  const state = await b.cli.state(id);
  if (!state || state.status === "stopped") return waitExit(b, id, 1000);
  await b.cli.kill(id, signal);
  return waitExit(b, id, timeoutMs);
}

export async function stopContainer(b: Backend, id: string, gracePeriodSeconds: number): Promise<void> {
  const record = containerRecord(b, id);
  if (exitCodeOf(b, id)) return;
  if (gracePeriodSeconds > 0 && (await killAndWait(b, id, record.stopSignal, gracePeriodSeconds * 1000)))
    return;
  // With a shared PID namespace the container's init dying does not take its children along.
  if (!(await killAndWait(b, id, "SIGKILL", 10_000))) {
    throw new Error(`container ${id} did not exit after SIGKILL`);
  }
}

export async function removeContainer(b: Backend, id: string): Promise<void> {
  const record = b.records.readContainer(id);
  if (!record) return;
  await killAndWait(b, id, "SIGKILL", 10_000);
  await b.cli.delete(id);
  const dir = b.records.containerDir(id);
  await unmountIfMounted(path.join(dir, "rootfs"), b.log);
  removeCgroup(record.cgroupsPath);
  fs.rmSync(path.join(b.records.exitDir, id), { force: true });
  fs.rmSync(path.join(b.records.socketDir, id), { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}

/** CRI's status from the record, the runtime's state (undefined when it has none) and the exit file. */
export function containerStatusOf(
  b: Backend,
  record: ContainerRecord,
  state: OciState | undefined,
): ContainerStatus {
  const exit = exitCodeOf(b, record.id);
  let s: ContainerState;
  if (exit) s = "CONTAINER_EXITED";
  else if (state?.status === "created") s = "CONTAINER_CREATED";
  else if (state?.status === "running" || state?.status === "paused") s = "CONTAINER_RUNNING";
  else s = "CONTAINER_UNKNOWN";
  const status: ContainerStatus = {
    id: record.id,
    podSandboxId: record.sandboxId,
    metadata: record.config.metadata,
    state: s,
    createdAt: record.createdAt,
    image: record.config.image,
    imageRef: record.imageRef,
    logPath: record.logPath,
    labels: record.config.labels ?? {},
    annotations: record.config.annotations ?? {},
  };
  if (record.startedAt && s !== "CONTAINER_CREATED") status.startedAt = record.startedAt;
  else if (s === "CONTAINER_RUNNING" && state) status.startedAt = state.created;
  if (s === "CONTAINER_RUNNING" && state?.pid) status.pid = state.pid;
  if (exit) {
    status.exitCode = exit.code;
    status.finishedAt = exit.at.toISOString();
    const oom =
      fs.existsSync(path.join(conmonFiles(b.records.containerDir(record.id)).persistDir, "oom")) ||
      (exit.code === 137 && oomKillCount(record.cgroupsPath) > 0);
    status.reason = oom ? "OOMKilled" : exit.code === 0 ? "Completed" : "Error";
    if (record.startError) {
      status.reason = "StartError";
      status.message = record.startError;
    }
  } else if (s === "CONTAINER_UNKNOWN") {
    status.reason = "Unknown";
    status.message = state
      ? `runtime reports ${state.status} without an exit code`
      : "container unknown to the runtime";
  }
  return status;
}
