// Acceptance 3 and the error cases: a corrupt blob is refused and nothing is kept; a registry
// behind a bearer-token challenge works and a wrong password is named; manifest lists resolve to
// linux/amd64; unreachable registries and missing tags give errors naming the image.

import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { isImageError } from "../../src/image/errors.js";
import { parseManifest } from "../../src/image/manifest.js";
import { parseRegistriesConfig } from "../../src/image/registries.js";
import { openImageStore } from "../../src/image/store.js";
import { ensureTestImages, freePort, type TestImages } from "../support/registry.js";
import { assertStoreEmpty, kiteImages, tempDir } from "./helpers.js";
import { layoutTags, startTinyRegistry } from "./tiny-registry.js";

let images: TestImages;
let tags: Record<string, string>;
before(async () => {
  images = await ensureTestImages();
  tags = layoutTags(images.ociLayout);
});

function busyboxLayerDigest(): string {
  const body = fs.readFileSync(join(images.ociLayout, "blobs", (tags.busybox ?? "").replace(":", "/")));
  const m = parseManifest(body, undefined, "busybox");
  assert.equal(m.kind, "manifest");
  return m.kind === "manifest" ? (m.manifest.layers[0]?.digest ?? "") : "";
}

/** registries.yaml for `127.0.0.1:PORT/...` references served over plain http. */
function plainHttp(host: string, extra = ""): string {
  return `mirrors:\n  "${host}":\n    endpoint: ["http://${host}"]\n${extra}`;
}

test("a layer whose bytes do not match its digest is rejected and nothing is kept", async (t) => {
  const layer = busyboxLayerDigest();
  const reg = await startTinyRegistry({
    layout: images.ociLayout,
    tags: { "library/busybox:latest": tags.busybox ?? "" },
    corrupt: new Set([layer]),
  });
  t.after(() => reg.close());
  const dataDir = tempDir(t);
  const store = await openImageStore({ dataDir, registries: parseRegistriesConfig(plainHttp(reg.host)) });
  t.after(() => store.close());
  const ref = `${reg.host}/library/busybox:latest`;
  await assert.rejects(store.pull(ref), (e: unknown) => {
    assert.ok(isImageError(e, "DigestMismatch"), String(e));
    assert.match(
      e.message,
      new RegExp(`^failed to pull and unpack image "${ref}": layer ${layer}: digest mismatch`),
    );
    return true;
  });
  assert.deepEqual(reg.blobGets.filter((d) => d === layer).length, 1);
  // The config blob had been fetched and verified, but an image that failed is not half-stored.
  assertStoreEmpty(dataDir);
});

test("a registry behind a bearer-token challenge works with the configured credentials", async (t) => {
  const reg = await startTinyRegistry({
    layout: images.ociLayout,
    tags: { "library/busybox:latest": tags.busybox ?? "" },
    auth: { username: "kite", password: "s3cret" },
  });
  t.after(() => reg.close());
  const dataDir = tempDir(t);
  const yaml = join(dataDir, "registries.yaml");
  fs.writeFileSync(
    yaml,
    plainHttp(
      reg.host,
      `configs:\n  "${reg.host}":\n    auth:\n      username: kite\n      password: s3cret\n`,
    ),
  );
  const ok = await kiteImages([
    "--data-dir",
    dataDir,
    "--private-registry",
    yaml,
    "pull",
    `${reg.host}/library/busybox`,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /pull complete/);
  assert.ok(reg.blobGets.length >= 2, "config and layer were fetched with the token");

  const other = tempDir(t);
  const wrong = join(other, "registries.yaml");
  fs.writeFileSync(
    wrong,
    plainHttp(
      reg.host,
      `configs:\n  "${reg.host}":\n    auth:\n      username: kite\n      password: nope\n`,
    ),
  );
  const denied = await kiteImages([
    "--data-dir",
    join(other, "data"),
    "--private-registry",
    wrong,
    "pull",
    `${reg.host}/library/busybox`,
  ]);
  assert.equal(denied.code, 1);
  assert.match(
    denied.stderr,
    new RegExp(
      `failed to pull and unpack image "${reg.host}/library/busybox:latest": .*401 Unauthorized: wrong username or password`,
    ),
  );
  assertStoreEmpty(join(other, "data"));
});

test("a manifest list resolves to the linux/amd64 manifest; a second pull fetches no blob", async (t) => {
  const reg = await startTinyRegistry({
    layout: images.ociLayout,
    tags: { "library/busybox:multi": tags.busybox ?? "" },
    indexFor: new Set(["library/busybox:multi"]),
  });
  t.after(() => reg.close());
  const dataDir = tempDir(t);
  const store = await openImageStore({ dataDir, registries: parseRegistriesConfig(plainHttp(reg.host)) });
  t.after(() => store.close());
  const image = await store.pull(`${reg.host}/library/busybox:multi`);
  assert.equal(image.manifestDigest, tags.busybox);
  assert.notEqual(
    image.repoDigests[0]?.split("@")[1],
    tags.busybox,
    "the repo digest is the list's, as pulled",
  );
  assert.equal(image.architecture, "amd64");
  const fetched = reg.blobGets.length;
  await store.pull(`${reg.host}/library/busybox:multi`);
  assert.equal(reg.blobGets.length, fetched, "nothing downloaded the second time");
});

test("a missing tag and an unreachable registry are errors naming the image and the cause", async (t) => {
  const reg = await startTinyRegistry({ layout: images.ociLayout, tags: {} });
  t.after(() => reg.close());
  const dataDir = tempDir(t);
  const closed = `127.0.0.1:${await freePort()}`;
  const store = await openImageStore({
    dataDir,
    registries: parseRegistriesConfig(
      `${plainHttp(reg.host)}  "${closed}":\n    endpoint: ["http://${closed}"]\n`,
    ),
  });
  t.after(() => store.close());
  await assert.rejects(store.pull(`${reg.host}/library/nginx:nope`), (e: unknown) => {
    assert.ok(isImageError(e, "NotFound"), String(e));
    assert.match(
      e.message,
      new RegExp(
        `^failed to pull and unpack image "${reg.host}/library/nginx:nope": failed to resolve reference "${reg.host}/library/nginx:nope": .*not found`,
      ),
    );
    return true;
  });
  await assert.rejects(store.pull(`${closed}/x:1`), (e: unknown) => {
    assert.ok(isImageError(e, "Unreachable"), String(e));
    assert.match(
      e.message,
      new RegExp(`^failed to pull and unpack image "${closed}/x:1": .*connection refused`),
    );
    return true;
  });
  await assert.rejects(store.pull("Not/A/Valid:Ref"), /couldn't parse image reference/);
  assertStoreEmpty(dataDir);
});

test("rm refuses an image a pod uses", async (t) => {
  const reg = await startTinyRegistry({
    layout: images.ociLayout,
    tags: { "library/busybox:latest": tags.busybox ?? "" },
  });
  t.after(() => reg.close());
  const dataDir = tempDir(t);
  const store = await openImageStore({
    dataDir,
    registries: parseRegistriesConfig(plainHttp(reg.host)),
    gcGracePeriodMs: 0,
  });
  t.after(() => store.close());
  const ref = `${reg.host}/library/busybox`;
  const image = await store.pull(ref);
  await assert.rejects(store.remove(ref, { inUse: (i) => i.id === image.id }), (e: unknown) =>
    isImageError(e, "InUse"),
  );
  assert.ok(await store.inspect(ref));
  await store.remove(image.id, { inUse: () => false });
  assert.equal(await store.inspect(ref), undefined);
  assertStoreEmpty(dataDir);
});
