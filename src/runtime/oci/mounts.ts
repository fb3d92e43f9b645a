// Mounts the backend owns: overlayfs root filesystems (image snapshots as lower layers, a
// per-container upper dir) and the pod's shared /dev/shm tmpfs. mount(8)/umount(8) run through
// util/exec like every other program, so each is logged and timed.

import fs from "node:fs";
import { run } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";

/** Mount points (field 5 of /proc/self/mountinfo), octal escapes decoded. */
export function mountPoints(): string[] {
  const info = fs.readFileSync("/proc/self/mountinfo", "utf8");
  const out: string[] = [];
  for (const line of info.split("\n")) {
    const field = line.split(" ")[4];
    if (field)
      out.push(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
  }
  return out;
}

export function isMounted(target: string): boolean {
  return mountPoints().includes(target);
}

export async function mountOverlay(
  target: string,
  lowerDirs: string[],
  upperDir: string,
  workDir: string,
  log?: Logger,
): Promise<void> {
  if (lowerDirs.length === 0) throw new Error("overlay rootfs needs at least one image layer");
  for (const d of [target, upperDir, workDir]) fs.mkdirSync(d, { recursive: true });
  // Kernel's limit on mount data is one page; deep images would need shorter paths (containerd
  // mounts by relative path from a chdir for this reason).
  const options = `lowerdir=${lowerDirs.join(":")},upperdir=${upperDir},workdir=${workDir}`;
  await run("mount", ["-t", "overlay", "overlay", "-o", options, target], { log });
}

export async function mountTmpfs(target: string, options: string, log?: Logger): Promise<void> {
  fs.mkdirSync(target, { recursive: true });
  await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", target], { log });
}

/** Unmounts if mounted (lazily, so a process still holding it cannot keep the pod from going away). */
export async function unmountIfMounted(target: string, log?: Logger): Promise<void> {
  while (isMounted(target)) await run("umount", ["-l", target], { log });
}
