import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type Payload, validatePayloadPath, writeAtomic } from "./atomic-writer.js";

const root = mkdtempSync(join(tmpdir(), "atomic-writer-"));
after(() => rmSync(root, { recursive: true, force: true }));

const payload = (files: Record<string, string>, mode = 0o644): Payload =>
  new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

describe("writeAtomic", () => {
  it("writes into a timestamped dir behind ..data, with a symlink per top-level name", () => {
    const dir = join(root, "a");
    assert.equal(writeAtomic(dir, payload({ "a.txt": "one", "sub/b.txt": "two" })), true);
    const data = readlinkSync(join(dir, "..data"));
    assert.match(data, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    assert.equal(readlinkSync(join(dir, "a.txt")), "..data/a.txt");
    assert.equal(readlinkSync(join(dir, "sub")), "..data/sub");
    assert.equal(readFileSync(join(dir, "sub/b.txt"), "utf8"), "two");
    assert.equal(statSync(join(dir, "a.txt")).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ["..data", data, "a.txt", "sub"].sort());
  });

  it("does nothing when the payload on disk is the same", () => {
    const dir = join(root, "b");
    writeAtomic(dir, payload({ k: "v" }));
    const before = readlinkSync(join(dir, "..data"));
    assert.equal(writeAtomic(dir, payload({ k: "v" })), false);
    assert.equal(readlinkSync(join(dir, "..data")), before);
  });

  it("swaps ..data on a change, removes the old dir and names no longer in the payload", () => {
    const dir = join(root, "c");
    writeAtomic(dir, payload({ k: "v", gone: "x" }));
    const before = readlinkSync(join(dir, "..data"));
    assert.equal(writeAtomic(dir, payload({ k: "v2" })), true);
    const now = readlinkSync(join(dir, "..data"));
    assert.notEqual(now, before);
    assert.equal(readFileSync(join(dir, "k"), "utf8"), "v2");
    assert.deepEqual(readdirSync(dir).sort(), ["..data", now, "k"].sort());
  });

  it("a mode change alone is a change", () => {
    const dir = join(root, "d");
    writeAtomic(dir, payload({ k: "v" }, 0o644));
    assert.equal(writeAtomic(dir, payload({ k: "v" }, 0o400)), true);
    assert.equal(statSync(join(dir, "k")).mode & 0o777, 0o400);
    assert.ok(lstatSync(join(dir, "k")).isSymbolicLink());
  });

  it("an empty payload leaves only ..data and its empty dir", () => {
    const dir = join(root, "e");
    writeAtomic(dir, payload({ k: "v" }));
    writeAtomic(dir, new Map());
    assert.deepEqual(
      readdirSync(dir).filter((e) => !e.startsWith("..")),
      [],
    );
  });

  it("refuses paths that would leave the volume", () => {
    assert.throws(() => validatePayloadPath("/etc/passwd"), /must be relative path/);
    assert.throws(() => validatePayloadPath("a/../../b"), /must not contain '\.\.'/);
    assert.throws(() => validatePayloadPath("..data"), /must not start with '\.\.'/);
    assert.throws(() => writeAtomic(join(root, "f"), payload({ "../x": "v" })), /must not contain/);
  });
});
