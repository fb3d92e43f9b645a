// Named network namespaces, the way `ip netns add` and CRI-O's pinns keep them: an nsfs bind mount
// on a file in a runtime dir (/run/netns/<name>). The namespace lives as long as the mount, with no
// process in it, so a sandbox's pause process can join it by path (`{"type":"network","path":…}` in
// its OCI config) and CNI can configure it before any container starts.
//
// `ip netns` only knows /run/netns (a compile-time constant in iproute2), and tests need their own
// dir, so the namespace is made with util-linux's `unshare --net=<file>`, which does the same bind
// mount of /proc/<pid>/ns/net that `ip netns add` does.
import { mkdir, open, readFile, realpath, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { run } from "../util/exec.js";
import type { Logger } from "../util/log.js";

export const defaultNetnsDir = "/run/netns";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** optional fields such as "shared:12", "master:3" */
  optional: string[];
}

/** /proc/self/mountinfo, in mount order (a later entry at the same point is stacked on top). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (sep < 0 || f.length < sep + 2) continue;
    out.push({ mountPoint: unescapeMount(f[4]!), fsType: f[sep + 1]!, optional: f.slice(6, sep) });
  }
  return out;
}

// mountinfo writes space, tab, newline and backslash as octal escapes (\040 …).
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

async function mounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile("/proc/self/mountinfo", "utf8"));
}

// Mount points in mountinfo are canonical paths; resolve the directory (e.g. /var/run → /run) but
// not the file itself, which may not exist.
async function canonical(path: string): Promise<string> {
  try {
    return join(await realpath(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

const sharedDirs = new Map<string, Promise<void>>();

// As `ip netns add` does: make the dir its own shared mount, so that mount namespaces created
// later (containers) get the netns mounts as peers, and unmounting one here unmounts their copies
// too. Without it a copy in some container's mount namespace pins the network namespace after
// removal and it leaks. Serialised per dir so concurrent creates don't stack bind mounts.
function ensureSharedDir(dir: string, log?: Logger): Promise<void> {
  let p = sharedDirs.get(dir);
  if (!p) {
    p = (async () => {
      const top = (await mounts()).filter((m) => m.mountPoint === dir).at(-1);
      if (top?.optional.some((o) => o.startsWith("shared:"))) return;
      if (!top) await run("mount", ["--bind", dir, dir], { log });
      await run("mount", ["--make-shared", dir], { log });
    })();
    sharedDirs.set(dir, p);
    p.catch(() => sharedDirs.delete(dir));
  }
  return p;
}

export class NetnsExistsError extends Error {
  constructor(readonly path: string) {
    super(`network namespace ${path} already exists`);
    this.name = "NetnsExistsError";
  }
}

/** Create a named network namespace; returns its path (`<dir>/<name>`). Fails if it exists. */
export async function createNetns(
  name: string,
  dir: string = defaultNetnsDir,
  log?: Logger,
): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 255) {
    throw new Error(`invalid network namespace name ${JSON.stringify(name)}`);
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const realDir = await realpath(dir);
  await ensureSharedDir(realDir, log);
  const path = join(realDir, name);
  try {
    // The mount target must exist; O_EXCL makes a second create of the same name fail, as
    // `ip netns add` fails with "File exists".
    await (await open(path, "wx", 0o444)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new NetnsExistsError(path);
    throw err;
  }
  try {
    await run("unshare", [`--net=${path}`, "true"], { log });
  } catch (err) {
    await unlink(path).catch(() => {});
    throw err;
  }
  return path;
}

/** Whether `path` is a mounted network namespace. */
export async function netnsExists(path: string): Promise<boolean> {
  const p = await canonical(path);
  return (await mounts()).some((m) => m.mountPoint === p && m.fsType === "nsfs");
}

/** Unmount and remove a named network namespace. Succeeds when it is already gone. */
export async function removeNetns(path: string, log?: Logger): Promise<void> {
  const p = await canonical(path);
  // Lazy unmount, as `ip netns delete` does (MNT_DETACH): a process still inside keeps the
  // namespace alive, but the name is gone. Looped because mounts may be stacked on the file.
  for (let i = 0; i < 16; i++) {
    if (!(await mounts()).some((m) => m.mountPoint === p)) break;
    await run("umount", ["--lazy", p], { log });
  }
  await unlink(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}
