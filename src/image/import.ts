// `kite images import`: images an offline user brings in as files, in the three forms tools write:
// an OCI image layout directory (umoci, skopeo `oci:`, buildah), an OCI archive (a tar of such a
// layout: skopeo `oci-archive:`, `docker buildx --output type=oci`) and a `docker save` archive
// (manifest.json with RepoTags, a config JSON and a tar per layer). Archives are unpacked into the
// store's tmp/ first; every blob is then verified exactly as a pulled one.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, ImageError, isImageError } from "./errors.js";
import { exists } from "./layout.js";
import {
  type Descriptor,
  MediaType,
  parseImageConfig,
  parseManifest,
  selectPlatform,
  sha256Digest,
} from "./manifest.js";
import { formatReference, parseReference } from "./reference.js";
import type { Image, ImportOptions } from "./service.js";
import type { BlobSource, ImageWriter, ResolvedManifest } from "./store.js";
import { applyLayer } from "./unpack.js";

/** containerd's annotation for the full image name in an OCI layout's index. */
const CONTAINERD_NAME = "io.containerd.image.name";
const OCI_REF_NAME = "org.opencontainers.image.ref.name";

export async function importArchive(
  path: string,
  writer: ImageWriter,
  opts: ImportOptions = {},
): Promise<Image[]> {
  const fail = (err: unknown): never => {
    const e = isImageError(err) ? err : new ImageError("InvalidArchive", errorMessage(err), { cause: err });
    throw e.wrap(`failed to import "${path}"`);
  };
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(path);
  } catch (err) {
    return fail(err);
  }
  if (st.isDirectory()) return importDir(path, writer, opts).catch(fail);
  const staging = await writer.layout.tempDir("import");
  try {
    try {
      await applyLayer(createReadStream(path), staging);
    } catch (err) {
      throw new ImageError("InvalidArchive", `archive is truncated or corrupt: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return await importDir(staging, writer, opts);
  } catch (err) {
    return fail(err);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function importDir(dir: string, writer: ImageWriter, opts: ImportOptions): Promise<Image[]> {
  if (await exists(join(dir, "manifest.json"))) return importDockerSave(dir, writer, opts);
  if (await exists(join(dir, "oci-layout"))) return importOciLayout(dir, writer, opts);
  throw new ImageError(
    "InvalidArchive",
    "neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)",
  );
}

function fileSource(resolvePath: (desc: Descriptor) => string): BlobSource {
  return {
    async open(desc) {
      const p = resolvePath(desc);
      if (!(await exists(p)))
        throw new ImageError("InvalidArchive", `blob ${desc.digest} is missing from the archive`);
      const body = createReadStream(p, { highWaterMark: 256 << 10 });
      return { body, destroy: () => body.destroy() };
    },
  };
}

function readJson(text: Buffer, what: string): unknown {
  try {
    return JSON.parse(text.toString("utf8"));
  } catch {
    throw new ImageError("InvalidArchive", `${what} is not valid JSON`);
  }
}

function nameFor(desc: Descriptor, opts: ImportOptions): string | undefined {
  const full = desc.annotations?.[CONTAINERD_NAME];
  if (full) return formatReference(parseReference(full));
  const refName = desc.annotations?.[OCI_REF_NAME];
  if (!refName) return undefined;
  // ref.name is a tag (umoci writes "busybox") or a whole reference (skopeo writes what it was given).
  if (opts.baseName && /^[\w][\w.-]{0,127}$/.test(refName)) {
    return formatReference(parseReference(`${opts.baseName}:${refName}`));
  }
  return formatReference(parseReference(refName));
}

async function importOciLayout(dir: string, writer: ImageWriter, opts: ImportOptions): Promise<Image[]> {
  const blobPath = (digest: string) => join(dir, "blobs", digest.replace(":", "/"));
  const readBlob = async (desc: Descriptor, what: string) => {
    let body: Buffer;
    try {
      body = await fs.readFile(blobPath(desc.digest));
    } catch {
      throw new ImageError("InvalidArchive", `${what} ${desc.digest} is missing from the archive`);
    }
    if (sha256Digest(body) !== desc.digest) {
      throw new ImageError(
        "DigestMismatch",
        `${what} ${desc.digest}: digest mismatch: content has ${sha256Digest(body)}`,
      );
    }
    return body;
  };
  const indexBody = await fs.readFile(join(dir, "index.json")).catch(() => {
    throw new ImageError("InvalidArchive", "OCI layout has no index.json");
  });
  const top = parseManifest(indexBody, MediaType.ociIndex, "index.json");
  if (top.kind !== "index") throw new ImageError("InvalidArchive", "index.json is not an image index");
  const byDigest = new Map<string, { desc: Descriptor; names: string[] }>();
  for (const d of top.index.manifests) {
    const name = nameFor(d, opts);
    const entry = byDigest.get(d.digest) ?? { desc: d, names: [] };
    if (name) entry.names.push(name);
    byDigest.set(d.digest, entry);
  }
  const images: Image[] = [];
  const source = fileSource((d) => blobPath(d.digest));
  for (const { desc, names } of byDigest.values()) {
    if (names.length === 0) continue;
    const body = await readBlob(desc, "manifest");
    const parsed = parseManifest(body, desc.mediaType, `manifest ${desc.digest}`);
    let resolved: ResolvedManifest;
    if (parsed.kind === "manifest") {
      resolved = { manifest: parsed.manifest, body, digest: desc.digest };
    } else {
      const chosen = selectPlatform(parsed.index, `index ${desc.digest}`);
      const inner = await readBlob(chosen, "manifest");
      const m = parseManifest(inner, chosen.mediaType, `manifest ${chosen.digest}`);
      if (m.kind !== "manifest")
        throw new ImageError("Unsupported", `manifest ${chosen.digest}: nested indexes are not supported`);
      resolved = {
        manifest: m.manifest,
        body: inner,
        digest: chosen.digest,
        index: { body, digest: desc.digest },
      };
    }
    images.push(await writer.storeImage(source, resolved, names, opts.onProgress));
  }
  if (images.length === 0) {
    throw new ImageError(
      "InvalidArchive",
      `no named image in the OCI layout (index.json needs an ${OCI_REF_NAME} or ${CONTAINERD_NAME} annotation)`,
    );
  }
  return images;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function importDockerSave(dir: string, writer: ImageWriter, opts: ImportOptions): Promise<Image[]> {
  const doc = readJson(await fs.readFile(join(dir, "manifest.json")), "manifest.json");
  if (!Array.isArray(doc)) throw new ImageError("InvalidArchive", "manifest.json is not a list of images");
  const images: Image[] = [];
  // Paths in manifest.json are inside the archive; cleaning them keeps `../` from reaching out.
  const inside = (p: string) => join(dir, join("/", p));
  for (const [i, raw] of (doc as DockerSaveEntry[]).entries()) {
    if (typeof raw?.Config !== "string" || !Array.isArray(raw.Layers)) {
      throw new ImageError("InvalidArchive", `manifest.json[${i}] has no Config or Layers`);
    }
    const configBody = await fs.readFile(inside(raw.Config)).catch(() => {
      throw new ImageError("InvalidArchive", `config ${raw.Config} is missing from the archive`);
    });
    const cfg = parseImageConfig(configBody, raw.Config);
    if (cfg.rootfs.diff_ids.length !== raw.Layers.length) {
      throw new ImageError(
        "InvalidArchive",
        `manifest.json[${i}] lists ${raw.Layers.length} layers, its config ${cfg.rootfs.diff_ids.length}`,
      );
    }
    const layers: Descriptor[] = [];
    const pathOf = new Map<string, string>();
    for (const [j, l] of raw.Layers.entries()) {
      const p = inside(l);
      const st = await fs.stat(p).catch(() => {
        throw new ImageError("InvalidArchive", `layer ${l} is missing from the archive`);
      });
      const head = Buffer.alloc(2);
      const fh = await fs.open(p);
      await fh.read(head, 0, 2, 0).finally(() => fh.close());
      const gzip = head[0] === 0x1f && head[1] === 0x8b;
      // A plain tar's digest is its diff id (checked while unpacking); a compressed one is hashed first.
      const digest = gzip ? await hashFile(p) : (cfg.rootfs.diff_ids[j] as string);
      pathOf.set(digest, p);
      layers.push({ mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, digest, size: st.size });
    }
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(configBody), size: configBody.length },
      layers,
    };
    const body = Buffer.from(JSON.stringify(manifest));
    const names = (raw.RepoTags ?? []).map((t) => formatReference(parseReference(t)));
    if (names.length === 0) continue;
    const source = fileSource((d) =>
      d.digest === manifest.config.digest ? inside(raw.Config) : (pathOf.get(d.digest) ?? ""),
    );
    images.push(
      await writer.storeImage(source, { manifest, body, digest: sha256Digest(body) }, names, opts.onProgress),
    );
  }
  if (images.length === 0) throw new ImageError("InvalidArchive", "no image in manifest.json has RepoTags");
  return images;
}

async function hashFile(p: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest("hex")}`;
}
