// Named network namespaces with the real kernel: an nsfs mount a process can join by path, removed
// without leaving a mount behind.
import assert from "node:assert/strict";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  createNetns,
  NetnsExistsError,
  netnsExists,
  parseMountInfo,
  removeNetns,
} from "../../src/network/netns.js";
import { sh } from "./helpers.js";

function mountsUnder(dir: string) {
  return parseMountInfo(fs.readFileSync("/proc/self/mountinfo", "utf8")).filter(
    (m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`),
  );
}

test("createNetns makes a joinable namespace under a shared dir; removeNetns leaves no mount; both are idempotent where they should be", async (t) => {
  const dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "kite-netns-")));
  const nsDir = join(dir, "netns");
  t.after(async () => {
    for (const m of mountsUnder(dir).reverse()) await sh("umount", ["--lazy", m.mountPoint]).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const a = await createNetns("pod-a", nsDir);
  const b = await createNetns("pod-b", nsDir);
  assert.equal(a, join(nsDir, "pod-a"));
  assert.ok(await netnsExists(a));
  const mounts = mountsUnder(dir);
  // The dir is its own shared mount, as `ip netns add` leaves /run/netns.
  const dirMount = mounts.find((m) => m.mountPoint === nsDir);
  assert.ok(
    dirMount?.optional.some((o) => o.startsWith("shared:")),
    JSON.stringify(mounts),
  );
  assert.deepEqual(
    mounts
      .filter((m) => m.fsType === "nsfs")
      .map((m) => m.mountPoint)
      .sort(),
    [a, b],
  );

  // Joinable by path (setns, as runc does for {"type":"network","path":…}), distinct, and fresh.
  const inode = async (p: string) =>
    (await sh("nsenter", [`--net=${p}`, "readlink", "/proc/self/ns/net"])).trim();
  const [ia, ib, host] = [await inode(a), await inode(b), fs.readlinkSync("/proc/self/ns/net")];
  assert.match(ia, /^net:\[\d+\]$/);
  assert.notEqual(ia, ib);
  assert.notEqual(ia, host);
  const links = JSON.parse(await sh("nsenter", [`--net=${a}`, "ip", "-j", "link", "show"])) as {
    ifname: string;
  }[];
  assert.deepEqual(
    links.map((l) => l.ifname),
    ["lo"],
  );

  await assert.rejects(createNetns("pod-a", nsDir), NetnsExistsError);
  await assert.rejects(createNetns("../evil", nsDir), /invalid network namespace name/);

  await removeNetns(a);
  assert.equal(await netnsExists(a), false);
  assert.equal(fs.existsSync(a), false);
  await removeNetns(a); // already gone
  // Unmounted but not unlinked (a crash in between) still counts as gone and is cleaned.
  await sh("umount", [b]);
  assert.equal(await netnsExists(b), false);
  await removeNetns(b);
  assert.equal(fs.existsSync(b), false);
  assert.deepEqual(
    mountsUnder(dir).filter((m) => m.fsType === "nsfs"),
    [],
  );
  // A second create reuses the shared dir mount instead of stacking another one.
  const c = await createNetns("pod-c", nsDir);
  await removeNetns(c);
  assert.equal(mountsUnder(dir).filter((m) => m.mountPoint === nsDir).length, 1);
});
