import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkHostPathType } from "./host-path.js";

const root = mkdtempSync(join(tmpdir(), "host-path-"));
after(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, "dir");
const file = join(root, "file");
mkdirSync(dir);
writeFileSync(file, "x");

describe("checkHostPathType", () => {
  it("no type: no check, nothing created", () => {
    checkHostPathType(join(root, "missing"), "");
    checkHostPathType(join(root, "missing"), undefined);
    assert.throws(() => statSync(join(root, "missing")));
  });

  it("DirectoryOrCreate creates 0755 (parents too) and refuses a file", () => {
    const p = join(root, "new/deep");
    checkHostPathType(p, "DirectoryOrCreate");
    assert.ok(statSync(p).isDirectory());
    assert.equal(statSync(p).mode & 0o777, 0o755 & ~process.umask());
    assert.throws(() => checkHostPathType(file, "DirectoryOrCreate"), {
      message: `hostPath type check failed: ${file} is not a directory`,
    });
  });

  it("Directory checks only", () => {
    checkHostPathType(dir, "Directory");
    assert.throws(() => checkHostPathType(join(root, "nodir"), "Directory"), /is not a directory$/);
    assert.throws(() => statSync(join(root, "nodir")));
  });

  it("FileOrCreate creates an empty file, refuses a directory and a missing parent", () => {
    const p = join(root, "created.txt");
    checkHostPathType(p, "FileOrCreate");
    assert.ok(statSync(p).isFile());
    assert.throws(() => checkHostPathType(dir, "FileOrCreate"), {
      message: `hostPath type check failed: ${dir} is not a file`,
    });
    assert.throws(() => checkHostPathType(join(root, "no/parent.txt"), "FileOrCreate"), /ENOENT/);
  });

  it("File, Socket, CharDevice, BlockDevice with kube's messages", async () => {
    checkHostPathType(file, "File");
    assert.throws(() => checkHostPathType(dir, "File"), /is not a file$/);
    assert.throws(() => checkHostPathType(file, "Socket"), {
      message: `hostPath type check failed: ${file} is not a socket file`,
    });
    const sock = join(root, "s.sock");
    const srv = createServer().listen(sock);
    await new Promise((r) => srv.once("listening", r));
    checkHostPathType(sock, "Socket");
    srv.close();
    checkHostPathType("/dev/null", "CharDevice");
    assert.throws(() => checkHostPathType(file, "CharDevice"), {
      message: `hostPath type check failed: ${file} is not a character device`,
    });
    assert.throws(() => checkHostPathType("/dev/null", "BlockDevice"), {
      message: "hostPath type check failed: /dev/null is not a block device",
    });
    assert.throws(() => checkHostPathType(file, "Pipe"), { message: "Pipe is an invalid volume type" });
  });

  it("does not create through a dangling symlink", () => {
    const link = join(root, "dangling");
    symlinkSync(join(root, "elsewhere"), link);
    assert.throws(() => checkHostPathType(link, "DirectoryOrCreate"), /is not a directory/);
    assert.throws(() => statSync(join(root, "elsewhere")));
  });
});
