// The host mount table as the volume manager needs it: which paths are mount points (so a restart
// recognises what is already set up), tmpfs for memory-backed volumes, bind mounts of an open
// file descriptor (safe subPath), and unmounting everything under a pod before its files go.
// mount(8)/umount(8) run through util/exec like every other program.
import { readFileSync } from "node:fs";
import { run } from "../util/exec.js";
import type { Logger } from "../util/log.js";

export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
}

const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** /proc/self/mountinfo: mount point (field 5), fs type and source (after the " - " separator). */
export function mountTable(): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    if (!line) continue;
    const [pre, post = ""] = line.split(" - ");
    const mountPoint = pre?.split(" ")[4];
    const [fsType = "", source = ""] = post.split(" ");
    if (mountPoint)
      out.push({ mountPoint: unescapeOctal(mountPoint), fsType, source: unescapeOctal(source) });
  }
  return out;
}

export function mountOf(path: string): MountInfo | undefined {
  return mountTable().findLast((m) => m.mountPoint === path);
}

/** Mount points at or below `dir`, deepest first (the order they must be unmounted in). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const set = new Set(
    mountTable()
      .map((m) => m.mountPoint)
      .filter((p) => p === dir || p.startsWith(prefix)),
  );
  return [...set].sort((a, b) => b.length - a.length);
}

export async function mountTmpfs(target: string, options: string[], log?: Logger): Promise<void> {
  await run("mount", ["-t", "tmpfs", "-o", options.join(","), "tmpfs", target], { log });
}

/**
 * Bind-mounts what an open descriptor of this process refers to onto `target`. The kernel follows
 * the /proc magic link to the very inode that was opened, so nothing swapped into the path since
 * (a symlink planted by a container) can redirect the mount; --no-canonicalize keeps mount(8) from
 * resolving the source path itself.
 */
export async function bindMountFd(fd: number, target: string, log?: Logger): Promise<void> {
  await run("mount", ["--no-canonicalize", "--bind", `/proc/${process.pid}/fd/${fd}`, target], { log });
}

/** Unmounts `path` until nothing is mounted there (lazily, so a busy mount cannot keep a pod alive). */
export async function unmountAll(path: string, log?: Logger): Promise<void> {
  for (const p of mountsUnder(path)) {
    while (mountOf(p)) await run("umount", ["-l", p], { log });
  }
}
