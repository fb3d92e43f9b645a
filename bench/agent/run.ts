// Pod start latency through the whole node: `kite server` with its embedded agent, pods created
// over the API and watched until Ready, against `podman kube play` of the same pods. See README.md.
//
//   chapter pod       create -> Ready (watch), one pod after another, each deleted after
//   two containers    the same for nginx + a busybox sidecar
//   burst             PODS pods created at once -> all Running
//   podman            `podman kube play` of the same pods (sequential and burst)
//   many              MANY busybox pods running at once: time to all Running, a container exit ->
//                     restartCount in the status (status kept current), kite's RSS
//
// Env: PODS (default 100), MANY (default 250), PODMAN_RUNS (sequential podman runs, default 30).
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Pod, PodList } from "kubernetes-types/core/v1.js";
import { stringify } from "yaml";
import { openImageStore } from "../../src/image/store.js";
import { newCniNetwork } from "../../src/network/cni.js";
import { newOciRuntime, type OciRuntime } from "../../src/runtime/oci/oci-runtime.js";
import { clientFor, cond, cs } from "../../test/agent/helpers.js";
import { type KiteServer, startKite } from "../../test/support/kite.js";
import { startTestRegistry, type TestRegistry } from "../../test/support/registry.js";
import { privatePodman } from "../support/podman.js";

const PODS = Number(process.env.PODS ?? 100);
const MANY = Number(process.env.MANY ?? 250);
const PODMAN_RUNS = Number(process.env.PODMAN_RUNS ?? 30);
const NS = "default";
const LABEL = "bench=agent";

const work = fs.mkdtempSync(path.join(tmpdir(), "kite-bench-agent-"));
const cleanups: (() => Promise<void>)[] = [];
const rows: string[][] = [];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

const ms = (x: number) => x.toFixed(1);
const sleeper = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

/** The chapter's pod (nginx:alpine, port 80), optionally with a busybox sidecar. */
function benchPod(name: string, sidecar: boolean, qualified = false): Pod {
  const img = (s: string) => (qualified ? `docker.io/library/${s}` : s);
  const containers: NonNullable<Pod["spec"]>["containers"] = [
    // podman kube play publishes a containerPort on the host, so its pods go without one.
    { name: "web", image: img("nginx:alpine"), ...(qualified ? {} : { ports: [{ containerPort: 80 }] }) },
  ];
  if (sidecar)
    containers.push({
      name: "sidecar",
      image: img("busybox:latest"),
      imagePullPolicy: "IfNotPresent",
      command: sleeper,
    });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "agent" } },
    spec: { terminationGracePeriodSeconds: 1, containers },
  };
}

function busyboxPod(name: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "agent" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: "main", image: "busybox:latest", imagePullPolicy: "IfNotPresent", command: sleeper },
      ],
    },
  };
}

/** What a timeout reports: the pods by phase, and the first few that are not Ready with why. */
function summary(latest: Map<string, Pod>): string {
  const phases = new Map<string, number>();
  const behind: string[] = [];
  for (const [name, p] of latest) {
    const phase = p.status?.phase ?? "None";
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    if (!isReady(p) && behind.length < 10) {
      const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
      behind.push(
        `${name} (${[phase, waiting, p.metadata?.deletionTimestamp ? "Terminating" : ""].filter(Boolean).join(", ")})`,
      );
    }
  }
  const counts = [...phases].map(([k, v]) => `${k}: ${v}`).join(", ");
  return `${latest.size} pods (${counts}); not Ready: ${behind.join(" ") || "none"}`;
}

/** One watch over the benchmark's pods; waiters resolve on the first event that satisfies them. */
function podWatch(k: KiteServer) {
  const client = clientFor(k);
  const latest = new Map<string, Pod>();
  const waiters = new Set<{ ok: () => boolean; resolve: () => void }>();
  let stream: { stop(): void } | undefined;
  const check = () => {
    for (const w of waiters)
      if (w.ok()) {
        waiters.delete(w);
        w.resolve();
      }
  };
  return {
    client,
    latest,
    async start() {
      const list = await client.request<PodList>(
        "GET",
        `/api/v1/namespaces/${NS}/pods?labelSelector=${LABEL}`,
      );
      stream = client.watch<Pod>(
        `/api/v1/namespaces/${NS}/pods?watch=1&labelSelector=${LABEL}&resourceVersion=${list.metadata?.resourceVersion}`,
        (ev) => {
          const name = ev.object.metadata?.name ?? "";
          if (ev.type === "DELETED") latest.delete(name);
          else if (ev.type === "ADDED" || ev.type === "MODIFIED") latest.set(name, ev.object);
          check();
        },
      );
    },
    until(ok: () => boolean, timeoutMs = 120_000): Promise<void> {
      if (ok()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { ok, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w)) reject(new Error(`timed out waiting for pods; ${summary(latest)}`));
        }, timeoutMs).unref();
      });
    },
    create: (p: Pod) => client.request("POST", `/api/v1/namespaces/${NS}/pods`, p),
    delete: (name: string) =>
      client.request("DELETE", `/api/v1/namespaces/${NS}/pods/${name}`, { gracePeriodSeconds: 1 }),
    stop() {
      stream?.stop();
      client.close();
    },
  };
}
type Watch = ReturnType<typeof podWatch>;

const isReady = (p: Pod | undefined) => p !== undefined && cond(p, "Ready") === "True";
const isRunning = (p: Pod | undefined) => p?.status?.phase === "Running";

async function deleteAll(w: Watch, names: string[]) {
  await Promise.all(names.map((n) => w.delete(n)));
  await w.until(() => names.every((n) => !w.latest.has(n)), 300_000);
}

/** create -> Ready through the watch, one pod after another, each deleted (untimed) after. */
async function sequential(w: Watch, prefix: string, make: (name: string) => Pod): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PODS; i++) {
    const name = `${prefix}-${i}`;
    const t0 = performance.now();
    await w.create(make(name));
    await w.until(() => isReady(w.latest.get(name)));
    out.push(performance.now() - t0);
    await deleteAll(w, [name]);
  }
  return out;
}

async function burst(w: Watch, prefix: string, n: number, make: (name: string) => Pod) {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const t0 = performance.now();
  await Promise.all(names.map((name) => w.create(make(name))));
  await w.until(() => names.every((name) => isRunning(w.latest.get(name))), 300_000);
  const running = performance.now() - t0;
  await w.until(() => names.every((name) => isReady(w.latest.get(name))), 300_000);
  return { names, running, ready: performance.now() - t0 };
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

/** A container's exit among MANY pods: SIGTERM its PID 1, time until the watch shows restartCount 1. */
async function exitToStatus(rt: OciRuntime, w: Watch, name: string): Promise<number> {
  const id = (cs(w.latest.get(name) as Pod, "main")?.containerID ?? "").replace(/^\w+:\/\//, "");
  const { pid } = await rt.containerStatus(id);
  if (!pid) throw new Error(`${name}: no pid`);
  const t0 = performance.now();
  process.kill(pid, "SIGTERM");
  await w.until(() => (cs(w.latest.get(name) as Pod, "main")?.restartCount ?? 0) >= 1, 60_000);
  return performance.now() - t0;
}

/** A second view of kite's runtime state (the oci runtime keeps none in memory). */
async function runtimeOf(k: KiteServer): Promise<OciRuntime> {
  const node = k.node as NonNullable<KiteServer["node"]>;
  const images = await openImageStore({ dataDir: k.dataDir });
  cleanups.push(async () => images.close());
  return newOciRuntime({
    rootDir: path.join(k.dataDir, "agent", "runtime"),
    images,
    network: newCniNetwork({
      bridge: node.bridge,
      clusterCIDR: node.clusterCIDR,
      podCIDR: node.podCIDR,
      stateDir: path.join(k.dataDir, "agent", "network"),
      cniBinDir: "/usr/lib/cni",
    }),
    netnsDir: node.netnsDir,
    cgroupParent: node.cgroupParent,
  });
}

async function podmanSetup(registry: TestRegistry) {
  const pm = privatePodman(work);
  if (!pm) return undefined;
  const podman = pm.run;
  const version = (await podman(["--version"])).stdout.trim();
  for (const [tag, ref] of [
    ["nginx", "docker.io/library/nginx:alpine"],
    ["busybox", "docker.io/library/busybox:latest"],
  ] as const) {
    const id = (await podman(["pull", "-q", `oci:${registry.images.ociLayout}:${tag}`])).stdout.trim();
    await podman(["tag", id, ref]);
  }
  cleanups.push(() => pm.reset());
  const play = async (pods: Pod[]) => {
    const file = path.join(work, "play.yaml");
    fs.writeFileSync(file, pods.map((p) => stringify(p)).join("---\n"));
    const t0 = performance.now();
    await podman(["kube", "play", file]);
    return performance.now() - t0;
  };
  const rmAll = () => podman(["pod", "rm", "-a", "-f", "-t", "0"]);
  return { version, play, rmAll };
}

async function main() {
  const registry = await startTestRegistry();
  cleanups.push(() => registry.stop());
  const k = await startKite({
    agent: { registriesYaml: registry.registriesYaml },
    args: ["--max-pods", String(MANY + 10)],
  });
  cleanups.push(() => k.cleanup());
  const w = podWatch(k);
  cleanups.push(async () => w.stop());
  await w.start();
  // Warm-up: pull both images (the benchmark measures with images present), and a first pod.
  await w.create(benchPod("warm", true));
  await w.until(() => isReady(w.latest.get("warm")), 180_000);
  await deleteAll(w, ["warm"]);
  const idleRss = rssKiB(k.pid);

  const chapter = await sequential(w, "chapter", (n) => benchPod(n, false));
  const two = await sequential(w, "two", (n) => benchPod(n, true));
  const b = await burst(w, "burst", PODS, (n) => benchPod(n, false));
  await deleteAll(w, b.names);

  const pm = await podmanSetup(registry).catch((err) => {
    console.error(String(err));
    return undefined;
  });
  const pmChapter: number[] = [];
  const pmTwo: number[] = [];
  let pmBurst: number | undefined;
  if (pm) {
    for (let i = 0; i < PODMAN_RUNS; i++) {
      pmChapter.push(await pm.play([benchPod(`pm-chapter-${i}`, false, true)]));
      await pm.rmAll();
      pmTwo.push(await pm.play([benchPod(`pm-two-${i}`, true, true)]));
      await pm.rmAll();
    }
    pmBurst = await pm.play(Array.from({ length: PODS }, (_, i) => benchPod(`pm-burst-${i}`, false, true)));
    await pm.rmAll();
  }

  const rt = await runtimeOf(k);
  const m = await burst(w, "many", MANY, busyboxPod);
  // Status kept current with MANY pods: a few container exits, each timed to the watch.
  const exits: number[] = [];
  for (const i of [0, Math.floor(MANY / 3), Math.floor((2 * MANY) / 3), MANY - 1])
    exits.push(await exitToStatus(rt, w, `many-${i}`));
  await new Promise((r) => setTimeout(r, 5000));
  const manyRss = rssKiB(k.pid);
  const stale = m.names.filter((n) => !isReady(w.latest.get(n))).length;
  await deleteAll(w, m.names);

  const pmRow = (xs: number[]) =>
    xs.length ? [ms(quantile(xs, 0.5)), ms(quantile(xs, 0.99))] : ["n/a", "n/a"];
  const ratio = (a: number[], k2: number[]) =>
    a.length && k2.length ? `${(quantile(a, 0.5) / quantile(k2, 0.5)).toFixed(1)}×` : "n/a";
  rows.push([
    "chapter pod, create -> Ready",
    String(PODS),
    ms(quantile(chapter, 0.5)),
    ms(quantile(chapter, 0.99)),
  ]);
  rows.push([`podman kube play, chapter pod`, String(pmChapter.length), ...pmRow(pmChapter)]);
  rows.push([
    "two-container pod, create -> Ready",
    String(PODS),
    ms(quantile(two, 0.5)),
    ms(quantile(two, 0.99)),
  ]);
  rows.push([`podman kube play, two-container pod`, String(pmTwo.length), ...pmRow(pmTwo)]);
  rows.push([
    `burst of ${PODS} chapter pods -> all Running`,
    "1",
    ms(b.running),
    `(all Ready ${ms(b.ready)})`,
  ]);
  rows.push([
    `podman kube play, ${PODS} pods in one file`,
    pm ? "1" : "0",
    pmBurst ? ms(pmBurst) : "n/a",
    "",
  ]);
  rows.push([
    `${MANY} busybox pods at once -> all Running`,
    "1",
    ms(m.running),
    `(all Ready ${ms(m.ready)})`,
  ]);
  rows.push([
    `with ${MANY} running: container exit -> restartCount in status`,
    String(exits.length),
    ms(quantile(exits, 0.5)),
    ms(Math.max(...exits)),
  ]);
  console.log("| | n | p50 / total (ms) | p99 (ms) |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log(
    `\npodman ÷ kite (p50): chapter ${ratio(pmChapter, chapter)}, two-container ${ratio(pmTwo, two)}, burst ${pmBurst ? `${(pmBurst / b.running).toFixed(1)}×` : "n/a"}`,
  );
  console.log(
    `kite RSS: idle ${(idleRss / 1024).toFixed(0)} MiB, with ${MANY} pods ${(manyRss / 1024).toFixed(0)} MiB; pods not Ready after the exits settled: ${stale}`,
  );
  console.log(`podman: ${pm?.version ?? "not installed (apt-get install -y podman)"}`);
}

try {
  await main();
} finally {
  for (const c of cleanups.reverse()) await c().catch((err) => console.error("cleanup:", err));
  fs.rmSync(work, { recursive: true, force: true });
}
