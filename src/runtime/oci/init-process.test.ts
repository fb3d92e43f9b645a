import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { initProcessOf, stillRunning } from "./init-process.js";

test("a live process is still running; the same pid with another start time is not", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const p = initProcessOf(child.pid);
    assert.ok(p, "identity of a live process");
    assert.equal(p.pid, child.pid);
    assert.match(p.startTime, /^\d+$/);
    assert.equal(stillRunning(p), true);
    // a recycled pid: same number, started at another time
    assert.equal(stillRunning({ pid: p.pid, startTime: String(Number(p.startTime) + 1) }), false);
  } finally {
    child.kill("SIGKILL");
  }
});

test("a zombie not yet reaped has ended; so has a pid that is gone", async () => {
  // sh forks sleep, prints its pid and stops itself: the exited sleep stays a zombie until sh reaps it
  const sh = spawn("sh", ["-c", "sleep 30 & echo $!; kill -STOP $$"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const pid = Number(
    await new Promise<string>((resolve) => sh.stdout.once("data", (b: Buffer) => resolve(b.toString()))),
  );
  const p = initProcessOf(pid);
  assert.ok(p);
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && stillRunning(p); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stillRunning(p), false, "a zombie is not running");
  assert.equal(initProcessOf(pid), undefined, "no identity is taken of a zombie");
  sh.kill("SIGKILL");
  await new Promise((r) => sh.once("close", r));
  assert.equal(stillRunning(p), false);
  assert.equal(initProcessOf(undefined), undefined);
});
