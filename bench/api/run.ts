// API server and store benchmark (issue: foundation). Starts a real kite server on a free port
// with a fresh data dir and measures, over HTTPS with the admin client certificate:
// create latency with one client, creates/s with 8 concurrent clients, LIST of 3,000 pods,
// the time 100 watchers take to see one event, idle RSS, and time to ready.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const kite = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/kite");

interface Server {
  url: string;
  pid: number;
  agent: Agent;
  readyMs: number;
  stop(): Promise<void>;
  dataDir: string;
}

async function startServer(dataDir: string): Promise<Server> {
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      kite,
      "server",
      "--data-dir",
      dataDir,
      "--https-listen-port",
      "0",
      "--write-kubeconfig",
      kubeconfig,
      "--disable-agent",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stderr! }).on("line", (l) => {
      try {
        const j = JSON.parse(l) as { msg?: string; server?: string };
        if (j.msg === "kite is ready" && j.server) res(j.server);
      } catch {}
    });
    child.once("exit", (c) => rej(new Error(`kite exited ${c}`)));
  });
  const cfg = parse(readFileSync(kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b = (s?: string) => Buffer.from(s ?? "", "base64");
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    ca: b(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(cfg.users[0]!.user["client-certificate-data"]),
    key: b(cfg.users[0]!.user["client-key-data"]),
  });
  // ready = /readyz answers 200
  for (;;) {
    const code = await call({ url, agent } as Server, "GET", "/readyz")
      .then((r) => r.code)
      .catch(() => 0);
    if (code === 200) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  return {
    url,
    pid: child.pid!,
    agent,
    readyMs,
    dataDir,
    stop: () =>
      new Promise((r) => {
        agent.destroy();
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

function call(
  s: Pick<Server, "url" | "agent">,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ code: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(
      `${s.url}${path}`,
      { method, agent: s.agent, headers: { "content-type": "application/json" } },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => res({ code: r.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", rej);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "bench" } },
  spec: { containers: [{ name: "web", image: "nginx:alpine", ports: [{ containerPort: 80 }] }] },
});

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function main() {
  const rows: Array<[string, string, string]> = [];
  const dir = mkdtempSync(join(tmpdir(), "kite-bench-"));
  // Cold start (creates the PKI) then a warm start on the same data dir.
  let s = await startServer(dir);
  const coldReady = s.readyMs;
  await s.stop();
  s = await startServer(dir);
  rows.push([
    "time to ready (warm / first start)",
    `${s.readyMs.toFixed(0)} ms / ${coldReady.toFixed(0)} ms`,
    "≤ 1 s",
  ]);
  await new Promise((r) => setTimeout(r, 1000));
  rows.push(["idle RSS", `${rssMiB(s.pid).toFixed(1)} MiB`, "≤ 80 MiB"]);

  // Create latency, one client.
  const lat: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    const r = await call(s, "POST", "/api/v1/namespaces/default/pods", pod(`one-${i}`));
    if (r.code !== 201) throw new Error(`create failed: ${r.code} ${r.body}`);
    lat.push(performance.now() - t);
  }
  rows.push([
    "create latency, 1 client (p50 / p99)",
    `${pct(lat, 50).toFixed(2)} ms / ${pct(lat, 99).toFixed(2)} ms`,
    "p50 ≤ 2 ms",
  ]);

  // Throughput, 8 concurrent clients.
  const perClient = 500;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const r = await call(s, "POST", "/api/v1/namespaces/default/pods", pod(`many-${c}-${i}`));
        if (r.code !== 201) throw new Error(`create failed: ${r.code}`);
      }
    }),
  );
  const rate = (8 * perClient) / ((performance.now() - t0) / 1000);
  rows.push([
    "creates/s, 8 concurrent clients",
    `${rate.toFixed(0)} /s`,
    "≥ 1,000 /s (etcd: ~580 for 1 client)",
  ]);

  // LIST of 3,000 pods (in a namespace of their own).
  await call(s, "POST", "/api/v1/namespaces", { metadata: { name: "list" } });
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = c; i < 3000; i += 8) await call(s, "POST", "/api/v1/namespaces/list/pods", pod(`l-${i}`));
    }),
  );
  const lists: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const r = await call(s, "GET", "/api/v1/namespaces/list/pods");
    lists.push(performance.now() - t);
    if ((JSON.parse(r.body) as { items: unknown[] }).items.length !== 3000) throw new Error("list size");
  }
  rows.push(["LIST 3,000 pods (median of 10)", `${pct(lists, 50).toFixed(1)} ms`, "≤ 100 ms"]);

  // 100 watchers, one event.
  const rounds = 5;
  const seen: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const rv = (
      JSON.parse((await call(s, "GET", "/api/v1/namespaces/default/pods?limit=1")).body) as {
        metadata: { resourceVersion: string };
      }
    ).metadata.resourceVersion;
    let t = 0;
    const waits: Array<Promise<number>> = [];
    const reqs: Array<ReturnType<typeof request>> = [];
    for (let w = 0; w < 100; w++) {
      waits.push(
        new Promise<number>((res, rej) => {
          const req = request(
            `${s.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`,
            { agent: s.agent },
            (r) => {
              r.once("data", () => res(performance.now() - t));
            },
          );
          req.on("error", (e) => (t ? undefined : rej(e)));
          req.end();
          reqs.push(req);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    t = performance.now();
    await call(s, "POST", "/api/v1/namespaces/default/pods", pod(`watch-${round}`));
    seen.push(...(await Promise.all(waits)));
    for (const r of reqs) r.destroy();
  }
  rows.push([
    "100 watchers see one event (p50 / p99)",
    `${pct(seen, 50).toFixed(1)} ms / ${pct(seen, 99).toFixed(1)} ms`,
    "p99 ≤ 20 ms",
  ]);
  rows.push(["RSS after the run (7,000 pods stored)", `${rssMiB(s.pid).toFixed(1)} MiB`, ""]);

  await s.stop();
  rmSync(dir, { recursive: true, force: true });

  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`| ${"measure".padEnd(w0)} | ${"kite".padEnd(w1)} | aim |`);
  console.log(`| ${"-".repeat(w0)} | ${"-".repeat(w1)} | --- |`);
  for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`);
}

await main();
