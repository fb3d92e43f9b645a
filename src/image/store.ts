// The image store: ImageService over the files described in layout.ts. A pull resolves the
// reference through the registries.yaml endpoints, picks the linux/amd64 manifest, verifies and
// stores the config, and streams each missing layer straight from the socket through gunzip into
// a staging snapshot while hashing both forms; only a layer whose digest, size and diff id all
// match is renamed into place. The reference is written last, so a name only ever points at
// complete content.

import fs from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createRegistryClient, type RegistryClient } from "./distribution.js";
import { errorMessage, ImageError, isImageError } from "./errors.js";
import { importArchive } from "./import.js";
import { exists, hexOf, type RefRecord, StoreLayout } from "./layout.js";
import {
  chainIds,
  type Descriptor,
  type Manifest,
  parseImageConfig,
  parseManifest,
  selectPlatform,
  sha256Digest,
} from "./manifest.js";
import { formatReference, parseReference, repositoryName } from "./reference.js";
import { emptyRegistriesConfig, type RegistriesConfig, registryEndpoints } from "./registries.js";
import type { Image, ImageLayer, ImageService, PullProgress } from "./service.js";
import { createTransport, type Transport } from "./transport.js";
import { applyLayer } from "./unpack.js";

export interface ImageStoreOptions {
  /** The node's data dir; the store lives in `<dataDir>/images`. */
  dataDir: string;
  registries?: RegistriesConfig;
  /** Layers fetched and unpacked at once within one pull (containerd's default is 3). */
  maxConcurrentDownloads?: number;
  /**
   * Unreferenced content younger than this survives garbage collection, because another process
   * (a `kite images pull` beside the agent) may have committed layers whose name is not written yet.
   */
  gcGracePeriodMs?: number;
}

/** Where the blobs of one image come from: a registry endpoint or an archive on disk. */
export interface BlobSource {
  /** Opens a blob; the caller checks digest and size and calls destroy() if it stops early. */
  open(desc: Descriptor): Promise<{ body: AsyncIterable<Buffer>; destroy(): void }>;
}

/** A manifest chosen for this platform, with the bytes it was chosen from. */
export interface ResolvedManifest {
  manifest: Manifest;
  body: Buffer;
  digest: string;
  index?: { body: Buffer; digest: string };
}

/** What import.ts needs from the store: the shared "verify and store this image" path. */
export interface ImageWriter {
  layout: StoreLayout;
  storeImage(
    source: BlobSource,
    resolved: ResolvedManifest,
    names: string[],
    onProgress?: (e: PullProgress) => void,
  ): Promise<Image>;
}

const CONFIG_LIMIT = 16 << 20;
// Staging dirs older than this belong to a process that died mid-pull.
const STALE_TMP_MS = 60 * 60 * 1000;

export async function readAll(body: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > limit) throw new ImageError("InvalidArchive", `${what} is larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function verify(desc: Descriptor, data: Buffer, what: string): void {
  const got = sha256Digest(data);
  if (got !== desc.digest) {
    throw new ImageError("DigestMismatch", `${what} ${desc.digest}: digest mismatch: content has ${got}`);
  }
  if (data.length !== desc.size) {
    throw new ImageError(
      "DigestMismatch",
      `${what} ${desc.digest}: size mismatch: expected ${desc.size}, got ${data.length}`,
    );
  }
}

/** Runs `fn` for every item, at most `n` at a time; the first failure rejects (others still settle). */
async function forEachLimit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export async function openImageStore(opts: ImageStoreOptions): Promise<ImageService & ImageWriter> {
  const layout = new StoreLayout(join(opts.dataDir, "images"));
  await layout.init();
  await cleanStaleTmp(layout);
  const registries = opts.registries ?? emptyRegistriesConfig();
  const concurrency = Math.max(1, opts.maxConcurrentDownloads ?? 3);
  const gcGraceMs = opts.gcGracePeriodMs ?? 10 * 60 * 1000;
  const transports = new Map<string, Transport>();
  const pulls = new Map<string, Promise<Image>>();
  const unpacks = new Map<string, Promise<void>>();

  function transportFor(host: string, tls: object | undefined): Transport {
    const key = `${host} ${JSON.stringify(tls ?? {})}`;
    let t = transports.get(key);
    if (!t) {
      t = createTransport(tls);
      transports.set(key, t);
    }
    return t;
  }

  async function buildImage(manifestDigest: string, refs: RefRecord[]): Promise<Image | undefined> {
    let manifest: Manifest;
    try {
      const parsed = parseManifest(await layout.readBlob(manifestDigest), undefined, manifestDigest);
      if (parsed.kind !== "manifest") return undefined;
      manifest = parsed.manifest;
      const cfg = parseImageConfig(await layout.readBlob(manifest.config.digest), manifest.config.digest);
      const chains = chainIds(cfg.rootfs.diff_ids);
      const layers: ImageLayer[] = [];
      for (const [i, l] of manifest.layers.entries()) {
        const chainId = chains[i] as string;
        const rec = await layout.readSnapshot(chainId);
        if (!rec) return undefined;
        layers.push({
          digest: l.digest,
          mediaType: l.mediaType,
          size: l.size,
          diffId: cfg.rootfs.diff_ids[i] as string,
          chainId,
          snapshotDir: layout.snapshotFs(chainId),
          unpackedSize: rec.size,
        });
      }
      const repoTags = refs.map((r) => r.name).filter((n) => !n.includes("@"));
      const repoDigests = [
        ...new Set(
          refs.map((r) => `${repositoryName(parseReference(r.name))}@${r.indexDigest ?? r.manifestDigest}`),
        ),
      ];
      const image: Image = {
        id: manifest.config.digest,
        repoTags: repoTags.sort(),
        repoDigests: repoDigests.sort(),
        manifestDigest,
        os: cfg.os ?? "linux",
        architecture: cfg.architecture ?? "amd64",
        config: cfg.config ?? {},
        layers,
        size: layers.reduce((s, l) => s + l.unpackedSize, 0),
      };
      if (cfg.created !== undefined) image.created = cfg.created;
      return image;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async function unpackLayer(
    source: BlobSource,
    desc: Descriptor,
    diffId: string,
    chainId: string,
    onProgress?: (e: PullProgress) => void,
  ): Promise<void> {
    const report = (status: "exists" | "downloading" | "done", current: number) =>
      onProgress?.({ type: "layer", digest: desc.digest, status, current, total: desc.size });
    if (await exists(layout.snapshotPath(chainId))) return report("exists", desc.size);
    const running = unpacks.get(chainId);
    if (running) {
      // Another pull in this process is fetching the same layer: wait for it, fetch nothing.
      await running;
      return report("exists", desc.size);
    }
    const work = (async () => {
      const staging = await layout.tempDir("snapshot");
      try {
        const fsDir = join(staging, "fs");
        await fs.mkdir(fsDir, { mode: 0o755 });
        report("downloading", 0);
        const blob = await source.open(desc);
        let applied: Awaited<ReturnType<typeof applyLayer>>;
        try {
          let last = 0;
          applied = await applyLayer(blob.body, fsDir, desc.digest, (n) => {
            if (n > desc.size) {
              throw new ImageError(
                "DigestMismatch",
                `layer ${desc.digest}: more than the ${desc.size} bytes announced`,
              );
            }
            if (n - last >= 256 << 10) {
              last = n;
              report("downloading", n);
            }
          });
        } catch (err) {
          blob.destroy();
          if (isImageError(err)) throw err.wrap(`layer ${desc.digest}`);
          throw new ImageError("InvalidLayer", `layer ${desc.digest}: ${errorMessage(err)}`, { cause: err });
        }
        if (applied.digest !== desc.digest) {
          throw new ImageError(
            "DigestMismatch",
            `layer ${desc.digest}: digest mismatch: content has ${applied.digest}`,
          );
        }
        if (applied.compressedSize !== desc.size) {
          throw new ImageError(
            "DigestMismatch",
            `layer ${desc.digest}: size mismatch: expected ${desc.size}, got ${applied.compressedSize}`,
          );
        }
        if (applied.diffId !== diffId) {
          throw new ImageError(
            "DigestMismatch",
            `layer ${desc.digest}: uncompressed content ${applied.diffId} does not match the config's diff id ${diffId}`,
          );
        }
        await layout.commitSnapshot(staging, chainId, { diffId, size: applied.size });
        report("done", desc.size);
      } catch (err) {
        await fs.rm(staging, { recursive: true, force: true });
        throw err;
      }
    })();
    unpacks.set(chainId, work);
    try {
      await work;
    } finally {
      unpacks.delete(chainId);
    }
  }

  const writer: ImageWriter = {
    layout,
    async storeImage(source, resolved, names, onProgress) {
      const { manifest } = resolved;
      onProgress?.({
        type: "resolved",
        image: names[0] ?? resolved.digest,
        manifestDigest: resolved.digest,
        layers: manifest.layers.map((l) => ({ digest: l.digest, size: l.size })),
      });
      let configBody: Buffer;
      if (await layout.hasBlob(manifest.config.digest)) {
        configBody = await layout.readBlob(manifest.config.digest);
      } else {
        const blob = await source.open(manifest.config);
        try {
          configBody = await readAll(blob.body, CONFIG_LIMIT, `config ${manifest.config.digest}`);
        } catch (err) {
          blob.destroy();
          throw err;
        }
        verify(manifest.config, configBody, "config");
      }
      const cfg = parseImageConfig(configBody, `config ${manifest.config.digest}`);
      if (cfg.rootfs.diff_ids.length !== manifest.layers.length) {
        throw new ImageError(
          "Unsupported",
          `manifest ${resolved.digest} has ${manifest.layers.length} layers but its config lists ${cfg.rootfs.diff_ids.length} diff ids`,
        );
      }
      const chains = chainIds(cfg.rootfs.diff_ids);
      await forEachLimit([...manifest.layers.keys()], concurrency, (i) =>
        unpackLayer(
          source,
          manifest.layers[i] as Descriptor,
          cfg.rootfs.diff_ids[i] as string,
          chains[i] as string,
          onProgress,
        ),
      );
      if (!(await layout.hasBlob(manifest.config.digest)))
        await layout.writeBlob(manifest.config.digest, configBody);
      await layout.writeBlob(resolved.digest, resolved.body);
      if (resolved.index) await layout.writeBlob(resolved.index.digest, resolved.index.body);
      for (const name of names) {
        const rec: RefRecord = { name, manifestDigest: resolved.digest };
        if (resolved.index) rec.indexDigest = resolved.index.digest;
        await layout.writeRef(rec);
      }
      const refs = (await layout.readRefs()).filter((r) => r.manifestDigest === resolved.digest);
      const image = await buildImage(resolved.digest, refs);
      if (!image) throw new ImageError("NotFound", `image ${resolved.digest} vanished while being stored`);
      return image;
    },
  };

  async function resolve(
    client: RegistryClient,
    repo: string,
    reference: string,
    want?: string,
  ): Promise<ResolvedManifest> {
    const top = await client.getManifest(repo, reference);
    const topDigest = sha256Digest(top.body);
    if (want !== undefined && topDigest !== want) {
      throw new ImageError("DigestMismatch", `manifest ${want}: digest mismatch: content has ${topDigest}`);
    }
    const parsed = parseManifest(top.body, top.mediaType, `manifest ${topDigest}`);
    if (parsed.kind === "manifest") return { manifest: parsed.manifest, body: top.body, digest: topDigest };
    const desc = selectPlatform(parsed.index, `manifest list ${topDigest}`);
    const m = await client.getManifest(repo, desc.digest, desc.mediaType);
    verify(desc, m.body, "manifest");
    const inner = parseManifest(m.body, desc.mediaType, `manifest ${desc.digest}`);
    if (inner.kind !== "manifest") {
      throw new ImageError("Unsupported", `manifest ${desc.digest}: nested manifest lists are not supported`);
    }
    return {
      manifest: inner.manifest,
      body: m.body,
      digest: desc.digest,
      index: { body: top.body, digest: topDigest },
    };
  }

  async function doPull(name: string, onProgress?: (e: PullProgress) => void): Promise<Image> {
    const ref = parseReference(name);
    const endpoints = registryEndpoints(registries, ref.domain);
    const failures: ImageError[] = [];
    for (const ep of endpoints) {
      const client = createRegistryClient(ep, transportFor(ep.host, ep.config.tls));
      let resolved: ResolvedManifest;
      try {
        resolved = await resolve(client, ref.path, ref.digest ?? (ref.tag as string), ref.digest);
      } catch (err) {
        // As containerd's resolver: a failing or empty mirror falls through to the next endpoint.
        failures.push(
          isImageError(err) ? err : new ImageError("Unreachable", errorMessage(err), { cause: err }),
        );
        continue;
      }
      const source: BlobSource = {
        async open(desc) {
          const b = await client.getBlob(ref.path, desc.digest);
          const body = b.body as Readable;
          return { body, destroy: () => body.destroy() };
        },
      };
      return writer.storeImage(source, resolved, [name], onProgress);
    }
    const first = failures[0] as ImageError;
    const detail =
      failures.length === 1
        ? first.message
        : failures.map((f, i) => `${endpoints[i]?.url.origin}: ${f.message}`).join("; ");
    // The first endpoint (the mirror the user configured) decides what kind of failure it is.
    throw new ImageError(
      first.code,
      `failed to resolve reference "${name}": ${first.code === "NotFound" ? `${name}: not found: ` : ""}${detail}`,
    );
  }

  async function findRefs(ref: string): Promise<{ digest: string; names: string[] } | undefined> {
    const refs = await layout.readRefs();
    const idLike = /^(sha256:)?[a-f0-9]{12,64}$/.test(ref);
    if (idLike) {
      const hex = ref.replace(/^sha256:/, "");
      for (const r of refs) {
        const m = parseManifest(await layout.readBlob(r.manifestDigest), undefined, r.manifestDigest);
        if (
          m.kind === "manifest" &&
          (hexOf(m.manifest.config.digest).startsWith(hex) || hexOf(r.manifestDigest) === hex)
        ) {
          const names = refs.filter((x) => x.manifestDigest === r.manifestDigest).map((x) => x.name);
          return { digest: r.manifestDigest, names };
        }
      }
    }
    let name: string;
    try {
      name = formatReference(parseReference(ref));
    } catch (err) {
      if (idLike) return undefined;
      throw err;
    }
    const rec = refs.find((r) => r.name === name);
    return rec ? { digest: rec.manifestDigest, names: [name] } : undefined;
  }

  async function gc(): Promise<void> {
    const refs = await layout.readRefs();
    const keepBlobs = new Set<string>();
    const keepSnapshots = new Set<string>(unpacks.keys());
    for (const r of refs) {
      keepBlobs.add(hexOf(r.manifestDigest));
      if (r.indexDigest) keepBlobs.add(hexOf(r.indexDigest));
      try {
        const m = parseManifest(await layout.readBlob(r.manifestDigest), undefined, r.manifestDigest);
        if (m.kind !== "manifest") continue;
        keepBlobs.add(hexOf(m.manifest.config.digest));
        const cfg = parseImageConfig(
          await layout.readBlob(m.manifest.config.digest),
          m.manifest.config.digest,
        );
        for (const c of chainIds(cfg.rootfs.diff_ids)) keepSnapshots.add(hexOf(c));
      } catch {
        /* incomplete image: its parts are collected below */
      }
    }
    const now = Date.now();
    const sweep = async (dir: string, keep: Set<string>) => {
      for (const f of await fs.readdir(dir)) {
        if (keep.has(f)) continue;
        const p = join(dir, f);
        const st = await fs.stat(p).catch(() => undefined);
        if (st && now - st.mtimeMs >= gcGraceMs) await fs.rm(p, { recursive: true, force: true });
      }
    };
    await sweep(layout.blobs, keepBlobs);
    await sweep(layout.snapshots, keepSnapshots);
  }

  return {
    ...writer,
    async pull(refString, pullOpts) {
      let name: string;
      try {
        name = formatReference(parseReference(refString));
      } catch (err) {
        throw isImageError(err) ? err.wrap(`failed to pull image "${refString}"`) : err;
      }
      let p = pulls.get(name);
      if (!p) {
        p = doPull(name, pullOpts?.onProgress).catch((err: unknown) => {
          const e = isImageError(err)
            ? err
            : new ImageError("InvalidLayer", errorMessage(err), { cause: err });
          throw e.wrap(`failed to pull and unpack image "${name}"`);
        });
        pulls.set(name, p);
        p.then(
          () => pulls.delete(name),
          () => pulls.delete(name),
        );
      }
      return p;
    },
    async list() {
      const refs = await layout.readRefs();
      const byDigest = new Map<string, RefRecord[]>();
      for (const r of refs) byDigest.set(r.manifestDigest, [...(byDigest.get(r.manifestDigest) ?? []), r]);
      const out: Image[] = [];
      for (const [digest, rs] of byDigest) {
        const img = await buildImage(digest, rs);
        if (img) out.push(img);
      }
      return out.sort((a, b) => (a.repoTags[0] ?? a.id).localeCompare(b.repoTags[0] ?? b.id));
    },
    async inspect(ref) {
      const found = await findRefs(ref);
      if (!found) return undefined;
      const refs = (await layout.readRefs()).filter((r) => r.manifestDigest === found.digest);
      return buildImage(found.digest, refs);
    },
    async remove(ref, removeOpts) {
      const found = await findRefs(ref);
      if (!found) throw new ImageError("NotFound", `image "${ref}": not found`);
      if (removeOpts?.inUse) {
        const refs = (await layout.readRefs()).filter((r) => r.manifestDigest === found.digest);
        const image = await buildImage(found.digest, refs);
        if (image && (await removeOpts.inUse(image))) {
          throw new ImageError("InUse", `unable to remove image "${ref}": image is in use by a pod`);
        }
      }
      for (const n of found.names) await layout.removeRef(n);
      await gc();
    },
    async import(path, importOpts) {
      return importArchive(path, writer, importOpts);
    },
    close() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}

async function cleanStaleTmp(layout: StoreLayout): Promise<void> {
  const now = Date.now();
  for (const f of await fs.readdir(layout.tmp)) {
    const p = join(layout.tmp, f);
    const st = await fs.stat(p).catch(() => undefined);
    if (st && now - st.mtimeMs > STALE_TMP_MS) await fs.rm(p, { recursive: true, force: true });
  }
}
