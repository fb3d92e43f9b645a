import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMountInfo } from "./netns.js";

describe("mountinfo", () => {
  it("reads mount point, type and propagation, undoing octal escapes", () => {
    const text =
      "27 1 0:25 / /run rw,nosuid,nodev shared:12 - tmpfs tmpfs rw\n" +
      "42 27 0:4 net:[4026532177] /run/netns/a\\040b rw shared:12 - nsfs nsfs rw\n" +
      "43 27 0:4 net:[4026532178] /tmp/x rw - nsfs nsfs rw\n";
    assert.deepEqual(parseMountInfo(text), [
      { mountPoint: "/run", fsType: "tmpfs", optional: ["shared:12"] },
      { mountPoint: "/run/netns/a b", fsType: "nsfs", optional: ["shared:12"] },
      { mountPoint: "/tmp/x", fsType: "nsfs", optional: [] },
    ]);
  });
});
