// subPath without the escape (CVE-2017-1002101 and its successors; kube's
// pkg/volume/util/subpath/subpath_linux.go): a subPath is checked as written (relative, no `..`),
// resolved with its symlinks and checked to stay inside the volume, created if missing one
// directory at a time without following symlinks, and then opened component by component with
// O_NOFOLLOW from the volume's root — the role of openat(2) is played by /proc/self/fd/<dir>/<name>.
// The final descriptor is what gets bind-mounted, so a symlink swapped in by a container after the
// check cannot redirect the mount to the host.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  type Stats,
} from "node:fs";
import { isAbsolute, join, sep } from "node:path";

/** Linux's O_PATH (not in Node's constants): a descriptor naming a file without opening it for I/O. */
const O_PATH = 0o10000000;
const openFlags = O_PATH | constants.O_NOFOLLOW | 0o2000000; /* O_CLOEXEC */

export class SubPathError extends Error {
  override name = "SubPathError";
}

/** The kubelet's checks on the text of a subPath (makeMounts), with its messages. */
export function validateSubPath(subPath: string): void {
  if (isAbsolute(subPath))
    throw new SubPathError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split("/").includes(".."))
    throw new SubPathError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
}

const within = (path: string, base: string) =>
  path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);

const components = (rel: string) => rel.split("/").filter((s) => s !== "" && s !== ".");

/**
 * Resolves `subPath` under `volumeRoot` to the real path it names, which must lie inside the
 * volume's real path; missing directories are created (mode `perm`) as SafeMakeDir does.
 */
export function resolveSubPath(volumeRoot: string, subPath: string, perm = 0o755): string {
  validateSubPath(subPath);
  const base = realpathSync(volumeRoot);
  const parts = components(subPath);
  // The longest existing prefix, resolved; the rest is created below it one level at a time.
  let existing = base;
  let i = 0;
  for (; i < parts.length; i++) {
    const next = join(existing, parts[i] as string);
    let st: Stats;
    try {
      st = lstatSync(next);
    } catch {
      break;
    }
    let real: string;
    try {
      real = realpathSync(next);
    } catch {
      // a dangling symlink: it points somewhere that is not there; never create through it
      throw new SubPathError(`subpath "${join(volumeRoot, subPath)}" not within volume path "${volumeRoot}"`);
    }
    if (!within(real, base))
      throw new SubPathError(`subpath "${join(volumeRoot, subPath)}" not within volume path "${volumeRoot}"`);
    if (!st.isDirectory() && !st.isSymbolicLink() && i < parts.length - 1)
      throw new SubPathError(`subpath "${subPath}": ${parts[i]} is not a directory`);
    existing = real;
  }
  for (; i < parts.length; i++) {
    const fd = openBeneath(base, existing);
    try {
      const next = `/proc/self/fd/${fd}/${parts[i]}`;
      mkdirSync(next, { mode: perm });
    } finally {
      closeSync(fd);
    }
    existing = join(existing, parts[i] as string);
  }
  return existing;
}

/**
 * doSafeOpen: opens `path` (inside `base`) one component at a time from `base`, each with
 * O_NOFOLLOW, refusing any symlink on the way; returns an O_PATH descriptor for the caller to close.
 */
export function openBeneath(base: string, path: string): number {
  if (!within(path, base)) throw new SubPathError(`path "${path}" is not within "${base}"`);
  let fd = openSync(base, openFlags);
  try {
    if (!fstatSync(fd).isDirectory()) throw new SubPathError(`${base} is not a directory`);
    let current = base;
    for (const seg of components(path.slice(base.length))) {
      current = join(current, seg);
      const child = openSync(`/proc/self/fd/${fd}/${seg}`, openFlags);
      closeSync(fd);
      fd = child;
      if (fstatSync(fd).isSymbolicLink()) throw new SubPathError(`open ${current}: symlink in path`);
    }
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
