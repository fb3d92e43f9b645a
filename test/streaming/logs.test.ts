// kubectl logs (each flag, -f across a restart, --previous) through a real `kite server` and its agent.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import { kubectlPath, type StreamingCluster, startStreamingCluster } from "./cluster.js";

let c: StreamingCluster;
before(async () => {
  c = await startStreamingCluster();
  // Prints three lines, then waits for /tmp/stop and fails, so the agent restarts it
  // (restartPolicy Always); the next instance starts without /tmp/stop and prints them again.
  const script =
    "echo one; echo two; sleep 2; echo three; until [ -e /tmp/stop ]; do sleep 0.1; done; exit 1";
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "log-pod" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
    },
  });
});
after(async () => {
  await c?.stop();
});

test("kubectl logs: --tail, --limit-bytes, --timestamps, --since, --since-time, --all-containers, bad container, -f across a restart, --previous", async () => {
  const k = c.kite;
  const v = "1.33";
  await eventually(
    async () => (await kubectl(k, v, ["logs", "log-pod"])).stdout === "one\ntwo\nthree\n",
    20_000,
  );
  assert.equal((await kubectl(k, "1.27", ["logs", "log-pod"])).stdout, "one\ntwo\nthree\n");
  assert.equal((await kubectl(k, v, ["logs", "log-pod", "--tail=1"])).stdout, "three\n");
  assert.equal((await kubectl(k, v, ["logs", "log-pod", "--limit-bytes=1"])).stdout, "o");
  const ts = (await kubectl(k, v, ["logs", "log-pod", "--timestamps"])).stdout.trim().split("\n");
  assert.equal(ts.length, 3);
  for (const l of ts) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) \w+$/);
  assert.equal((await kubectl(k, v, ["logs", "log-pod", "--since=24h"])).stdout, "one\ntwo\nthree\n");
  // --since-time travels in whole seconds; "three" came two seconds after "two"
  const threeAt = ts[2]!.split(" ")[0]!;
  assert.equal((await kubectl(k, v, ["logs", "log-pod", `--since-time=${threeAt}`])).stdout, "three\n");
  assert.equal(
    (await kubectl(k, v, ["logs", "log-pod", "--all-containers", "--prefix"])).stdout,
    "[pod/log-pod/main] one\n[pod/log-pod/main] two\n[pod/log-pod/main] three\n",
  );
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await kubectl(k, v, ["logs", "log-pod", "--since=1s"])).stdout, "");
  const bad = await kubectl(k, v, ["logs", "log-pod", "-c", "nope"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /container nope is not valid for pod log-pod/);
  const noPrevious = await kubectl(k, v, ["logs", "log-pod", "--previous"]);
  assert.equal(noPrevious.code, 1);
  assert.match(noPrevious.stderr, /previous terminated container "main" in pod "log-pod" not found/);

  // -f follows, and goes on into the next instance after the restart
  const f = spawn(kubectlPath(v), ["logs", "-f", "log-pod"], { env: c.env });
  let followed = "";
  f.stdout.on("data", (b: Buffer) => {
    followed += b.toString();
  });
  try {
    await eventually(async () => followed === "one\ntwo\nthree\n", 10_000);
    const stop = await kubectl(k, v, ["exec", "log-pod", "--", "touch", "/tmp/stop"]);
    assert.equal(stop.code, 0, stop.stderr);
    await eventually(async () => followed.endsWith("three\none\ntwo\nthree\n"), 30_000);
    assert.equal(followed, "one\ntwo\nthree\none\ntwo\nthree\n");
  } finally {
    f.kill();
  }
  // --previous: the instance before the restart
  const prev = await kubectl(k, v, ["logs", "log-pod", "--previous"]);
  assert.equal(prev.stdout, "one\ntwo\nthree\n", prev.stderr);
});
