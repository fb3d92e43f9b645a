import assert from "node:assert/strict";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openBeneath, resolveSubPath, SubPathError, validateSubPath } from "./subpath.js";

const root = mkdtempSync(join(tmpdir(), "subpath-"));
after(() => rmSync(root, { recursive: true, force: true }));
const vol = join(root, "vol");
const outside = join(root, "outside");
mkdirSync(join(vol, "data/inner"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(vol, "data/file.txt"), "in");
writeFileSync(join(outside, "secret"), "host");
symlinkSync("/", join(vol, "root"));
symlinkSync("../outside", join(vol, "up"));
symlinkSync("data/inner", join(vol, "inside-link"));
symlinkSync(join(vol, "data"), join(vol, "abs-inside"));
symlinkSync(join(root, "nowhere"), join(vol, "dangling"));

const notWithin = /not within volume path/;

describe("subPath", () => {
  it("refuses absolute paths and backsteps as written", () => {
    assert.throws(() => validateSubPath("/etc"), {
      message: "error SubPath `/etc` must not be an absolute path",
    });
    assert.throws(() => validateSubPath("a/../../b"), /must not contain '\.\.'/);
    assert.throws(() => resolveSubPath(vol, ".."), SubPathError);
  });

  it("resolves plain paths and symlinks that stay inside", () => {
    assert.equal(resolveSubPath(vol, "data/file.txt"), join(vol, "data/file.txt"));
    assert.equal(resolveSubPath(vol, "inside-link"), join(vol, "data/inner"));
    assert.equal(resolveSubPath(vol, "abs-inside/file.txt"), join(vol, "data/file.txt"));
  });

  it("refuses symlinks out of the volume, at the end or in the middle", () => {
    assert.throws(() => resolveSubPath(vol, "root"), notWithin);
    assert.throws(() => resolveSubPath(vol, "root/etc/passwd"), notWithin);
    assert.throws(() => resolveSubPath(vol, "up/secret"), notWithin);
    assert.throws(() => resolveSubPath(vol, "up/newdir"), notWithin);
    assert.throws(() => resolveSubPath(vol, "dangling/x"), notWithin);
    // nothing was created outside
    assert.throws(() => statSync(join(outside, "newdir")));
    assert.throws(() => statSync(join(root, "nowhere")));
  });

  it("creates missing directories inside, one level at a time", () => {
    const p = resolveSubPath(vol, "data/new/deeper", 0o750);
    assert.equal(p, join(vol, "data/new/deeper"));
    assert.ok(statSync(p).isDirectory());
  });

  it("openBeneath refuses any symlink on the way (a swap after the check)", () => {
    const fd = openBeneath(vol, join(vol, "data/file.txt"));
    assert.ok(fstatSync(fd).isFile());
    closeSync(fd);
    assert.throws(() => openBeneath(vol, join(vol, "inside-link")), /symlink in path/);
    assert.throws(() => openBeneath(vol, join(vol, "up/secret")), /symlink in path/);
    assert.throws(() => openBeneath(vol, "/etc/passwd"), /is not within/);
  });
});
