// The streaming tests' cluster: a real `kite server` with its embedded agent (the API server
// proxies exec, logs and port-forward to the agent's streaming endpoint, which drives the
// runtime), images from a local registry mirror, and pods made with kubectl as a user makes them.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, kubectlPath } from "../support/kubectl.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";

export interface StreamingCluster {
  kite: KiteServer;
  /** kubectl's environment for this cluster */
  env: NodeJS.ProcessEnv;
  /** creates a pod from a manifest (JSON) and waits until it is Ready */
  runPod(pod: object): Promise<void>;
  stop(): Promise<void>;
}

/** `args`: more `kite server` flags, e.g. node flags a test needs. */
export async function startStreamingCluster(args: string[] = []): Promise<StreamingCluster> {
  let registry: TestRegistry | undefined;
  let kite: KiteServer | undefined;
  try {
    registry = await startTestRegistry();
    kite = await startKite({ agent: { registriesYaml: registry.registriesYaml }, args });
  } catch (err) {
    await registry?.stop();
    throw err;
  }
  const k = kite;
  const reg = registry;
  return {
    kite: k,
    env: { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig },
    async runPod(pod) {
      const created = await kubectl(k, "1.33", ["create", "-f", "-"], { input: JSON.stringify(pod) });
      if (created.code !== 0) throw new Error(created.stderr);
      const name = (pod as { metadata: { name: string } }).metadata.name;
      const wait = await kubectl(
        k,
        "1.33",
        ["wait", "--for=condition=Ready", `pod/${name}`, "--timeout=90s"],
        {
          timeoutMs: 100_000,
        },
      );
      if (wait.code !== 0) throw new Error(wait.stderr);
    },
    async stop() {
      try {
        await k.cleanup();
      } finally {
        await reg.stop();
      }
    },
  };
}

/** Children of `pid` (by /proc/<n>/stat's ppid) with their command names. */
export function childrenOf(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === pid) out.push({ pid: Number(e), comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until nginx in `pod` listens on port 80 (kubectl gives up on a refused first connection). */
export async function waitListening(k: KiteServer, pod: string, container?: string): Promise<void> {
  const c = container ? ["-c", container] : [];
  await eventually(async () => {
    const r = await kubectl(k, "1.33", ["exec", pod, ...c, "--", "cat", "/proc/net/tcp"]);
    return /^\s*\d+: [0-9A-F]+:0050 [0-9A-F]+:0000 0A/m.test(r.stdout);
  }, 30_000);
}

/** Runs a program without blocking this process; collects its output. */
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

export { kubectlPath };
