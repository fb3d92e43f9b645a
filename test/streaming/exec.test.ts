// kubectl exec through a real `kite server` and its agent: WebSocket (1.30+) and SPDY
// (1.27–1.29), exit codes, binary stdin, a TTY, kube's messages, and a client that goes away.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { kubectl, kubectlVersions } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";
import {
  childrenOf,
  kubectlPath,
  runAsync,
  type StreamingCluster,
  startStreamingCluster,
} from "./cluster.js";

let c: StreamingCluster;
before(async () => {
  c = await startStreamingCluster();
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-pod" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: "busybox", command: ["sleep", "3600"] }],
    },
  });
});
after(async () => {
  await c?.stop();
});

for (const v of kubectlVersions().filter((v) => v !== "1.20")) {
  test(`kubectl ${v} exec: output, exit codes, binary stdin, tty, bad container`, async () => {
    const k = c.kite;
    const hello = await kubectl(k, v, ["exec", "web-pod", "--", "echo", "hello"]);
    assert.equal(hello.stderr, "");
    assert.equal(hello.stdout, "hello\n");
    assert.equal(hello.code, 0);
    const three = await kubectl(k, v, [
      "exec",
      "web-pod",
      "--",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 3",
    ]);
    assert.equal(three.code, 3, three.stderr);
    assert.equal(three.stdout, "out\n");
    assert.match(three.stderr, /err\ncommand terminated with exit code 3/);
    // 1 MiB of binary stdin comes back byte for byte (stdin's end reaches cat: v5 close, SPDY FIN)
    const data = randomBytes(1 << 20);
    const cat = await runAsync(kubectlPath(v), ["exec", "-i", "web-pod", "--", "cat"], {
      input: data,
      env: c.env,
    });
    assert.equal(cat.status, 0, cat.stderr.toString());
    assert.ok(Buffer.compare(cat.stdout, data) === 0, `got ${cat.stdout.length} bytes`);
    // a TTY: kubectl under script(1) gets a real terminal; the container sees one too
    const tty = await runAsync(
      "script",
      [
        "-qec",
        `${kubectlPath(v)} exec -it web-pod -- sh -c 'tty; test -t 0 && echo stdin-is-a-tty'`,
        "/dev/null",
      ],
      { env: c.env },
    );
    const out = tty.stdout.toString();
    assert.match(out, /\/dev\/pts\/\d+/, out + tty.stderr.toString());
    assert.match(out, /stdin-is-a-tty\r\n/);
    const bad = await kubectl(k, v, ["exec", "web-pod", "-c", "nope", "--", "true"]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /container nope is not valid for pod web-pod|container nope not found in pod web-pod/,
    );
  });
}

/** The command lines of the processes in web-pod's container, seen from inside it. */
async function inContainer(): Promise<string> {
  const r = await kubectl(c.kite, "1.33", [
    "exec",
    "web-pod",
    "--",
    "sh",
    "-c",
    "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Every process below `pid` (script(1) runs kubectl through a shell). */
function descendants(pid: number): { pid: number; comm: string }[] {
  return childrenOf(pid).flatMap((p) => [p, ...descendants(p.pid)]);
}

/** Processes the agent (in the kite server) runs for exec: runc exec, the tty helper. */
const execHelpers = () => childrenOf(c.kite.pid).filter((p) => /runc|crun|python3/.test(p.comm));

for (const [v, tty] of [
  ["1.27", false],
  ["1.33", false],
  ["1.33", true],
] as const) {
  test(`kubectl ${v} exec${tty ? " -it" : ""} killed mid-command leaves no process in the container or on the host`, async () => {
    const marker = tty ? "sleep 1001" : v === "1.27" ? "sleep 1002" : "sleep 1003";
    const cmd = `${kubectlPath(v)} exec ${tty ? "-it " : ""}web-pod -- ${marker}`;
    // script(1) gives kubectl a terminal for -it; it runs kubectl as its child
    const client = tty
      ? spawn("script", ["-qec", cmd, "/dev/null"], { env: c.env, stdio: "ignore" })
      : spawn(kubectlPath(v), ["exec", "web-pod", "--", ...marker.split(" ")], {
          env: c.env,
          stdio: "ignore",
        });
    await eventually(async () => (await inContainer()).includes(marker), 20_000);
    const kubectlPid = tty
      ? descendants(client.pid!).find((p) => p.comm.startsWith("kubectl"))?.pid
      : client.pid;
    assert.ok(kubectlPid);
    process.kill(kubectlPid, "SIGKILL");
    await eventually(async () => !(await inContainer()).includes(marker), 10_000);
    await eventually(async () => execHelpers().length === 0, 10_000);
    client.kill("SIGKILL");
  });
}

for (const v of ["1.27", "1.33"]) {
  test(`kubectl ${v} cp: a directory into the pod and back, byte for byte (tar over exec)`, async () => {
    const src = mkdtempSync(join(tmpdir(), "kite-cp-"));
    try {
      const data = randomBytes(300_000);
      mkdirSync(join(src, "dir", "sub"), { recursive: true });
      writeFileSync(join(src, "dir", "blob.bin"), data);
      writeFileSync(join(src, "dir", "sub", "note.txt"), "hello from the host\n");
      const dest = `/tmp/cp-${v.replace(".", "-")}`;
      const up = await kubectl(c.kite, v, ["cp", join(src, "dir"), `web-pod:${dest}`]);
      assert.equal(up.code, 0, up.stderr);
      const seen = await kubectl(c.kite, v, ["exec", "web-pod", "--", "cat", `${dest}/sub/note.txt`]);
      assert.equal(seen.stdout, "hello from the host\n");
      const down = await kubectl(c.kite, v, ["cp", `web-pod:${dest}`, join(src, "back")]);
      assert.equal(down.code, 0, down.stderr);
      assert.ok(readFileSync(join(src, "back", "blob.bin")).equals(data));
      assert.equal(readFileSync(join(src, "back", "sub", "note.txt"), "utf8"), "hello from the host\n");
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });
}
