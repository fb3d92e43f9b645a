// Acceptance 1 and 4: `kite images pull nginx:alpine` through a docker.io mirror (Debian's
// docker-registry on 127.0.0.1, images pushed by skopeo) stores the image, a second pull fetches
// no layer, ls and inspect show it, and the unpacked rootfs is the one mmdebstrap made.

import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { extract } from "tar-stream";
import { loadRegistriesConfig } from "../../src/image/registries.js";
import type { Image, PullProgress } from "../../src/image/service.js";
import { openImageStore } from "../../src/image/store.js";
import { cleanEntryPath } from "../../src/image/unpack.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { kiteImages, tempDir } from "./helpers.js";

let registry: TestRegistry;
before(async () => {
  registry = await startTestRegistry();
});
after(async () => {
  await registry?.stop();
});

test("kite images pull nginx:alpine through the mirror stores it; a second pull downloads nothing; ls and inspect show it", async (t) => {
  const dataDir = tempDir(t);
  const common = ["--data-dir", dataDir, "--private-registry", registry.registriesYaml];
  const first = await kiteImages([...common, "pull", "nginx:alpine"]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /docker\.io\/library\/nginx:alpine: resolved sha256:[0-9a-f]{64}/);
  assert.match(first.stdout, /layer sha256:[0-9a-f]{64}: downloading/);
  assert.match(first.stdout, /pull complete/);

  const second = await kiteImages([...common, "pull", "nginx:alpine"]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /already exists/);
  assert.doesNotMatch(second.stdout, /downloading|pull complete/);

  const ls = await kiteImages([...common, "ls"]);
  assert.equal(ls.code, 0, ls.stderr);
  const lines = ls.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /^REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
  assert.match(lines[1] ?? "", /^docker\.io\/library\/nginx\s+alpine\s+[0-9a-f]{13}\s+1\d\d\.\dMB$/);
  assert.equal(lines.length, 2);

  const inspect = await kiteImages([...common, "inspect", "nginx:alpine"]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const image = JSON.parse(inspect.stdout) as Image;
  assert.deepEqual(image.repoTags, ["docker.io/library/nginx:alpine"]);
  assert.deepEqual(image.config.Cmd, ["nginx", "-g", "daemon off;"]);
  assert.deepEqual(image.config.ExposedPorts, { "80/tcp": {} });
  assert.ok(image.config.Env?.some((e) => e.startsWith("PATH=")));
  // mmdebstrap's rootfs, then what nginx:alpine adds (busybox's sh, logs to stdout)
  assert.equal(image.layers.length, 2);
  assert.ok(fs.existsSync(join(image.layers[0]?.snapshotDir ?? "", "usr/sbin/nginx")));
  assert.equal(fs.readlinkSync(join(image.layers[1]?.snapshotDir ?? "", "usr/bin/sh")), "busybox");
  assert.match(image.repoDigests[0] ?? "", /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);

  // By image id too, as crictl inspecti accepts.
  const byId = await kiteImages([...common, "inspect", image.id.slice(7, 19)]);
  assert.equal(byId.code, 0, byId.stderr);

  const rm = await kiteImages([...common, "rm", "nginx:alpine"]);
  assert.equal(rm.code, 0, rm.stderr);
  const empty = await kiteImages([...common, "ls"]);
  assert.equal(empty.stdout.trim().split("\n").length, 1);
});

interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  link?: string;
  size?: number;
  rdev?: string;
}

test("the unpacked nginx image reproduces mmdebstrap's rootfs: files, links, modes, owners, devices", async (t) => {
  const dataDir = tempDir(t);
  const store = await openImageStore({
    dataDir,
    registries: await loadRegistriesConfig(registry.registriesYaml),
  });
  t.after(() => store.close());
  const image = await store.pull("nginx:alpine");
  const root = image.layers[0]?.snapshotDir ?? "";

  const want = new Map<string, Node>();
  const hardLinks: [string, string][] = [];
  const ex = extract();
  const feeding = (async () => {
    for await (const c of fs.createReadStream(registry.images.nginxRootfsTar)) {
      if (!ex.write(c as Buffer)) await new Promise<void>((r) => ex.once("drain", () => r()));
    }
    ex.end(undefined);
  })();
  for await (const e of ex) {
    const h = e.header;
    const name = cleanEntryPath(h.name);
    e.resume();
    if (name === "") continue;
    if (h.type === "link") {
      hardLinks.push([name, cleanEntryPath(h.linkname)]);
      continue;
    }
    const node: Node = { type: h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid };
    if (h.type === "symlink") node.link = h.linkname;
    if (h.type === "file") node.size = h.size;
    if (h.type === "character-device" || h.type === "block-device") node.rdev = `${h.devmajor}:${h.devminor}`;
    want.set(name, node);
  }
  await feeding;

  const got = new Map<string, Node>();
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(join(root, r));
      const type = st.isDirectory()
        ? "directory"
        : st.isSymbolicLink()
          ? "symlink"
          : st.isCharacterDevice()
            ? "character-device"
            : st.isBlockDevice()
              ? "block-device"
              : st.isFIFO()
                ? "fifo"
                : "file";
      const node: Node = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (type === "symlink") node.link = fs.readlinkSync(join(root, r));
      if (type === "file") node.size = st.size;
      if (type.endsWith("-device")) node.rdev = `${Math.floor(st.rdev / 256)}:${st.rdev % 256}`;
      got.set(r, node);
      if (type === "directory") walk(r);
    }
  };
  walk("");
  for (const [name] of hardLinks) got.delete(name);
  assert.ok(want.size > 5000, `the rootfs has ${want.size} entries`);
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  assert.deepEqual(missing, [], "entries missing from the snapshot");
  assert.deepEqual(extra, [], "entries the rootfs does not have");
  const differing = [...want]
    .filter(([k, v]) => JSON.stringify(got.get(k)) !== JSON.stringify(v))
    .slice(0, 5);
  assert.deepEqual(
    differing.map(([k, v]) => [k, v, got.get(k)]),
    [],
  );
  assert.ok(hardLinks.length > 0);
  for (const [name, target] of hardLinks) {
    assert.equal(
      fs.lstatSync(join(root, name)).ino,
      fs.lstatSync(join(root, target)).ino,
      `${name} links ${target}`,
    );
  }
});

test("concurrent pulls share downloads: one fetch per layer for the same image and for images sharing layers", async (t) => {
  const dataDir = tempDir(t);
  const store = await openImageStore({
    dataDir,
    registries: await loadRegistriesConfig(registry.registriesYaml),
  });
  t.after(() => store.close());
  const events: PullProgress[] = [];
  const onProgress = (e: PullProgress) => events.push(e);
  const [a, b, c] = await Promise.all([
    store.pull("busybox", { onProgress }),
    store.pull("docker.io/library/busybox:latest", { onProgress }),
    store.pull("alpine", { onProgress }),
  ]);
  assert.equal(a, b, "the same reference is one pull");
  assert.equal(a.id, c.id, "busybox and alpine are the same image under two names");
  const downloads = events.filter((e) => e.type === "layer" && e.status === "done");
  assert.equal(downloads.length, 1, "the shared layer was fetched once");
  const img = await store.inspect("alpine:latest");
  assert.deepEqual(img?.repoTags, ["docker.io/library/alpine:latest", "docker.io/library/busybox:latest"]);
  assert.ok(fs.lstatSync(join(a.layers[0]?.snapshotDir ?? "", "bin/sh")).isSymbolicLink());
  // Removing one name keeps the image for the other.
  await store.remove("busybox");
  assert.ok(fs.existsSync(a.layers[0]?.snapshotDir ?? ""));
  assert.deepEqual((await store.inspect("alpine"))?.repoTags, ["docker.io/library/alpine:latest"]);
  assert.equal(await store.inspect("busybox"), undefined);
});
