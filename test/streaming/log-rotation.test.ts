// Container log rotation by size (the kubelet's container log manager) through a real `kite
// server`: with --container-log-max-size 64Ki --container-log-max-files 3, a pod printing numbered
// lines has its log rotated every monitor pass; `kubectl logs -f` follows across the rotations
// without losing or repeating a line (also when it has fallen two rotations behind, its file
// gzipped and removed meanwhile), the log dir never holds more than three logs, and the older
// rotated ones are gzipped.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import { kubectlPath, type StreamingCluster, startStreamingCluster } from "./cluster.js";

let c: StreamingCluster;
before(async () => {
  c = await startStreamingCluster(["--container-log-max-size", "64Ki", "--container-log-max-files", "3"]);
  // about 2000 numbered lines a second: 64Ki is passed long before each 10 s pass
  const script =
    "i=0; while true; do for j in 1 2 3 4 5 6 7 8 9 10; do i=$((i+1)); echo $i; done; usleep 5000; done";
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "counter" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
    },
  });
});
after(async () => {
  await c?.stop();
});

/** Whether process `pid` holds open a rotated log in `dir` that has since been removed. */
function holdsRemovedLog(pid: number, dir: string): boolean {
  const fds = `/proc/${pid}/fd`;
  return readdirSync(fds).some((fd) => {
    try {
      const target = readlinkSync(join(fds, fd));
      return target.startsWith(`${dir}/0.log.`) && target.endsWith(" (deleted)");
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** The complete lines of `out` as numbers. */
function numbers(out: string): number[] {
  return out
    .slice(0, out.lastIndexOf("\n") + 1)
    .split("\n")
    .filter(Boolean)
    .map(Number);
}

test("logs rotate at --container-log-max-size, keep --container-log-max-files, and -f follows across rotations with no gap or duplicate", async () => {
  const k = c.kite;
  const uid = (await kubectl(k, "1.33", ["get", "pod", "counter", "-o", "jsonpath={.metadata.uid}"])).stdout;
  const dir = join(k.node!.podLogDir, `default_counter_${uid}`, "main");
  const f = spawn(kubectlPath("1.33"), ["logs", "-f", "counter"], { env: c.env });
  let followed = "";
  f.stdout.on("data", (b: Buffer) => {
    followed += b.toString();
  });
  try {
    const rotated = new Set<string>();
    let most = 0;
    await eventually(
      async () => {
        // files of this log, not the runtime's or the compression's temporary ones
        const files = readdirSync(dir).filter((n) => n.startsWith("0.log") && !n.endsWith(".tmp"));
        most = Math.max(most, files.length);
        for (const n of files) if (n !== "0.log") rotated.add(n.replace(/\.gz$/, ""));
        return rotated.size >= 3 && files.some((n) => n.endsWith(".gz"));
      },
      90_000,
      50,
    );
    assert.ok(most <= 3, `the log dir held ${most} logs`);
    const files = readdirSync(dir).filter((n) => !n.endsWith(".tmp"));
    // the newest rotated file stays plain (the runtime may still have been writing it), older ones are gzipped
    assert.ok(files.filter((n) => /^0\.log\.\d{8}-\d{6}$/.test(n)).length <= 1, files.join(" "));
    assert.ok(
      files.some((n) => /^0\.log\.\d{8}-\d{6}\.gz$/.test(n)),
      files.join(" "),
    );

    // kubectl logs without -f reads the live file only, as the kubelet does: it starts past line 1
    const now = numbers((await kubectl(k, "1.33", ["logs", "counter"])).stdout);
    assert.ok(now.length > 0 && now[0]! > 1, `kubectl logs starts at ${now[0]}`);
    for (let i = 1; i < now.length; i++) assert.equal(now[i], now[0]! + i);

    // the follower gets past the rotations into the live file, with every line since 1 once, in order
    await eventually(async () => numbers(followed).length >= now[0]!, 30_000).catch(() => {
      throw new Error(
        `the follower stopped at line ${numbers(followed).length}; the live file starts at ${now[0]}`,
      );
    });
    const seen = numbers(followed);
    for (let i = 0; i < seen.length; i++) assert.equal(seen[i], i + 1, `line ${i + 1} of the follower`);
  } finally {
    f.kill();
  }
});

test("kubectl logs -f that falls more than one rotation behind still gets every line once, in order", async () => {
  // 1 KiB lines at about 4 MiB/s: while kubectl is stopped, the buffers between it and the node
  // fill within seconds and the node's reader stays on its file while two rotations go by.
  const script =
    'awk \'BEGIN { pad = sprintf("%1000s", ""); for (i = 1; ; i++) { print i pad; if (i % 40 == 0) system("usleep 10000") } }\'';
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "fast-counter" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
    },
  });
  const k = c.kite;
  const uid = (await kubectl(k, "1.33", ["get", "pod", "fast-counter", "-o", "jsonpath={.metadata.uid}"]))
    .stdout;
  const dir = join(k.node!.podLogDir, `default_fast-counter_${uid}`, "main");
  const f = spawn(kubectlPath("1.33"), ["logs", "-f", "fast-counter"], { env: c.env });
  // checked as the lines come: the output runs to tens of MiB
  let expect = 1;
  let rest = "";
  let bad: string | undefined;
  f.stdout.on("data", (b: Buffer) => {
    const text = rest + b.toString();
    const end = text.lastIndexOf("\n");
    rest = text.slice(end + 1);
    for (const l of text.slice(0, end + 1).split("\n")) {
      if (!l) continue;
      const n = Number.parseInt(l, 10);
      if (n !== expect && bad === undefined) bad = `line ${expect} was followed by ${n}`;
      expect = n + 1;
    }
  });
  try {
    await eventually(async () => expect > 1000, 20_000);
    f.kill("SIGSTOP");
    try {
      // until the file kite's reader holds has been rotated, then gzipped and removed by the next
      // rotation: the reader is two rotations behind
      await eventually(async () => holdsRemovedLog(k.pid, dir), 120_000, 200);
    } finally {
      f.kill("SIGCONT");
    }
    // the live file's first line: the follower must get past it, through the rotated files
    const first = Number.parseInt(
      (await kubectl(k, "1.33", ["logs", "fast-counter", "--limit-bytes=20"])).stdout,
      10,
    );
    await eventually(async () => bad !== undefined || expect > first, 60_000).catch(() => {
      throw new Error(`the follower stopped at line ${expect - 1}; the live file starts at ${first}`);
    });
    assert.equal(bad, undefined);
  } finally {
    f.kill();
  }
});
