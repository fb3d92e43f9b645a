// kubectl exec through kite's API server to the node's streaming server and the runtime.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { BUSYBOX } from "../runtime/helpers.js";
import { kubectl, kubectlPath, kubectlVersions } from "../support/kubectl.js";
import { startCluster } from "./harness.js";

/** Runs a program without blocking this process (the API server under test lives in it). */
export function runAsync(
  file: string,
  args: string[],
  opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env, timeout: opts.timeout ?? 60_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

test("kubectl exec over WebSocket (1.30+) and SPDY (≤1.29): output, exit codes, binary stdin, tty", async (t) => {
  const c = await startCluster(t);
  await c.runPod("web-pod", [{ name: "web", image: BUSYBOX, command: ["sleep", "3600"] }]);
  const env = { PATH: process.env.PATH, HOME: c.kite.home, KUBECONFIG: c.kite.kubeconfig };
  for (const v of kubectlVersions().filter((v) => v !== "1.20")) {
    await t.test(`kubectl ${v}`, async () => {
      const hello = await kubectl(c.kite, v, ["exec", "web-pod", "--", "echo", "hello"]);
      assert.equal(hello.stderr, "");
      assert.equal(hello.stdout, "hello\n");
      assert.equal(hello.code, 0);
      const three = await kubectl(c.kite, v, [
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
        env,
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
        {
          env,
        },
      );
      const out = tty.stdout.toString();
      assert.match(out, /\/dev\/pts\/\d+/, out + tty.stderr.toString());
      assert.match(out, /stdin-is-a-tty\r\n/);
      // kube's messages for bad requests
      const bad = await kubectl(c.kite, v, ["exec", "web-pod", "-c", "nope", "--", "true"]);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stderr,
        /container nope is not valid for pod web-pod|container nope not found in pod web-pod/,
      );
    });
  }
});
