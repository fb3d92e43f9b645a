// kubectl attach through a real `kite server` and its agent, to a container's own stdio as conmon
// holds it: SPDY (kubectl 1.27) and WebSocket (1.33), stdin with stdinOnce, stdout and stderr of a
// running container, a TTY shell, and a client that goes away without stopping the container.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { kubectl } from "../support/kubectl.js";
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
});
after(async () => {
  await c?.stop();
});

const phase = async (pod: string) =>
  (await kubectl(c.kite, "1.33", ["get", "pod", pod, "-o", "jsonpath={.status.phase}"])).stdout;

/** The agent's attach relays (python3 attach.py), children of the kite server. */
const attachHelpers = () => childrenOf(c.kite.pid).filter((p) => p.comm.startsWith("python3"));

for (const v of ["1.27", "1.33"]) {
  test(`kubectl ${v} attach -i: stdin reaches a stdinOnce container, its end closes the container's stdin, kubectl exits 0`, async () => {
    const pod = `cat-${v.replace(".", "-")}`;
    await c.runPod({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: pod },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "cat", image: "busybox", command: ["cat"], stdin: true, stdinOnce: true }],
      },
    });
    const r = await runAsync(kubectlPath(v), ["attach", "-i", pod], {
      input: `hello from kubectl ${v}\nsecond line\n`,
      env: c.env,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.toString(), `hello from kubectl ${v}\nsecond line\n`);
    // cat saw its stdin end: the container exits 0 and the pod is done
    await eventually(async () => (await phase(pod)) === "Succeeded", 20_000);
  });
}

test("kubectl attach streams a running container's stdout and stderr; killing kubectl detaches and the container goes on", async () => {
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "talker" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "talker",
          image: "busybox",
          command: [
            "sh",
            "-c",
            'i=0; while true; do i=$((i+1)); echo "out $i"; echo "err $i" >&2; sleep 0.1; done',
          ],
        },
      ],
    },
  });
  const client = spawn(kubectlPath("1.33"), ["attach", "talker"], { env: c.env });
  let out = "";
  let err = "";
  client.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  client.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  // output written from now on, in order, each stream on its own side
  await eventually(
    async () => /out \d+\n.*out \d+\n/s.test(out) && /err \d+\n.*err \d+\n/s.test(err),
    20_000,
  );
  const nums = (s: string, w: string) =>
    [...s.matchAll(new RegExp(`${w} (\\d+)\\n`, "g"))].map((m) => Number(m[1]));
  const o = nums(out, "out");
  assert.deepEqual(
    o,
    o.map((_, i) => o[0]! + i),
  );
  assert.ok(!out.includes("err "), "stderr stays on stderr");
  assert.equal(attachHelpers().length, 1);
  client.kill("SIGKILL");
  await eventually(async () => attachHelpers().length === 0, 10_000);
  const status = JSON.parse(
    (await kubectl(c.kite, "1.33", ["get", "pod", "talker", "-o", "json"])).stdout,
  ) as {
    status: { phase: string; containerStatuses: { restartCount: number; state: { running?: object } }[] };
  };
  assert.equal(status.status.phase, "Running");
  assert.equal(status.status.containerStatuses[0]!.restartCount, 0);
  assert.ok(status.status.containerStatuses[0]!.state.running);
  // and it still talks: a second attach sees newer lines
  const again = spawn(kubectlPath("1.27"), ["attach", "talker"], { env: c.env });
  let out2 = "";
  again.stdout.on("data", (b: Buffer) => {
    out2 += b.toString();
  });
  await eventually(async () => /out (\d+)\n/.test(out2), 20_000);
  assert.ok(nums(out2, "out")[0]! > o.at(-1)!);
  again.kill("SIGKILL");
  await eventually(async () => attachHelpers().length === 0, 10_000);
});

test("kubectl attach -it to a tty shell: the prompt hint, echo and output; exit ends the container", async () => {
  await c.runPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "tty-sh" },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "sh", image: "busybox", command: ["sh"], stdin: true, tty: true }],
    },
  });
  // script(1) gives kubectl a terminal; what we write goes to that terminal as typed keys
  const client = spawn("script", ["-qec", `${kubectlPath("1.33")} attach -it tty-sh`, "/dev/null"], {
    env: c.env,
  });
  let screen = "";
  client.stdout.on("data", (b: Buffer) => {
    screen += b.toString();
  });
  const exited = new Promise<number | null>((r) => client.on("close", r));
  await eventually(async () => screen.includes("If you don't see a command prompt, try pressing enter."));
  client.stdin.write("echo ab''cd\r");
  // the terminal echoes what was typed, then the shell's output and its next prompt
  await eventually(async () => /echo ab''cd\r\n(?:\S*\r\n)*abcd\r\n\/ # /.test(screen), 20_000);
  client.stdin.write("exit\r");
  assert.equal(await exited, 0, screen);
  await eventually(async () => (await phase("tty-sh")) === "Succeeded", 20_000);
});

test("kubectl attach to a container that is not running: kube's message", async () => {
  await c
    .runPod({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "short" },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "short", image: "busybox", command: ["sleep", "2"] }],
      },
    })
    .catch(() => {});
  await eventually(async () => (await phase("short")) === "Succeeded", 20_000);
  const r = await kubectl(c.kite, "1.33", ["attach", "short"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/);
});

test("kubectl run -i --rm: the pod is created, attached to with stdin, and deleted once it ends", async () => {
  const r = await runAsync(
    kubectlPath("1.33"),
    [
      "run",
      "one-off",
      "-i",
      "--rm",
      "--restart=Never",
      "--image=busybox",
      "--",
      "sh",
      "-c",
      'read x; echo "got $x"',
    ],
    { input: "hello\n", env: c.env, timeout: 90_000 },
  );
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(r.stdout.toString(), /got hello\n/);
  assert.match(r.stdout.toString(), /pod "one-off" deleted/);
  await eventually(
    async () => (await kubectl(c.kite, "1.33", ["get", "pod", "one-off"])).stderr.includes("NotFound"),
    30_000,
  );
});

test("kubectl run -it --rm in a terminal: a shell, then exit removes the pod", async () => {
  const client = spawn(
    "script",
    ["-qec", `${kubectlPath("1.33")} run shell -it --rm --restart=Never --image=busybox -- sh`, "/dev/null"],
    { env: c.env },
  );
  let screen = "";
  client.stdout.on("data", (b: Buffer) => {
    screen += b.toString();
  });
  const exited = new Promise<number | null>((r) => client.on("close", r));
  await eventually(
    async () => screen.includes("If you don't see a command prompt, try pressing enter."),
    60_000,
  );
  client.stdin.write("echo in-the-pod-$((6*7))\r");
  await eventually(async () => screen.includes("in-the-pod-42"), 20_000);
  client.stdin.write("exit\r");
  assert.equal(await exited, 0, screen);
  assert.match(screen, /pod "shell" deleted/);
});
