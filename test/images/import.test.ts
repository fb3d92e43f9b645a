// Acceptance 2: `kite images import` of a docker save archive, an OCI layout directory and an OCI
// archive (each written by skopeo from the test images) makes the image usable by name; a
// truncated archive is refused naming the file and leaves nothing behind.

import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import type { Image } from "../../src/image/service.js";
import { ensureTestImages, skopeoCopy, type TestImages } from "../support/registry.js";
import { assertStoreEmpty, kiteImages, tempDir } from "./helpers.js";

let images: TestImages;
before(async () => {
  images = await ensureTestImages();
});

async function importAndInspect(dataDir: string, path: string, name: string): Promise<Image> {
  const imp = await kiteImages(["--data-dir", dataDir, "import", path]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /unpacked image: /);
  const inspect = await kiteImages(["--data-dir", dataDir, "inspect", name]);
  assert.equal(inspect.code, 0, inspect.stderr);
  return JSON.parse(inspect.stdout) as Image;
}

test("a docker save archive imports under its RepoTags, with uncompressed layers", async (t) => {
  const dir = tempDir(t);
  const archive = join(dir, "busybox.tar");
  await skopeoCopy(
    `oci:${images.ociLayout}:busybox`,
    `docker-archive:${archive}:docker.io/library/busybox:saved`,
  );
  const image = await importAndInspect(join(dir, "data"), archive, "busybox:saved");
  assert.deepEqual(image.repoTags, ["docker.io/library/busybox:saved"]);
  assert.equal(image.layers[0]?.mediaType, "application/vnd.oci.image.layer.v1.tar");
  assert.deepEqual(image.config.Cmd, ["sh"]);
  assert.ok(fs.lstatSync(join(image.layers[0]?.snapshotDir ?? "", "bin/wget")).isSymbolicLink());
});

test("an OCI layout directory and an OCI archive import under their ref.name", async (t) => {
  const dir = tempDir(t);
  const layout = join(dir, "layout");
  const archive = join(dir, "nginx-oci.tar");
  await Promise.all([
    skopeoCopy(`oci:${images.ociLayout}:nginx`, `oci:${layout}:docker.io/library/nginx:from-layout`),
    skopeoCopy(
      `oci:${images.ociLayout}:nginx`,
      `oci-archive:${archive}:docker.io/library/nginx:from-archive`,
    ),
  ]);
  const dataDir = join(dir, "data");
  const a = await importAndInspect(dataDir, layout, "nginx:from-layout");
  const b = await importAndInspect(dataDir, archive, "nginx:from-archive");
  assert.equal(a.id, b.id);
  assert.deepEqual(b.repoTags, [
    "docker.io/library/nginx:from-archive",
    "docker.io/library/nginx:from-layout",
  ]);
  assert.deepEqual(b.config.Cmd, ["nginx", "-g", "daemon off;"]);
  // A layout tagged only "busybox" (as umoci writes) takes --base-name's repository.
  const based = await kiteImages([
    "--data-dir",
    dataDir,
    "import",
    "--base-name",
    "example.com/tools/bb",
    images.ociLayout,
  ]);
  assert.equal(based.code, 0, based.stderr);
  assert.match(based.stdout, /example\.com\/tools\/bb:busybox/);
});

test("a truncated archive is refused naming it, and nothing is left in the store", async (t) => {
  const dir = tempDir(t);
  const archive = join(dir, "busybox.tar");
  await skopeoCopy(
    `oci:${images.ociLayout}:busybox`,
    `docker-archive:${archive}:docker.io/library/busybox:saved`,
  );
  const truncated = join(dir, "truncated.tar");
  const full = fs.readFileSync(archive);
  fs.writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
  const dataDir = join(dir, "data");
  const res = await kiteImages(["--data-dir", dataDir, "import", truncated]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`failed to import "${truncated}": archive is truncated or corrupt`));
  assertStoreEmpty(dataDir);
});
