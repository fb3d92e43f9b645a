// OCI and Docker schema 2 manifests, indexes and image configs: the shapes we read, their media
// types, and the choice of one platform's manifest from an index, as containerd's default
// platform matcher does for a linux/amd64 node.

import { createHash } from "node:crypto";
import { ImageError } from "./errors.js";

export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
} as const;

/** What we send in Accept when resolving a tag: every manifest kind we can read. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(", ");

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The part of the OCI image config a container runtime reads (image-spec config.md). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: ImageConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
}

export const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkDescriptor(d: unknown, where: string): Descriptor {
  if (!isRecord(d) || typeof d.digest !== "string" || typeof d.size !== "number" || d.size < 0) {
    throw new ImageError("Unsupported", `${where}: malformed descriptor`);
  }
  if (!digestPattern.test(d.digest)) {
    throw new ImageError(
      "Unsupported",
      `${where}: unsupported digest "${d.digest}" (only sha256 is supported)`,
    );
  }
  return d as unknown as Descriptor;
}

export type ParsedManifest = { kind: "index"; index: Index } | { kind: "manifest"; manifest: Manifest };

/** Parses a manifest or index body; `mediaType` is the Content-Type or descriptor type if known. */
export function parseManifest(body: Buffer, mediaType: string | undefined, where: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ImageError("Unsupported", `${where}: manifest is not valid JSON`);
  }
  if (!isRecord(doc)) throw new ImageError("Unsupported", `${where}: manifest is not a JSON object`);
  const type = (typeof doc.mediaType === "string" && doc.mediaType) || mediaType?.split(";")[0]?.trim() || "";
  if (type === MediaType.dockerSchema1 || type === MediaType.dockerSchema1Signed || doc.schemaVersion === 1) {
    throw new ImageError(
      "Unsupported",
      `${where}: Docker image manifest schema 1 is not supported; push the image again with a current client`,
    );
  }
  if (Array.isArray(doc.manifests)) {
    for (const [i, d] of doc.manifests.entries()) checkDescriptor(d, `${where}: manifests[${i}]`);
    return { kind: "index", index: doc as unknown as Index };
  }
  if (isRecord(doc.config) && Array.isArray(doc.layers)) {
    checkDescriptor(doc.config, `${where}: config`);
    for (const [i, d] of doc.layers.entries()) checkDescriptor(d, `${where}: layers[${i}]`);
    return { kind: "manifest", manifest: doc as unknown as Manifest };
  }
  throw new ImageError("Unsupported", `${where}: unknown manifest media type "${type}"`);
}

export function parseImageConfig(body: Buffer, where: string): ImageConfigFile {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ImageError("Unsupported", `${where}: image config is not valid JSON`);
  }
  if (!isRecord(doc) || !isRecord(doc.rootfs) || !Array.isArray(doc.rootfs.diff_ids)) {
    throw new ImageError("Unsupported", `${where}: image config has no rootfs.diff_ids`);
  }
  for (const d of doc.rootfs.diff_ids) {
    if (typeof d !== "string" || !digestPattern.test(d)) {
      throw new ImageError("Unsupported", `${where}: invalid diff id ${JSON.stringify(d)}`);
    }
  }
  return doc as unknown as ImageConfigFile;
}

/** The platform this node runs: kite only runs on linux/amd64 nodes for now. */
export const NODE_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

/** Picks the manifest for `platform` from an index, as containerd's platforms.Default() would. */
export function selectPlatform(index: Index, where: string, platform: Platform = NODE_PLATFORM): Descriptor {
  const candidates = index.manifests.filter(
    (d) => d.platform?.os === platform.os && d.platform?.architecture === platform.architecture,
  );
  // amd64 has no variants in practice, but prefer an exact (or absent) variant when there are several.
  const best =
    candidates.find((d) => (d.platform?.variant ?? "") === (platform.variant ?? "")) ?? candidates[0];
  if (!best) {
    const offered = index.manifests.map((d) =>
      d.platform
        ? `${d.platform.os}/${d.platform.architecture}${d.platform.variant ? `/${d.platform.variant}` : ""}`
        : "unknown",
    );
    throw new ImageError(
      "NotFound",
      `${where}: no match for platform in manifest: not found (want ${platform.os}/${platform.architecture}, have ${offered.join(", ") || "none"})`,
    );
  }
  return best;
}

/** containerd's chain IDs: snapshots are keyed by the layer and everything beneath it. */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
