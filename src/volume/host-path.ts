// The hostPath volume's type checks (pkg/volume/hostpath/host_path.go checkTypeInternal), with the
// kubelet's messages: *OrCreate types create what is missing (directories 0755, files 0644), the
// others only check what is there.
import { closeSync, lstatSync, mkdirSync, openSync, type Stats, statSync } from "node:fs";

export type HostPathType =
  | ""
  | "DirectoryOrCreate"
  | "Directory"
  | "FileOrCreate"
  | "File"
  | "Socket"
  | "CharDevice"
  | "BlockDevice";

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Checks (and for the *OrCreate types, creates) `path`; throws with kube's message. */
export function checkHostPathType(path: string, type: string | undefined): void {
  const st = stat(path);
  const missing = !st && !isDanglingLink(path);
  const fail = (what: string) => new Error(`hostPath type check failed: ${path} is not ${what}`);
  switch (type ?? "") {
    case "":
      return;
    case "DirectoryOrCreate":
    case "Directory":
      if (type === "DirectoryOrCreate" && missing) {
        mkdirSync(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st?.isDirectory()) throw fail("a directory");
      return;
    case "FileOrCreate":
    case "File":
      if (type === "FileOrCreate" && missing) {
        // kube's makeFile: O_CREATE in an existing parent; a missing parent is an error.
        closeSync(openSync(path, "a", 0o644));
        return;
      }
      if (!st?.isFile()) throw fail("a file");
      return;
    case "Socket":
      if (!st?.isSocket()) throw fail("a socket file");
      return;
    case "CharDevice":
      if (!st?.isCharacterDevice()) throw fail("a character device");
      return;
    case "BlockDevice":
      if (!st?.isBlockDevice()) throw fail("a block device");
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

/** A symlink whose target is missing: creating "through" it would create its target elsewhere. */
function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
