// Pod cgroups with the cgroupfs driver: each pod gets `<parent>/pod<uid>` in every hierarchy (v1:
// one per controller; v2: the unified tree), its containers are children of it (runc creates
// those from the spec's cgroupsPath), and removal deletes the whole subtree bottom-up.

import fs from "node:fs";
import path from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";

export type CgroupMode = "v1" | "hybrid" | "v2";

export function cgroupMode(root = CGROUP_ROOT): CgroupMode {
  if (fs.existsSync(path.join(root, "cgroup.controllers"))) return "v2";
  return fs.existsSync(path.join(root, "unified", "cgroup.controllers")) ? "hybrid" : "v1";
}

/** Every hierarchy root a cgroupfs path lives in: /sys/fs/cgroup/<ctrl> on v1, /sys/fs/cgroup on v2. */
export function hierarchies(root = CGROUP_ROOT): string[] {
  if (cgroupMode(root) === "v2") return [root];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.isSymbolicLink())
    .map((d) => path.join(root, d.name));
}

/** Removes `rel` (and any child left behind) from every hierarchy; a missing one is fine. */
export function removeCgroup(rel: string, root = CGROUP_ROOT): void {
  const clean = rel.replace(/^\/+/, "");
  if (!clean) return;
  for (const h of hierarchies(root)) rmdirTree(path.join(h, clean));
}

function rmdirTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
  // A cgroup whose last task has just exited can refuse rmdir (EBUSY) for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || attempt >= 50) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Pod-level limits on the pod cgroup, as the kubelet's pod container manager sets them. */
export function writePodLimits(
  rel: string,
  limits: { memory?: number; cpuShares?: number; cpuQuota?: number; cpuPeriod?: number },
  root = CGROUP_ROOT,
): void {
  const clean = rel.replace(/^\/+/, "");
  const v2 = cgroupMode(root) === "v2";
  const write = (ctrl: string, file: string, value: string) => {
    const dir = v2 ? path.join(root, clean) : path.join(root, ctrl, clean);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), value);
  };
  if (v2) {
    if (limits.memory) write("", "memory.max", String(limits.memory));
    if (limits.cpuQuota) write("", "cpu.max", `${limits.cpuQuota} ${limits.cpuPeriod ?? 100000}`);
    return;
  }
  if (limits.memory) write("memory", "memory.limit_in_bytes", String(limits.memory));
  if (limits.cpuShares) write("cpu", "cpu.shares", String(limits.cpuShares));
  if (limits.cpuPeriod) write("cpu", "cpu.cfs_period_us", String(limits.cpuPeriod));
  if (limits.cpuQuota) write("cpu", "cpu.cfs_quota_us", String(limits.cpuQuota));
}

/** How many times the kernel's OOM killer killed in this cgroup (0 when unknown). */
export function oomKillCount(rel: string, root = CGROUP_ROOT): number {
  const clean = rel.replace(/^\/+/, "");
  try {
    if (cgroupMode(root) === "v2") {
      const events = fs.readFileSync(path.join(root, clean, "memory.events"), "utf8");
      return Number(/^oom_kill (\d+)/m.exec(events)?.[1] ?? 0);
    }
    const control = fs.readFileSync(path.join(root, "memory", clean, "memory.oom_control"), "utf8");
    return Number(/^oom_kill (\d+)/m.exec(control)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
