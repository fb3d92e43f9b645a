// The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): configMap, secret, downwardAPI and
// projected volumes are written so a reader never sees half an update. The payload goes into a
// fresh timestamped directory `..2006_01_02_15_04_05.<random>`, the `..data` symlink is swapped to
// it with one rename, and each top-level name of the payload is a symlink through `..data`:
//
//   key -> ..data/key      ..data -> ..2024_05_01_10_00_00.123456789      ..2024_…/key (the file)
//
// Nothing is written when the payload already on disk is the same, so a periodic refresh (and a
// restart of the agent) costs only a comparison.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

export interface FileProjection {
  data: Buffer;
  /** permission bits, e.g. 0o644 */
  mode: number;
}

export type Payload = Map<string, FileProjection>;

const dataDirName = "..data";
const newDataDirName = "..data_tmp";

/** validatePath: relative, no `..` element, not starting with `..`, at most 4096 bytes. */
export function validatePayloadPath(p: string): void {
  if (p.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  if (p.startsWith("/")) throw new Error(`invalid path: must be relative path: ${p}`);
  if (p.split("/").includes("..")) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith("..")) throw new Error(`invalid path: must not start with '..': ${p}`);
}

function cleanPath(p: string): string {
  return p
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

function timestampDirName(now = new Date()): string {
  const z = (n: number, w = 2) => String(n).padStart(w, "0");
  const ts = `${now.getUTCFullYear()}_${z(now.getUTCMonth() + 1)}_${z(now.getUTCDate())}_${z(now.getUTCHours())}_${z(now.getUTCMinutes())}_${z(now.getUTCSeconds())}`;
  return `..${ts}.${BigInt(`0x${randomBytes(4).toString("hex")}`)}`;
}

function currentDataDir(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, dataDirName));
  } catch {
    return undefined;
  }
}

function filesUnder(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(root, p));
    else out.push(p);
  }
  return out;
}

/** pathsToRemove' twin: whether the files under `tsDir` are exactly the payload, bytes and modes. */
function sameAsOnDisk(tsDir: string, payload: Payload, gid: number | undefined): boolean {
  let present: string[];
  try {
    present = filesUnder(tsDir);
  } catch {
    return false;
  }
  if (present.length !== payload.size) return false;
  for (const p of present) {
    const want = payload.get(p);
    if (!want) return false;
    const st = statSync(join(tsDir, p));
    if ((st.mode & 0o7777) !== want.mode) return false;
    if (gid !== undefined && st.gid !== gid) return false;
    if (!readFileSync(join(tsDir, p)).equals(want.data)) return false;
  }
  return true;
}

export interface WriteOptions {
  /** fsGroup: files and directories get this group */
  gid?: number;
}

/**
 * Writes `payload` (paths relative to `dir`) atomically; returns whether anything changed. The
 * modes in the payload are final (fsGroup's group-read bits already folded in by the caller).
 */
export function writeAtomic(dir: string, input: Payload, opts: WriteOptions = {}): boolean {
  const payload: Payload = new Map();
  for (const [p, f] of input) {
    validatePayloadPath(p);
    payload.set(cleanPath(p), f);
  }
  mkdirSync(dir, { recursive: true });
  const old = currentDataDir(dir);
  const oldDir = old ? join(dir, old) : undefined;
  let changed = false;
  if (!oldDir || !sameAsOnDisk(oldDir, payload, opts.gid)) {
    const ts = timestampDirName();
    const tsDir = join(dir, ts);
    mkdirSync(tsDir, { mode: 0o755 });
    chmodSync(tsDir, 0o755);
    for (const [p, f] of payload) {
      const file = join(tsDir, p);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, f.data);
      chmodSync(file, f.mode);
      if (opts.gid !== undefined) chownSync(file, -1, opts.gid);
    }
    if (opts.gid !== undefined) chownSync(tsDir, -1, opts.gid);
    const tmpLink = join(dir, newDataDirName);
    rmSync(tmpLink, { force: true });
    symlinkSync(ts, tmpLink);
    renameSync(tmpLink, join(dir, dataDirName));
    changed = true;
  }

  // User-visible names: one symlink per top-level element of the payload, through ..data.
  const top = new Set([...payload.keys()].map((p) => p.split("/")[0] as string));
  for (const name of top) {
    const link = join(dir, name);
    let ok = false;
    try {
      ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === join(dataDirName, name);
    } catch {
      ok = false;
    }
    if (!ok) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(join(dataDirName, name), link);
      changed = true;
    }
  }
  // Names no longer in the payload, and timestamped directories other than the current one.
  const current = currentDataDir(dir);
  for (const e of readdirSync(dir)) {
    if (e === dataDirName || e === current) continue;
    if (e.startsWith("..") || !top.has(e)) {
      rmSync(join(dir, e), { recursive: true, force: true });
      changed = true;
    }
  }
  return changed;
}
