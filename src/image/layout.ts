// The store's files under <data-dir>/images, content-addressed like containerd's content store:
//
//   blobs/sha256/<hex>             manifests, indexes and configs, verified before they land here
//   snapshots/<chain hex>/fs       an unpacked layer (an overlayfs lowerdir), shared by every image
//   snapshots/<chain hex>/layer.json   { diffId, size }
//   refs/<encoded name>.json       name -> manifest digest, one file per name so writers never race
//   tmp/                           staging; everything is built here and renamed into place, so a
//                                  crash or an error never leaves a half-written entry visible
//
// Compressed layer blobs are not kept once unpacked (as CRI-O's containers/storage does): the
// snapshot is what the runtime needs and keeping both would double the disk use.

import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { join } from "node:path";

export interface RefRecord {
  name: string;
  manifestDigest: string;
  /** The index (manifest list) the manifest was chosen from, if any. */
  indexDigest?: string;
}

export interface SnapshotRecord {
  diffId: string;
  size: number;
}

export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

export class StoreLayout {
  readonly blobs: string;
  readonly snapshots: string;
  readonly refs: string;
  readonly tmp: string;

  constructor(readonly root: string) {
    this.blobs = join(root, "blobs", "sha256");
    this.snapshots = join(root, "snapshots");
    this.refs = join(root, "refs");
    this.tmp = join(root, "tmp");
  }

  async init(): Promise<void> {
    for (const d of [this.blobs, this.snapshots, this.refs, this.tmp]) await fs.mkdir(d, { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.blobs, hexOf(digest));
  }

  snapshotPath(chainId: string): string {
    return join(this.snapshots, hexOf(chainId));
  }

  snapshotFs(chainId: string): string {
    return join(this.snapshotPath(chainId), "fs");
  }

  refPath(name: string): string {
    return join(this.refs, `${encodeURIComponent(name)}.json`);
  }

  /** A fresh private directory under tmp/, to be renamed into place or removed. */
  async tempDir(prefix: string): Promise<string> {
    const dir = join(this.tmp, `${prefix}-${process.pid}-${randomBytes(6).toString("hex")}`);
    await fs.mkdir(dir, { mode: 0o700 });
    return dir;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  async readBlob(digest: string): Promise<Buffer> {
    return fs.readFile(this.blobPath(digest));
  }

  /** Writes verified content (the caller checked the digest) atomically. */
  async writeBlob(digest: string, data: Buffer): Promise<void> {
    const tmp = join(this.tmp, `blob-${process.pid}-${randomBytes(6).toString("hex")}`);
    await fs.writeFile(tmp, data, { mode: 0o644 });
    await fs.rename(tmp, this.blobPath(digest));
  }

  async readSnapshot(chainId: string): Promise<SnapshotRecord | undefined> {
    try {
      return JSON.parse(
        await fs.readFile(join(this.snapshotPath(chainId), "layer.json"), "utf8"),
      ) as SnapshotRecord;
    } catch {
      return undefined;
    }
  }

  /**
   * Moves a finished staging dir (holding fs/) into place. If another pull committed the same
   * snapshot meanwhile, theirs wins and ours is discarded: both are the same verified content.
   */
  async commitSnapshot(staging: string, chainId: string, rec: SnapshotRecord): Promise<void> {
    await fs.writeFile(join(staging, "layer.json"), JSON.stringify(rec));
    try {
      await fs.rename(staging, this.snapshotPath(chainId));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  async writeRef(rec: RefRecord): Promise<void> {
    const tmp = join(this.tmp, `ref-${process.pid}-${randomBytes(6).toString("hex")}`);
    await fs.writeFile(tmp, JSON.stringify(rec));
    await fs.rename(tmp, this.refPath(rec.name));
  }

  async readRefs(): Promise<RefRecord[]> {
    const out: RefRecord[] = [];
    for (const f of await fs.readdir(this.refs)) {
      if (!f.endsWith(".json")) continue;
      try {
        out.push(JSON.parse(await fs.readFile(join(this.refs, f), "utf8")) as RefRecord);
      } catch {
        /* removed meanwhile */
      }
    }
    return out;
  }

  async readRef(name: string): Promise<RefRecord | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.refPath(name), "utf8")) as RefRecord;
    } catch {
      return undefined;
    }
  }

  async removeRef(name: string): Promise<void> {
    await fs.rm(this.refPath(name), { force: true });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
