import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  compressLog,
  planRotation,
  rotatedFilesOf,
  rotatedName,
  rotationTimestamp,
} from "./container-log-manager.js";

test("rotated logs are named <log>.<YYYYMMDD-hhmmss> in local time, as the kubelet names them", () => {
  const t = new Date(2024, 4, 1, 9, 5, 7);
  assert.equal(rotationTimestamp(t), "20240501-090507");
  assert.equal(
    rotatedName("/var/log/pods/ns_p_uid/c/0.log", t),
    "/var/log/pods/ns_p_uid/c/0.log.20240501-090507",
  );
});

test("only files rotation made from this log count as its rotated files", () => {
  const names = [
    "0.log",
    "0.log.20240501-090507",
    "0.log.20240501-090508.gz",
    "0.log.20240501-090509.tmp",
    "0.log.tmp", // conmon's own temporary file while it reopens
    "1.log.20240501-090507", // the next restart's log
    "0.logger",
  ];
  assert.deepEqual(rotatedFilesOf("0.log", names), [
    "0.log.20240501-090507",
    "0.log.20240501-090508.gz",
    "0.log.20240501-090509.tmp",
  ]);
});

test("before a rotation: leftovers go, the oldest beyond maxFiles-2 go, the rest is compressed", () => {
  const r = (s: string) => `0.log.2024050${s}`;
  // nothing rotated yet: nothing to do
  assert.deepEqual(planRotation([], 5), { remove: [], compress: [] });
  // one rotated file, maxFiles 3: it stays (compressed); with the new rotated file and the live one, three
  assert.deepEqual(planRotation([r("1-000000")], 3), { remove: [], compress: [r("1-000000")] });
  // maxFiles 3 and two rotated: the oldest goes, whatever its state
  assert.deepEqual(planRotation([r("2-000000"), r("1-000000.gz")], 3), {
    remove: [r("1-000000.gz")],
    compress: [r("2-000000")],
  });
  // maxFiles 2: no rotated file may stay
  assert.deepEqual(planRotation([r("1-000000.gz"), r("2-000000")], 2), {
    remove: [r("1-000000.gz"), r("2-000000")],
    compress: [],
  });
  // an interrupted compression: the .tmp goes; a file whose .gz exists was compressed, it goes
  assert.deepEqual(planRotation([r("1-000000"), r("1-000000.gz"), r("2-000000.tmp"), r("3-000000")], 5), {
    remove: [r("1-000000"), r("2-000000.tmp")],
    compress: [r("3-000000")],
  });
});

test("compressLog leaves only <file>.gz with the same bytes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kite-logrot-"));
  try {
    const f = join(dir, "0.log.20240501-090507");
    const body = "2024-05-01T09:05:07.000000000+00:00 stdout F hello\n".repeat(1000);
    writeFileSync(f, body);
    await compressLog(f);
    assert.deepEqual(readdirSync(dir), ["0.log.20240501-090507.gz"]);
    assert.equal(gunzipSync(readFileSync(`${f}.gz`)).toString(), body);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
