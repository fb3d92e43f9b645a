// The chapter against a real `kite server` with its embedded agent: the pod from pod.yaml runs
// (1/1 Running), describe shows what the book shows, the pod's IP serves nginx, and delete
// returns once it is gone. Images come from a local registry mirror, as for an air-gapped user.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, kiteBin, startKite } from "../support/kite.js";
import { kubectl, kubectlPath } from "../support/kubectl.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
let registry: TestRegistry;
let k: KiteServer;
before(async () => {
  registry = await startTestRegistry();
  k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
});
after(async () => {
  try {
    await k?.cleanup();
  } finally {
    await registry?.stop();
  }
});

test("the chapter's pod: create, get pods shows 1/1 Running, describe, the pod IP serves nginx, delete", async () => {
  // kubectl's own watch, as a user's `get pods -w`: the pod's first image pull is visible as
  // ContainerCreating, as on a real cluster, before Running
  const watch = spawn(kubectlPath("1.33"), ["get", "pods", "-w", "--no-headers"], {
    env: { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig },
  });
  let seen = "";
  watch.stdout.on("data", (b: Buffer) => {
    seen += b.toString();
  });
  const created = await kubectl(k, "1.33", ["create", "-f", join(examples, "pod.yaml")]);
  assert.equal(created.stdout.trim(), "pod/web-pod created", created.stderr);
  const wait = await kubectl(k, "1.33", ["wait", "--for=condition=Ready", "pod/web-pod", "--timeout=90s"], {
    timeoutMs: 100_000,
  });
  assert.equal(wait.code, 0, wait.stderr);
  await eventually(async () => /web-pod\s+1\/1\s+Running/.test(seen), 10_000);
  watch.kill();
  const phases = seen
    .trim()
    .split("\n")
    .map((l) => l.split(/\s+/)[2]);
  assert.ok(phases.includes("ContainerCreating"), seen);
  assert.ok(phases.indexOf("ContainerCreating") < phases.indexOf("Running"), seen);
  const list = await kubectl(k, "1.33", ["get", "pods"]);
  assert.match(list.stdout, /^web-pod\s+1\/1\s+Running\s+0\s+\d+s$/m);

  const d = (await kubectl(k, "1.33", ["describe", "pod/web-pod"])).stdout;
  for (const re of [
    /^Status:\s+Running$/m,
    /^IP:\s+10\.42\.\d+\.\d+$/m,
    /^\s+Container ID:\s+runc:\/\/[0-9a-f]{64}$/m,
    /^\s+Image:\s+nginx:alpine$/m,
    /^\s+Image ID:\s+docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/m,
    /^\s+Port:\s+80\/TCP$/m,
    /^\s+State:\s+Running$/m,
    /^\s+Ready:\s+True$/m,
    /^\s+Restart Count:\s+0$/m,
    /^\s+Initialized\s+True\s*$/m,
    /^\s+Ready\s+True\s*$/m,
    /^\s+ContainersReady\s+True\s*$/m,
    /^\s+PodScheduled\s+True\s*$/m,
    /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web-pod to \S+/,
    /Normal\s+(Pulled|Pulling)\s+.*kubelet\s+/,
    /Normal\s+Created\s+.*kubelet\s+Created container web/,
    /Normal\s+Started\s+.*kubelet\s+Started container web/,
  ]) {
    assert.match(d, re);
  }

  const ip = /^IP:\s+(\S+)$/m.exec(d)![1]!;
  const page = await fetch(`http://${ip}/`).then((r) => r.text());
  assert.match(page, /<title>Welcome to nginx!<\/title>/);

  const del = await kubectl(k, "1.33", ["delete", "po/web-pod"], { timeoutMs: 60_000 });
  assert.equal(del.stdout.trim(), 'pod "web-pod" deleted', del.stderr);
  const after = await kubectl(k, "1.33", ["get", "pods"]);
  assert.match(after.stderr, /No resources found/);
});

test("pause + main: containers of one pod share the network namespace; exec and logs reach them", async () => {
  const created = await kubectl(k, "1.33", ["create", "-f", join(examples, "pod-pause-demo.yaml")]);
  assert.equal(created.code, 0, created.stderr);
  const wait = await kubectl(k, "1.33", ["wait", "--for=condition=Ready", "pod/web-pod", "--timeout=90s"], {
    timeoutMs: 100_000,
  });
  assert.equal(wait.code, 0, wait.stderr);
  assert.match((await kubectl(k, "1.33", ["get", "pods"])).stdout, /^web-pod\s+2\/2\s+Running\s+0\s/m);

  const page = await kubectl(k, "1.33", [
    "exec",
    "web-pod",
    "-c",
    "main",
    "--",
    "wget",
    "-qO",
    "-",
    "localhost",
  ]);
  assert.equal(page.code, 0, page.stderr);
  assert.match(page.stdout, /<title>Welcome to nginx!<\/title>/);

  const ipMain = await kubectl(k, "1.33", [
    "exec",
    "web-pod",
    "-c",
    "main",
    "--",
    "ip",
    "-4",
    "-o",
    "addr",
    "show",
    "eth0",
  ]);
  assert.equal(ipMain.code, 0, ipMain.stderr);
  const podIP = JSON.parse((await kubectl(k, "1.33", ["get", "pod", "web-pod", "-o", "json"])).stdout).status
    .podIP as string;
  assert.ok(ipMain.stdout.includes(`inet ${podIP}/`), ipMain.stdout);
  const hostWeb = await kubectl(k, "1.33", [
    "exec",
    "web-pod",
    "-c",
    "web",
    "--",
    "cat",
    "/proc/net/fib_trie",
  ]);
  assert.equal(hostWeb.code, 0, hostWeb.stderr);
  assert.ok(hostWeb.stdout.includes(podIP), "the nginx container sees the same address");

  const hostname = await kubectl(k, "1.27", ["exec", "web-pod", "-c", "main", "--", "hostname"]);
  assert.equal(hostname.stdout.trim(), "web-pod", hostname.stderr);
  const exit3 = await kubectl(k, "1.33", ["exec", "web-pod", "-c", "main", "--", "sh", "-c", "exit 3"]);
  assert.equal(exit3.code, 3);

  const logs = await kubectl(k, "1.33", ["logs", "web-pod", "-c", "main"]);
  assert.equal(logs.stdout, "main is up\n", logs.stderr);

  // kite inspect: one network (and IPC, UTS) namespace for the pause process and both
  // containers, a mount namespace of their own for each.
  const { spawnSync } = await import("node:child_process");
  const ins = spawnSync(
    process.execPath,
    [
      kiteBin,
      "inspect",
      "pod",
      "web-pod",
      "--data-dir",
      k.dataDir,
      "--kubeconfig",
      k.kubeconfig,
      "-o",
      "json",
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  assert.equal(ins.status, 0, ins.stderr);
  const view = JSON.parse(ins.stdout) as {
    podIP: string;
    processes: Array<{ role: string; name: string; pid: number; namespaces: Record<string, string> }>;
    network: { hostVeth?: string; bridge?: string };
  };
  assert.equal(view.podIP, podIP);
  assert.deepEqual(view.processes.map((p) => p.name).sort(), ["main", "pause (catatonit -P)", "web"]);
  for (const kind of ["net", "ipc", "uts"]) {
    assert.equal(new Set(view.processes.map((p) => p.namespaces[kind])).size, 1, `one ${kind} namespace`);
  }
  assert.equal(new Set(view.processes.map((p) => p.namespaces.mnt)).size, 3, "separate mount namespaces");
  assert.equal(view.network.bridge, k.node?.bridge);
  assert.match(view.network.hostVeth ?? "", /^veth/);
  const text = spawnSync(
    process.execPath,
    [kiteBin, "inspect", "pod", "web-pod", "--data-dir", k.dataDir, "--kubeconfig", k.kubeconfig],
    {
      encoding: "utf8",
    },
  );
  assert.match(text.stdout, /^Network:\s+eth0 in the pod <-> veth\S+ on the host, on bridge kt/m);

  // sleep as PID 1 ignores SIGTERM, so a real cluster would wait out the 30 s grace too.
  const del = await kubectl(k, "1.33", ["delete", "po/web-pod", "--grace-period=1"], { timeoutMs: 60_000 });
  assert.equal(del.code, 0, del.stderr);
});
