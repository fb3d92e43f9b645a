// The seam between the node agent / runtime and the image store: what the kubelet asks of
// containerd's image service through CRI (PullImage, ListImages, ImageStatus, RemoveImage), plus
// import for offline nodes. `createImageStore` in store.ts is the implementation.

import type { ImageConfig } from "./manifest.js";

export interface ImageLayer {
  /** Digest of the layer blob as distributed (compressed). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** containerd's chain ID: this layer on top of all below it; the snapshot's key. */
  chainId: string;
  /** The unpacked layer: a directory to use as an overlayfs lowerdir. */
  snapshotDir: string;
  /** Bytes of file content in the snapshot. */
  unpackedSize: number;
}

export interface Image {
  /** The config digest, as `crictl images` and `docker images` show image ids. */
  id: string;
  /** Normalised names pointing at this image: `docker.io/library/nginx:alpine`. */
  repoTags: string[];
  /** `docker.io/library/nginx@sha256:…` (the manifest digest, as pulled). */
  repoDigests: string[];
  manifestDigest: string;
  os: string;
  architecture: string;
  created?: string;
  /** Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Labels, StopSignal… for the runtime. */
  config: ImageConfig;
  /** Bottom-most first, as in the manifest. */
  layers: ImageLayer[];
  /** Unpacked size of all layers, what `kite images ls` shows. */
  size: number;
}

export type PullProgress =
  | { type: "resolved"; image: string; manifestDigest: string; layers: { digest: string; size: number }[] }
  | {
      type: "layer";
      digest: string;
      status: "exists" | "downloading" | "done";
      current: number;
      total: number;
    };

export interface PullOptions {
  onProgress?: (event: PullProgress) => void;
}

export interface RemoveOptions {
  /** Whether a pod still uses the image; such an image is refused, as the kubelet's image GC would keep it. */
  inUse?: (image: Image) => boolean | Promise<boolean>;
}

export interface ImportOptions {
  /** For OCI layouts whose ref.name annotation is only a tag (as umoci writes): the repository to tag it in. */
  baseName?: string;
  onProgress?: (event: PullProgress) => void;
}

export interface ImageService {
  /** Pulls through the configured mirrors; concurrent pulls of one reference share one download. */
  pull(ref: string, opts?: PullOptions): Promise<Image>;
  list(): Promise<Image[]>;
  /** By name (normalised like pull) or image id (full or a 12+ hex prefix); undefined when absent. */
  inspect(ref: string): Promise<Image | undefined>;
  /** By name: removes that name; by id: every name. Unreferenced content is then deleted. */
  remove(ref: string, opts?: RemoveOptions): Promise<void>;
  /** An OCI image layout directory, an OCI archive or a `docker save` archive. */
  import(path: string, opts?: ImportOptions): Promise<Image[]>;
  close(): void;
}

/** overlayfs wants lowerdir=top:…:bottom. */
export function overlayLowerDirs(image: Image): string[] {
  return image.layers.map((l) => l.snapshotDir).reverse();
}
