import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { StoredObject } from "../../api/object.js";
import { CompactedError, KeyExistsError, RevisionMismatchError, type StoreEvent } from "../store.js";
import { openSqliteStore } from "./store.js";

const dir = mkdtempSync(join(tmpdir(), "kite-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => openSqliteStore({ file: join(dir, `s${n++}.db`) });
const pod = (name: string, labels: Record<string, string> = {}): StoredObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "", labels },
});

test("every write gets the next revision, which becomes the resourceVersion", async () => {
  const s = fresh();
  const a = await s.create("/registry/pods/default/a", pod("a"));
  const b = await s.create("/registry/pods/default/b", pod("b"));
  assert.equal(b.modRevision, a.modRevision + 1);
  assert.equal(b.object.metadata.resourceVersion, String(b.modRevision));
  await assert.rejects(s.create("/registry/pods/default/a", pod("a")), KeyExistsError);
  await s.close();
});

test("update with a stale revision fails; a current one succeeds", async () => {
  const s = fresh();
  const a = await s.create("/registry/pods/default/a", pod("a"));
  const u = await s.update(
    "/registry/pods/default/a",
    (cur) => ({ ...cur!.object, spec: { x: 1 } }),
    a.modRevision,
  );
  assert.ok(u && u.modRevision > a.modRevision);
  await assert.rejects(
    s.update("/registry/pods/default/a", (cur) => cur!.object, a.modRevision),
    RevisionMismatchError,
  );
  await s.close();
});

test("concurrent creates of one key: exactly one wins", async () => {
  const s = fresh();
  const results = await Promise.allSettled(
    [1, 2, 3].map(() => s.create("/registry/pods/default/x", pod("x"))),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  await s.close();
});

test("list pages in key order and a continue reads the list's own revision", async () => {
  const s = fresh();
  for (let i = 0; i < 10; i++) await s.create(`/registry/pods/default/p${i}`, pod(`p${i}`));
  const first = await s.list({ prefix: "/registry/pods/", limit: 4 });
  assert.deepEqual(
    first.entries.map((e) => e.object.metadata.name),
    ["p0", "p1", "p2", "p3"],
  );
  assert.equal(first.remaining, 6);
  // Writes after the first page must not show up in later pages.
  await s.delete("/registry/pods/default/p5");
  await s.create("/registry/pods/default/p45", pod("p45"));
  const second = await s.list({
    prefix: "/registry/pods/",
    limit: 4,
    afterKey: first.lastKey,
    revision: first.revision,
  });
  assert.deepEqual(
    second.entries.map((e) => e.object.metadata.name),
    ["p4", "p5", "p6", "p7"],
  );
  assert.equal(second.revision, first.revision);
  await s.close();
});

test("a watch resumed from an old revision replays what it missed, then follows", async () => {
  const s = fresh();
  const a = await s.create("/registry/pods/default/a", pod("a"));
  await s.update("/registry/pods/default/a", (c) => ({ ...c!.object, spec: { y: 1 } }));
  await s.delete("/registry/pods/default/a");
  const seen: StoreEvent[] = [];
  const w = s.watch(
    { prefix: "/registry/pods/", fromRevision: a.modRevision - 1 },
    (e) => seen.push(e),
    assert.fail,
  );
  assert.deepEqual(
    seen.map((e) => e.type),
    ["ADDED", "MODIFIED", "DELETED"],
  );
  await s.create("/registry/pods/default/b", pod("b"));
  assert.equal(seen.at(-1)?.type, "ADDED");
  assert.equal(seen.at(-1)?.key, "/registry/pods/default/b");
  w.stop();
  await s.close();
});

test("state and history survive a reopen; replay from disk after restart", async () => {
  const file = join(dir, "reopen.db");
  const s1 = openSqliteStore({ file });
  const a = await s1.create("/registry/pods/default/a", pod("a"));
  await s1.create("/registry/pods/default/b", pod("b"));
  await s1.delete("/registry/pods/default/b");
  await s1.close();
  const s2 = openSqliteStore({ file });
  assert.equal((await s2.get("/registry/pods/default/a"))?.modRevision, a.modRevision);
  assert.equal(await s2.get("/registry/pods/default/b"), undefined);
  assert.equal(s2.currentRevision(), a.modRevision + 2);
  const seen: string[] = [];
  s2.watch(
    { prefix: "/registry/pods/", fromRevision: 0 },
    (e) => seen.push(`${e.type} ${e.key}`),
    assert.fail,
  ).stop();
  assert.deepEqual(seen, [
    "ADDED /registry/pods/default/a",
    "ADDED /registry/pods/default/b",
    "DELETED /registry/pods/default/b",
  ]);
  const next = await s2.create("/registry/pods/default/c", pod("c"));
  assert.equal(next.modRevision, a.modRevision + 3);
  await s2.close();
});

test("compaction drops superseded history; older watches and lists get CompactedError", async () => {
  const s = fresh();
  const a = await s.create("/registry/pods/default/a", pod("a"));
  for (let i = 0; i < 5; i++)
    await s.update("/registry/pods/default/a", (c) => ({ ...c!.object, spec: { i } }));
  await s.create("/registry/pods/default/b", pod("b"));
  await s.delete("/registry/pods/default/b");
  const removed = await s.compact(0);
  assert.equal(removed, 7, "five superseded versions of a, b and its tombstone");
  assert.throws(
    () => s.watch({ prefix: "/registry/", fromRevision: a.modRevision }, () => {}, assert.fail),
    CompactedError,
  );
  await assert.rejects(s.list({ prefix: "/registry/", revision: a.modRevision }), CompactedError);
  // The current state is intact.
  const now = await s.list({ prefix: "/registry/" });
  assert.deepEqual(
    now.entries.map((e) => e.object.metadata.name),
    ["a"],
  );
  await s.close();
});
