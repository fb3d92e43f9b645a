// What the backend keeps on disk under its root dir, so that a new kite process (after a restart
// or a SIGKILL) finds every sandbox and container again. Records hold only what the runtime
// cannot tell: the configs and kite's own choices. Whether a process runs comes from the OCI
// runtime's state, exit codes from conmon's exit files.
//
//   <root>/sandboxes/<id>/sandbox.json     SandboxRecord
//   <root>/sandboxes/<id>/bundle/          pause's config.json (+ conmon's ctl/winsz/attach)
//   <root>/sandboxes/<id>/{hosts,resolv.conf,hostname,shm/}
//   <root>/containers/<id>/container.json  ContainerRecord
//   <root>/containers/<id>/bundle/         config.json
//   <root>/containers/<id>/{rootfs,upper,work}/  overlay mount point and its writable layers
//   <root>/exits/<id>                      conmon's exit file
//   <root>/oci/                            the OCI runtime's own state (--root)

import fs from "node:fs";
import path from "node:path";
import type { ContainerConfig, PodSandboxConfig } from "../runtime.js";
import type { InitProcess } from "./init-process.js";

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: string;
  /** The pod cgroup (cgroupfs path), removed with the sandbox. */
  cgroupParent: string;
  netnsName?: string;
  netnsPath?: string;
  ip?: string;
  /** Set by stopPodSandbox: the network was torn down. */
  stopped?: boolean;
  /** The pause process, once started (records of an older kite lack it: then runc is asked). */
  init?: InitProcess;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  createdAt: string;
  startedAt?: string;
  imageRef: string;
  /** Absolute log file path. */
  logPath: string;
  cgroupsPath: string;
  stopSignal: string;
  /**
   * Set when the OCI runtime refused to create the process (a command that does not exist, …):
   * the container is kept as exited with code 128, as containerd reports a StartError.
   */
  startError?: string;
  /** The container's process, once `runc start` returned (older records lack it: then runc is asked). */
  init?: InitProcess;
}

export interface RecordStore {
  root: string;
  sandboxDir(id: string): string;
  containerDir(id: string): string;
  exitDir: string;
  socketDir: string;
  ociStateDir: string;
  writeSandbox(r: SandboxRecord): void;
  readSandbox(id: string): SandboxRecord | undefined;
  sandboxIds(): string[];
  writeContainer(r: ContainerRecord): void;
  readContainer(id: string): ContainerRecord | undefined;
  containerIds(): string[];
}

/** Written to a temporary name and renamed, so a crash leaves the old record or the new one. */
function writeAtomic(file: string, data: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function listDir(dir: string, file: string): string[] {
  try {
    return fs.readdirSync(dir).filter((id) => fs.existsSync(path.join(dir, id, file)));
  } catch {
    return [];
  }
}

export function recordStore(root: string): RecordStore {
  const sandboxes = path.join(root, "sandboxes");
  const containers = path.join(root, "containers");
  const store: RecordStore = {
    root,
    sandboxDir: (id) => path.join(sandboxes, id),
    containerDir: (id) => path.join(containers, id),
    exitDir: path.join(root, "exits"),
    // Short: conmon's attach socket path (<dir>/<64-hex id>/attach) must fit in sun_path.
    socketDir: path.join(root, "s"),
    ociStateDir: path.join(root, "oci"),
    writeSandbox: (r) => writeAtomic(path.join(sandboxes, r.id, "sandbox.json"), r),
    readSandbox: (id) => readJson<SandboxRecord>(path.join(sandboxes, id, "sandbox.json")),
    sandboxIds: () => listDir(sandboxes, "sandbox.json"),
    writeContainer: (r) => writeAtomic(path.join(containers, r.id, "container.json"), r),
    readContainer: (id) => readJson<ContainerRecord>(path.join(containers, id, "container.json")),
    containerIds: () => listDir(containers, "container.json"),
  };
  for (const d of [sandboxes, containers, store.exitDir, store.socketDir, store.ociStateDir]) {
    fs.mkdirSync(d, { recursive: true });
  }
  return store;
}
