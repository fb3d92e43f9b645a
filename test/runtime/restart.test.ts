// kite's process dies with SIGKILL while pods run: conmon keeps the containers alive, and a new
// runtime over the same root dir finds every sandbox and container from disk, the OCI runtime's
// state and conmon's exit files — including an exit that happened while no kite was running.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoPath } from "../support/registry.js";
import { BUSYBOX, eventually, newTestRuntime, testImages } from "./helpers.js";

test("after SIGKILL of the runtime's process, a new instance lists both pods with the same ids, states and an exit code from in between", async (t) => {
  const tr = await newTestRuntime(t);
  const { dataDir } = await testImages();
  const stateDir = join(tr.rootDir, "state");
  const child = spawn(
    process.execPath,
    [
      repoPath("dist", "test", "runtime", "restart-child.js"),
      stateDir,
      tr.cgroupParent,
      dataDir,
      BUSYBOX,
      tr.logDir,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`child exited with ${code} before starting the pods`)));
  });
  const started = JSON.parse(line) as { sandboxes: string[]; containers: string[] };
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;

  const rt = tr.reopen();
  const pods = await rt.listPodSandbox();
  assert.deepEqual(pods.map((p) => p.id).sort(), [...started.sandboxes].sort());
  assert.deepEqual(
    pods.map((p) => p.state),
    ["SANDBOX_READY", "SANDBOX_READY"],
  );
  const containers = await rt.listContainers();
  assert.deepEqual(containers.map((c) => c.id).sort(), [...started.containers].sort());
  for (const c of containers) {
    assert.equal(c.state, "CONTAINER_RUNNING");
    assert.ok(c.pid && fs.existsSync(`/proc/${c.pid}`), "the container's process outlived kite");
    assert.ok(c.startedAt);
  }

  // Now the second pod's container exits with 7 while no runtime process watches.
  const [, two] = started.sandboxes as [string, string];
  fs.writeFileSync(join(stateDir, "sandboxes", two, "shm", "go"), "");
  const status = await eventually("the exit to be seen", async () => {
    const s = await tr.reopen().containerStatus(started.containers[1]!);
    return s.state === "CONTAINER_EXITED" ? s : undefined;
  });
  assert.equal(status.exitCode, 7);
  assert.equal(status.reason, "Error");
  // Listing again from yet another instance: nothing duplicated, same answers.
  const again = await tr.reopen().listContainers();
  assert.equal(again.length, 2);
  assert.deepEqual(
    again.map((c) => [c.id, c.state]).sort(),
    [
      [started.containers[0], "CONTAINER_RUNNING"],
      [started.containers[1], "CONTAINER_EXITED"],
    ].sort(),
  );
});
