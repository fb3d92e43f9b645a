// Streaming through a real `kite server` with its agent (images from a local registry mirror):
//   exec      `kubectl exec web-pod -- true`, round trip, over RUNS runs (default 50), with kubectl
//             1.33 (WebSocket, v5.channel.k8s.io) and 1.27 (SPDY/3.1), against
//               runc exec         `runc --root <data>/agent/runtime/oci exec <id> true`: the floor
//               podman exec       `podman exec web true` in nginx:alpine under a private podman store
//                                 (bench/support/podman.ts), when Debian's podman is installed
//               kubectl get pod   kubectl's own start plus one API round trip, no streaming
//             interleaved per run so drift on a shared machine hits all alike;
//   logs      `kubectl logs` of a container that wrote 100 MiB to stdout (lines of 100 bytes),
//             three runs, into a pipe (read by Node, and by wc -c) and into /dev/null (kubectl writes each line with its own
//             write(2)), beside a GET of pods/log read in bulk (kite's path without kubectl's) and
//             reading the CRI log file itself.
// Prints Markdown tables. Needs what the e2e tests need (root, runc, conmon, CNI, docker-registry,
// skopeo, kubectl.1.27/1.33 beside kubectl): see README.md.
import { execFile, spawn } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { type KiteServer, startKite } from "../../test/support/kite.js";
import { kubectl, kubectlPath } from "../../test/support/kubectl.js";
import { startTestRegistry } from "../../test/support/registry.js";
import { privatePodman } from "../support/podman.js";

const execFileP = promisify(execFile);
const RUNS = Number(process.env.RUNS ?? 50);
const LOG_BYTES = 100 * 1024 * 1024;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function timed(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const t = performance.now();
  await execFileP(file, args, { env, maxBuffer: 1 << 20 });
  return performance.now() - t;
}

/** Runs a program with its stdout counted and thrown away; resolves to [ms, bytes]. */
function drain(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let bytes = 0;
    child.stdout.on("data", (b: Buffer) => {
      bytes += b.length;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve([performance.now() - t, bytes]) : reject(new Error(`${file} exited ${code}`)),
    );
  });
}

/** `file args | wc -c` through bash: a consumer that reads the pipe in bulk; resolves to [ms, bytes]. */
async function intoWc(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<[number, number]> {
  const t = performance.now();
  const { stdout } = await execFileP("bash", ["-c", 'set -o pipefail; "$@" | wc -c', "bash", file, ...args], {
    env,
  });
  return [performance.now() - t, Number(stdout.trim())];
}

/** Runs a program with its stdout on /dev/null; resolves to [ms, bytes] with the bytes known beforehand. */
function toDevNull(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  bytes: number,
): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve([performance.now() - t, bytes]) : reject(new Error(`${file} exited ${code}`)),
    );
  });
}

/** GET of `path` on the API server with the kubeconfig's client certificate, the body counted in bulk. */
function getBulk(kubeconfig: string, path: string): Promise<[number, number]> {
  const cfg = parse(readFileSync(kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64");
  const url = new URL(path, cfg.clusters[0]!.cluster.server);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request(url, {
      ca: b64(cfg.clusters[0]!.cluster["certificate-authority-data"]),
      cert: b64(cfg.users[0]!.user["client-certificate-data"]),
      key: b64(cfg.users[0]!.user["client-key-data"]),
      agent: false,
    });
    req.on("response", (res) => {
      let bytes = 0;
      res.on("data", (b: Buffer) => {
        bytes += b.length;
      });
      res.on("end", () =>
        res.statusCode === 200
          ? resolve([performance.now() - t, bytes])
          : reject(new Error(`GET ${path}: ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function readAll(path: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    let bytes = 0;
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (b) => {
        bytes += b.length;
      })
      .on("error", reject)
      .on("end", () => resolve([performance.now() - t, bytes]));
  });
}

async function must(k: KiteServer, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await kubectl(k, "1.33", args, { timeoutMs });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const registry = await startTestRegistry();
const work = mkdtempSync(join(tmpdir(), "kite-bench-streaming-"));
const podman = privatePodman(work);
let k: KiteServer | undefined;
try {
  let podmanVersion = "not installed (apt-get install -y podman)";
  if (podman) {
    podmanVersion = (await podman.run(["--version"])).stdout.trim();
    const id = (await podman.run(["pull", "-q", `oci:${registry.images.ociLayout}:nginx`])).stdout.trim();
    // no network: the exec round trip needs none, and podman's bridge is not ours to make
    await podman.run(["run", "-d", "--network", "none", "--name", "web", id]);
  }
  k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
  const env = { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig };
  const pod = (name: string, c: object, restartPolicy = "Always") =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: "main", ...c }] },
    });
  await kubectl(k, "1.33", ["create", "-f", "-"], {
    input: pod("web-pod", { image: "nginx:alpine", ports: [{ containerPort: 80 }] }),
  });
  // 100 MiB of 100-byte lines, then the container ends
  const line = `${"x".repeat(99)}`;
  await kubectl(k, "1.33", ["create", "-f", "-"], {
    input: pod(
      "log-pod",
      { image: "busybox", command: ["sh", "-c", `yes ${line} | head -c ${LOG_BYTES}`] },
      "Never",
    ),
  });
  await must(k, ["wait", "--for=condition=Ready", "pod/web-pod", "--timeout=120s"]);
  await must(
    k,
    ["wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/log-pod", "--timeout=300s"],
    310_000,
  );
  const st = JSON.parse(await must(k, ["get", "pod", "web-pod", "-o", "json"])) as {
    status: { containerStatuses: { containerID: string }[] };
  };
  const id = st.status.containerStatuses[0]!.containerID.replace(/^\w+:\/\//, "");
  const runcRoot = `${k.dataDir}/agent/runtime/oci`;

  const rows: [string, () => Promise<number>][] = [
    [
      "kubectl 1.33 exec (WebSocket)",
      () => timed(kubectlPath("1.33"), ["exec", "web-pod", "--", "true"], env),
    ],
    ["kubectl 1.27 exec (SPDY)", () => timed(kubectlPath("1.27"), ["exec", "web-pod", "--", "true"], env)],
    ["runc exec (floor)", () => timed("/usr/sbin/runc", ["--root", runcRoot, "exec", id, "true"])],
    ...(podman
      ? [
          [
            "podman exec",
            async () => {
              const t = performance.now();
              await podman.run(["exec", "web", "true"]);
              return performance.now() - t;
            },
          ] as [string, () => Promise<number>],
        ]
      : []),
    [
      "kubectl 1.33 get pod (kubectl + API)",
      () => timed(kubectlPath("1.33"), ["get", "pod", "web-pod"], env),
    ],
  ];
  const samples = rows.map(() => [] as number[]);
  for (const [, f] of rows) await f(); // warm up: page cache, kubectl's discovery cache
  for (let i = 0; i < RUNS; i++) for (const [j, [, f]] of rows.entries()) samples[j]!.push(await f());
  const floor = quantile(samples[2]!, 0.5);
  const base = quantile(samples[rows.length - 1]!, 0.5);
  console.log(`### exec round trip, ${RUNS} runs\n`);
  console.log("| | median ms | p90 ms | × runc exec | − (kubectl get + runc exec) ms |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [j, [name]] of rows.entries()) {
    const m = quantile(samples[j]!, 0.5);
    const extra = j < 2 ? (m - base - floor).toFixed(1) : "";
    console.log(
      `| ${name} | ${m.toFixed(1)} | ${quantile(samples[j]!, 0.9).toFixed(1)} | ${(m / floor).toFixed(2)} | ${extra} |`,
    );
  }

  const logPath = (
    JSON.parse(await must(k, ["get", "pod", "log-pod", "-o", "json"])) as { metadata: { uid: string } }
  ).metadata.uid;
  const logFile = `${k.node!.podLogDir}/default_log-pod_${logPath}/main/0.log`;
  const logRows: [string, () => Promise<[number, number]>][] = [
    [
      "kubectl 1.33 logs (into a pipe, read by Node)",
      () => drain(kubectlPath("1.33"), ["logs", "log-pod"], env),
    ],
    ["kubectl 1.33 logs, piped to wc -c", () => intoWc(kubectlPath("1.33"), ["logs", "log-pod"], env)],
    [
      "kubectl 1.33 logs > /dev/null",
      () => toDevNull(kubectlPath("1.33"), ["logs", "log-pod"], env, LOG_BYTES),
    ],
    [
      "GET pods/log read in bulk (no kubectl)",
      () => getBulk(k!.kubeconfig, "/api/v1/namespaces/default/pods/log-pod/log"),
    ],
    ["read the CRI log file (floor)", () => readAll(logFile)],
  ];
  console.log(`\n### logs of a container that wrote 100 MiB, 3 runs (median)\n`);
  console.log("| | MiB out | median s | MiB/s |");
  console.log("|---|---:|---:|---:|");
  for (const [name, f] of logRows) {
    const runs: [number, number][] = [];
    for (let i = 0; i < 3; i++) runs.push(await f());
    const ms = quantile(
      runs.map((r) => r[0]),
      0.5,
    );
    const mib = runs[0]![1] / (1 << 20);
    console.log(
      `| ${name} | ${mib.toFixed(1)} | ${(ms / 1000).toFixed(2)} | ${(mib / (ms / 1000)).toFixed(0)} |`,
    );
  }
  console.log(`\npodman: ${podmanVersion}`);
} finally {
  await podman?.reset();
  rmSync(work, { recursive: true, force: true });
  await k?.cleanup();
  await registry.stop();
}
