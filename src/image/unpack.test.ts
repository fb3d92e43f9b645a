import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { type Header, pack } from "tar-stream";
import { isImageError } from "./errors.js";
import { applyLayer, cleanEntryPath } from "./unpack.js";

type Entry = Partial<Header> & { name: string; body?: string };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  // Read while writing: pack() holds an entry's callback until its bytes are consumed.
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve) => p.on("end", () => resolve()));
  p.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ mtime: new Date(1_700_000_000_000), ...h }, body ?? "", (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

async function* chunks(buf: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += 1000) yield buf.subarray(i, i + 1000);
}

function scratch(t: { after(fn: () => void): void }): { root: string; outside: string } {
  const base = fs.mkdtempSync(join(tmpdir(), "kite-unpack-"));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = join(base, "snap", "fs");
  const outside = join(base, "outside");
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(outside);
  return { root, outside };
}

function xattr(path: string, name: string): string | null {
  const out = execFileSync("python3", [
    "-c",
    "import os,sys\ntry: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError: print('<none>')",
    path,
    name,
  ]).toString();
  return out.trim() === "<none>" ? null : out.trim();
}

test("entry names are cleaned as if rooted at /", () => {
  assert.equal(cleanEntryPath("./usr/bin/"), "usr/bin");
  assert.equal(cleanEntryPath("../../etc/passwd"), "etc/passwd");
  assert.equal(cleanEntryPath("/etc/shadow"), "etc/shadow");
  assert.equal(cleanEntryPath("a/../../b"), "b");
  assert.equal(cleanEntryPath("./"), "");
});

test("files, modes, owners, symlinks and hard links are reproduced; digests are of the blob and the tar", async (t) => {
  const { root } = scratch(t);
  const tar = await tarOf([
    { name: "./", type: "directory", mode: 0o755 },
    { name: "usr/", type: "directory", mode: 0o755 },
    { name: "usr/bin/", type: "directory", mode: 0o755 },
    { name: "usr/bin/tool", body: "#!/bin/sh\n", mode: 0o4755, uid: 0, gid: 0 },
    { name: "usr/bin/alias", type: "link", linkname: "usr/bin/tool" },
    { name: "bin", type: "symlink", linkname: "usr/bin" },
    { name: "home/app/", type: "directory", mode: 0o700, uid: 1000, gid: 1001 },
    { name: "home/app/data", body: "x", mode: 0o640, uid: 1000, gid: 1001 },
    { name: "ro/", type: "directory", mode: 0o555 },
    { name: "ro/file", body: "inside a read-only dir" },
  ]);
  const gz = gzipSync(tar);
  const res = await applyLayer(chunks(gz), root);
  const { createHash } = await import("node:crypto");
  assert.equal(res.digest, `sha256:${createHash("sha256").update(gz).digest("hex")}`);
  assert.equal(res.diffId, `sha256:${createHash("sha256").update(tar).digest("hex")}`);
  assert.equal(res.compressedSize, gz.length);
  const tool = fs.statSync(join(root, "usr/bin/tool"));
  assert.equal(tool.mode & 0o7777, 0o4755, "setuid survives the chown");
  assert.equal(tool.nlink, 2);
  assert.equal(fs.statSync(join(root, "usr/bin/alias")).ino, tool.ino);
  assert.equal(fs.readlinkSync(join(root, "bin")), "usr/bin");
  const data = fs.statSync(join(root, "home/app/data"));
  assert.deepEqual([data.uid, data.gid, data.mode & 0o777], [1000, 1001, 0o640]);
  const app = fs.statSync(join(root, "home/app"));
  assert.deepEqual([app.uid, app.gid, app.mode & 0o777], [1000, 1001, 0o700]);
  assert.equal(fs.statSync(join(root, "ro")).mode & 0o777, 0o555);
  assert.equal(fs.readFileSync(join(root, "ro/file"), "utf8"), "inside a read-only dir");
  assert.equal(data.mtimeMs, 1_700_000_000_000);
});

test("OCI whiteouts become overlayfs whiteouts and opaque directories", async (t) => {
  const { root } = scratch(t);
  const tar = await tarOf([
    { name: "etc/", type: "directory" },
    { name: "etc/.wh.motd", body: "" },
    { name: "var/cache/", type: "directory" },
    { name: "var/cache/.wh..wh..opq", body: "" },
    { name: "var/cache/kept", body: "new" },
    { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 },
    { name: "run/fifo", type: "fifo", mode: 0o600 },
  ]);
  await applyLayer(chunks(tar), root);
  const wh = fs.lstatSync(join(root, "etc/motd"));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0, "a whiteout is a 0:0 character device");
  assert.equal(fs.existsSync(join(root, "etc/.wh.motd")), false);
  assert.equal(xattr(join(root, "var/cache"), "trusted.overlay.opaque"), "y");
  assert.equal(fs.existsSync(join(root, "var/cache/.wh..wh..opq")), false);
  assert.equal(fs.readFileSync(join(root, "var/cache/kept"), "utf8"), "new");
  assert.equal(xattr(join(root, "etc"), "trusted.overlay.opaque"), null);
  const devNull = fs.lstatSync(join(root, "dev/null"));
  assert.ok(devNull.isCharacterDevice());
  assert.equal(devNull.rdev, (1 << 8) | 3);
  assert.equal(devNull.mode & 0o777, 0o666);
  assert.ok(fs.lstatSync(join(root, "run/fifo")).isFIFO());
});

test("a layer cannot write outside its snapshot: .., absolute names, symlinks out, links through them", async (t) => {
  const { root, outside } = scratch(t);
  fs.writeFileSync(join(outside, "secret"), "untouched");
  const rel = "../../outside"; // from root (…/snap/fs) to the sibling directory
  const tar = await tarOf([
    { name: "../../outside/dotdot", body: "pwned" },
    { name: `/${outside}/absolute`, body: "pwned" },
    { name: "evil", type: "symlink", linkname: outside },
    { name: "evil/through-abs-link", body: "pwned" },
    { name: "up", type: "symlink", linkname: rel },
    { name: "up/through-rel-link", body: "pwned" },
    { name: "loop", type: "symlink", linkname: "../../../../../.." },
    { name: "loop/outside/secret", body: "pwned" },
  ]);
  await applyLayer(chunks(tar), root);
  assert.deepEqual(fs.readdirSync(outside), ["secret"]);
  assert.equal(fs.readFileSync(join(outside, "secret"), "utf8"), "untouched");
  // Each landed inside the snapshot instead, where the container would see it.
  assert.equal(fs.readFileSync(join(root, "outside/dotdot"), "utf8"), "pwned");
  assert.equal(fs.readFileSync(join(root, outside.slice(1), "absolute"), "utf8"), "pwned");
  assert.equal(fs.readFileSync(join(root, outside.slice(1), "through-abs-link"), "utf8"), "pwned");
  assert.equal(fs.readFileSync(join(root, "outside/secret"), "utf8"), "pwned");
  assert.equal(fs.readlinkSync(join(root, "evil")), outside, "the link itself is kept as written");
});

test("a hard link to a file outside the layer is refused", async (t) => {
  const { root, outside } = scratch(t);
  fs.writeFileSync(join(outside, "secret"), "untouched");
  const tar = await tarOf([{ name: "stolen", type: "link", linkname: `../../outside/secret` }]);
  await assert.rejects(applyLayer(chunks(tar), root), (e: unknown) => isImageError(e, "InvalidLayer"));
  assert.equal(fs.statSync(join(outside, "secret")).nlink, 1);
});

test("a file replacing a symlink is written as a file, not through the link", async (t) => {
  const { root, outside } = scratch(t);
  const tar = await tarOf([
    { name: "x", type: "symlink", linkname: join(outside, "target") },
    { name: "x", body: "replaced" },
  ]);
  await applyLayer(chunks(tar), root);
  assert.equal(fs.existsSync(join(outside, "target")), false);
  assert.ok(fs.lstatSync(join(root, "x")).isFile());
});

test("a truncated layer fails", async (t) => {
  const { root } = scratch(t);
  const tar = await tarOf([{ name: "big", body: "y".repeat(100_000) }]);
  await assert.rejects(applyLayer(chunks(tar.subarray(0, 50_000)), root), /Unexpected end of data/);
  await assert.rejects(
    applyLayer(chunks(gzipSync(tar).subarray(0, 100)), join(root, "..")),
    /unexpected end of file/,
  );
});
