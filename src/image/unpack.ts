// Applies one layer (a tar, gzip-compressed or not) to an empty snapshot directory, in the format
// overlayfs reads from a lowerdir — as containerd's overlay snapshotter and Docker's overlay2
// driver keep layers: OCI whiteouts (`.wh.name`) become 0:0 character devices, opaque directories
// (`.wh..wh..opq`) get the trusted.overlay.opaque=y xattr.
//
// Containment: every entry name is cleaned as if rooted at `/` (so `..` and absolute names stay
// inside), and symlinks met on the way to an entry are resolved by us inside the snapshot, never
// by the kernel: we know every symlink in the directory because we made them all. Files are opened
// O_EXCL|O_NOFOLLOW, so a write can never go through a link; hard links must point at something
// this layer already wrote.
//
// The kernel calls Node lacks (mknod, setxattr) are batched into one python3 run per layer that
// needs them; most layers need none. Synchronous fs calls on purpose: one layer is a long run of
// tiny syscalls, and the thread-pool round trip of the async API would double the time.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { posix } from "node:path";
import { PassThrough, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { type Header as TarHeader, extract as tarExtract } from "tar-stream";
import { ImageError } from "./errors.js";

export interface AppliedLayer {
  /** sha256 of the uncompressed tar: the image config's diff_id. */
  diffId: string;
  /** sha256 and length of the bytes as received (the manifest's layer digest and size). */
  digest: string;
  compressedSize: number;
  /** Bytes of regular-file content written. */
  size: number;
}

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_WHITEOUT = ".wh..wh..opq";
export const OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

type Special =
  | {
      op: "mknod";
      path: string;
      mode: number;
      major: number;
      minor: number;
      uid: number;
      gid: number;
      mtime: number;
    }
  | { op: "xattr"; path: string; name: string; value: string };

const SPECIAL_SCRIPT = `
import json, os, sys
for op in json.load(sys.stdin):
    p = op["path"]
    if op["op"] == "mknod":
        os.mknod(p, op["mode"], os.makedev(op["major"], op["minor"]))
        if op["chown"]:
            os.chown(p, op["uid"], op["gid"], follow_symlinks=False)
        os.chmod(p, op["mode"] & 0o7777)
        os.utime(p, (op["mtime"], op["mtime"]))
    else:
        os.setxattr(p, op["name"], bytes.fromhex(op["value"]), follow_symlinks=False)
`;

async function runSpecials(ops: Special[], chown: boolean): Promise<void> {
  if (ops.length === 0) return;
  // mknods first: xattrs may target a node made in the same layer.
  const sorted = [...ops.filter((o) => o.op === "mknod"), ...ops.filter((o) => o.op === "xattr")];
  const input = JSON.stringify(sorted.map((o) => ({ ...o, chown })));
  await new Promise<void>((resolve, reject) => {
    const child = spawn("python3", ["-c", SPECIAL_SCRIPT], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (err) =>
      reject(
        new ImageError(
          "InvalidLayer",
          `python3 is needed to create device nodes and whiteouts: ${err.message}`,
        ),
      ),
    );
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(
            new ImageError("InvalidLayer", `creating device nodes and whiteouts failed: ${stderr.trim()}`),
          ),
    );
    child.stdin.end(input);
  });
}

/** Cleans a tar name as if rooted at `/`: `../x`, `/x` and `./x` all become `x`; the root is "". */
export function cleanEntryPath(name: string): string {
  return posix.normalize(`/${name}`).replace(/^\/+/, "").replace(/\/+$/, "");
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const MAX_LINK_HOPS = 40;

interface DirMeta {
  abs: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

type Kind = "dir" | "file" | "symlink" | "other";

/** Extracts an uncompressed tar stream into `root`, which must be an empty directory we own. */
export async function extractLayer(tar: AsyncIterable<Buffer>, root: string): Promise<{ size: number }> {
  const chown = process.geteuid?.() === 0;
  const kinds = new Map<string, Kind>([["", "dir"]]);
  const links = new Map<string, string>();
  const resolved = new Map<string, string>();
  const dirMeta = new Map<string, DirMeta>();
  const specials: Special[] = [];
  let size = 0;
  const abs = (rel: string) => (rel === "" ? root : `${root}/${rel}`);
  const join = (dir: string, name: string) => (dir === "" ? name : `${dir}/${name}`);
  const parentOf = (rel: string) => {
    const i = rel.lastIndexOf("/");
    return i < 0 ? "" : rel.slice(0, i);
  };

  function resolveDir(rel: string, hops: number): string {
    if (rel === "") return "";
    const cached = resolved.get(rel);
    if (cached !== undefined) return cached;
    const parent = resolveDir(parentOf(rel), hops);
    let real = join(parent, rel.slice(rel.lastIndexOf("/") + 1));
    const kind = kinds.get(real);
    if (kind === "symlink") {
      if (hops >= MAX_LINK_HOPS)
        throw new ImageError("InvalidLayer", `too many levels of symbolic links at "${rel}"`);
      const target = links.get(real) ?? "";
      // An absolute target means the snapshot's root, as it will inside the container.
      real = resolveDir(cleanEntryPath(target.startsWith("/") ? target : `${parent}/${target}`), hops + 1);
    } else if (kind === undefined) {
      fs.mkdirSync(abs(real), 0o755);
      kinds.set(real, "dir");
    } else if (kind !== "dir") {
      fs.rmSync(abs(real), { force: true });
      fs.mkdirSync(abs(real), 0o755);
      kinds.set(real, "dir");
    }
    resolved.set(rel, real);
    return real;
  }

  function removeExisting(real: string) {
    fs.rmSync(abs(real), { recursive: true, force: true });
    const prefix = `${real}/`;
    for (const k of kinds.keys()) if (k === real || k.startsWith(prefix)) kinds.delete(k);
    for (const k of dirMeta.keys()) if (k === real || k.startsWith(prefix)) dirMeta.delete(k);
    links.delete(real);
    resolved.clear();
  }

  async function writeFile(
    path: string,
    entry: AsyncIterable<Buffer>,
    h: TarHeader,
    mode: number,
    mtime: number,
  ) {
    const fd = fs.openSync(
      path,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o600,
    );
    try {
      for await (const chunk of entry) {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
        size += chunk.length;
      }
      if (chown) fs.fchownSync(fd, h.uid, h.gid);
      // After chown, which clears set-id bits.
      fs.fchmodSync(fd, mode);
      fs.futimesSync(fd, mtime, mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  const extract = tarExtract();
  const feed = (async () => {
    try {
      let total = 0;
      for await (const chunk of tar) {
        // The consumer failed and destroyed the extractor: stop reading (the caller closes the source).
        if (extract.destroying) return;
        total += chunk.length;
        if (!extract.write(chunk) && !extract.destroying) {
          await new Promise<void>((resolve) => {
            const done = () => {
              extract.off("drain", done);
              extract.off("close", done);
              resolve();
            };
            extract.on("drain", done);
            extract.on("close", done);
          });
        }
      }
      // umoci (0.4.7, Debian's) writes layers whose last file is not padded to a 512-byte block
      // and that have no end-of-archive blocks; GNU tar and Go's archive/tar read them, so we pad.
      // The digests were taken before this, and a really truncated entry still fails.
      if (total % 512 !== 0) extract.write(Buffer.alloc(512 - (total % 512) + 1024));
      extract.end(undefined);
    } catch (err) {
      extract.destroy(err as Error);
    }
  })();

  // tar-stream does not end the current entry's stream when the archive itself fails (a truncated
  // tar): end it ourselves so the file being written sees the error instead of waiting forever.
  let current: { destroy(err?: Error): void } | undefined;
  let failure: Error | undefined;
  extract.on("error", (err: Error) => {
    failure = err;
  });
  extract.on("close", () => current?.destroy(failure ?? new Error("Unexpected end of data")));
  try {
    for await (const entry of extract) {
      current = entry;
      const h = entry.header;
      const rel = cleanEntryPath(h.name);
      const mode = (h.mode ?? 0o644) & 0o7777;
      const mtime = (h.mtime?.getTime() ?? 0) / 1000;
      const type = h.type ?? "file";
      if (rel === "") {
        if (type === "directory") dirMeta.set("", { abs: root, mode, uid: h.uid, gid: h.gid, mtime });
        entry.resume();
        continue;
      }
      const base = rel.slice(rel.lastIndexOf("/") + 1);
      const parent = resolveDir(parentOf(rel), 0);
      if (base.startsWith(WHITEOUT_PREFIX)) {
        if (base === OPAQUE_WHITEOUT) {
          specials.push({ op: "xattr", path: abs(parent), name: OVERLAY_OPAQUE_XATTR, value: "79" });
        } else if (!base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
          // `.wh..wh.*` other than the opaque marker are aufs bookkeeping, not content.
          const target = join(parent, base.slice(WHITEOUT_PREFIX.length));
          if (kinds.has(target)) removeExisting(target);
          kinds.set(target, "other");
          specials.push({
            op: "mknod",
            path: abs(target),
            mode: S_IFCHR,
            major: 0,
            minor: 0,
            uid: h.uid,
            gid: h.gid,
            mtime,
          });
        }
        entry.resume();
        continue;
      }
      const real = join(parent, base);
      const existing = kinds.get(real);
      if (existing !== undefined && !(existing === "dir" && type === "directory")) removeExisting(real);
      const path = abs(real);
      switch (type) {
        case "directory":
          if (existing !== "dir") fs.mkdirSync(path, 0o700);
          kinds.set(real, "dir");
          dirMeta.set(real, { abs: path, mode, uid: h.uid, gid: h.gid, mtime });
          entry.resume();
          break;
        case "file":
        case "contiguous-file":
          await writeFile(path, entry as AsyncIterable<Buffer>, h, mode, mtime);
          kinds.set(real, "file");
          break;
        case "symlink": {
          const target = h.linkname ?? "";
          fs.symlinkSync(target, path);
          if (chown) fs.lchownSync(path, h.uid, h.gid);
          fs.lutimesSync(path, mtime, mtime);
          kinds.set(real, "symlink");
          links.set(real, target);
          entry.resume();
          break;
        }
        case "link": {
          const targetRel = cleanEntryPath(h.linkname ?? "");
          const tParent = resolveDir(parentOf(targetRel), 0);
          const tReal = join(tParent, targetRel.slice(targetRel.lastIndexOf("/") + 1));
          const tKind = kinds.get(tReal);
          if (tKind === undefined || tKind === "dir" || tReal === real) {
            throw new ImageError(
              "InvalidLayer",
              `hard link "${h.name}" points to "${h.linkname}", which is not a file in this layer`,
            );
          }
          fs.linkSync(abs(tReal), path);
          kinds.set(real, tKind);
          const lt = links.get(tReal);
          if (lt !== undefined) links.set(real, lt);
          entry.resume();
          break;
        }
        case "character-device":
        case "block-device":
        case "fifo": {
          const fmt = type === "fifo" ? S_IFIFO : type === "block-device" ? S_IFBLK : S_IFCHR;
          kinds.set(real, "other");
          specials.push({
            op: "mknod",
            path,
            mode: fmt | mode,
            major: h.devmajor ?? 0,
            minor: h.devminor ?? 0,
            uid: h.uid,
            gid: h.gid,
            mtime,
          });
          entry.resume();
          break;
        }
        default:
          // pax/gnu metadata is folded into headers by tar-stream; anything else has no content here.
          entry.resume();
          continue;
      }
      for (const [key, value] of Object.entries((h.pax ?? {}) as Record<string, string>)) {
        if (!key.startsWith("SCHILY.xattr.") || value.includes("\ufffd")) continue;
        // tar-stream decodes PAX values as UTF-8; a value that did not survive that is skipped
        // rather than written corrupted.
        specials.push({
          op: "xattr",
          path,
          name: key.slice(13),
          value: Buffer.from(value, "utf8").toString("hex"),
        });
      }
    }
  } catch (err) {
    extract.destroy(err as Error);
    throw err;
  } finally {
    await feed;
  }
  await runSpecials(specials, chown);
  // Directory metadata last: adding entries changes a directory's mtime, and a 0555 mode would
  // have refused them.
  for (const d of [...dirMeta.values()].reverse()) {
    if (chown) fs.lchownSync(d.abs, d.uid, d.gid);
    fs.chmodSync(d.abs, d.mode);
    fs.utimesSync(d.abs, d.mtime, d.mtime);
  }
  return { size };
}

/**
 * Applies a layer blob as received (gzip or plain tar, told apart by its magic bytes, since docker
 * save archives and some registries label them loosely), hashing both the blob and the tar.
 * The caller compares the digests with what the manifest and config promise. When unpacking fails
 * and `expectDigest` is given, the rest of the blob is still read and hashed, so a corrupt blob is
 * reported as the digest mismatch it is rather than as whatever gunzip or tar tripped over.
 */
export async function applyLayer(
  source: AsyncIterable<Buffer>,
  root: string,
  expectDigest?: string,
  onBytes?: (received: number) => void,
): Promise<AppliedLayer> {
  const blobHash = createHash("sha256");
  const tarHash = createHash("sha256");
  let received = 0;
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) {
    throw new ImageError("Unsupported", "zstd-compressed layers are not supported");
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const input = new PassThrough({ highWaterMark: 1 << 20 });
  let downstreamFailed = false;
  // The pump owns the source: it hashes every byte even after the unpacking side gave up.
  const pump = (async () => {
    try {
      let chunk = head;
      for (;;) {
        if (chunk.length > 0) {
          blobHash.update(chunk);
          received += chunk.length;
          onBytes?.(received);
          if (!downstreamFailed && !input.write(chunk) && !downstreamFailed) {
            await new Promise<void>((resolve) => {
              const done = () => {
                input.off("drain", done);
                input.off("close", done);
                resolve();
              };
              input.on("drain", done);
              input.on("close", done);
            });
          }
        }
        const r = await it.next();
        if (r.done) break;
        chunk = r.value;
      }
      input.end();
    } catch (err) {
      input.destroy(err as Error);
      throw err;
    }
  })();
  pump.catch(() => {});
  let tar: AsyncIterable<Buffer> = input;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 256 << 10 });
    pipeline(input, gunzip, () => {});
    tar = gunzip;
  }
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of tar) {
      tarHash.update(chunk);
      yield chunk;
    }
  }
  let size: number;
  try {
    ({ size } = await extractLayer(hashed(), root));
    await pump;
  } catch (err) {
    downstreamFailed = true;
    input.destroy();
    if (expectDigest === undefined) throw err;
    try {
      await pump;
    } catch {
      throw err;
    }
    const got = `sha256:${blobHash.digest("hex")}`;
    if (got !== expectDigest) {
      throw new ImageError("DigestMismatch", `digest mismatch: content has ${got}`, { cause: err });
    }
    throw err;
  }
  return {
    diffId: `sha256:${tarHash.digest("hex")}`,
    digest: `sha256:${blobHash.digest("hex")}`,
    compressedSize: received,
    size,
  };
}
