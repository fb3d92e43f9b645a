// Starts a real `kite server` (the built CLI) on a free port with its own data dir, for
// end-to-end tests; several can run side by side.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const kiteBin = join(repo, "bin", "kite");

export interface KiteServer {
  /** set when the server runs its agent */
  node?: TestNodeSettings;
  dataDir: string;
  kubeconfig: string;
  server: string;
  port: number;
  pid: number;
  /** a temporary HOME for kubectl, so its discovery cache belongs to this server */
  home: string;
  /** log lines seen so far (JSON) */
  logs: string[];
  stop(): Promise<void>;
  /** SIGKILL, as a crash */
  kill(): Promise<void>;
  /** start again on the same data dir and port */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  port?: number;
  /**
   * Run the embedded agent, with node settings of its own (bridge, pod CIDR, netns dir, cgroup
   * parent, log dir) so tests can run side by side; images come through `registriesYaml`.
   */
  agent?: {
    registriesYaml: string /** pins some node settings (e.g. the pod CIDR, for docs) */;
    node?: Partial<TestNodeSettings>;
  };
}

/** The node settings a test kite with an agent uses; cleanup() removes what they create. */
export interface TestNodeSettings {
  bridge: string;
  clusterCIDR: string;
  podCIDR: string;
  netnsDir: string;
  podLogDir: string;
  cgroupParent: string;
}

function testNodeSettings(dataDir: string): TestNodeSettings {
  const id = randomBytes(3).toString("hex");
  return {
    bridge: `kt${id}`,
    clusterCIDR: "10.42.0.0/16",
    podCIDR: `10.42.${100 + randomInt(150)}.0/24`,
    netnsDir: join(dataDir, "netns"),
    podLogDir: join(dataDir, "pod-logs"),
    cgroupParent: `kite-e2e-${id}`,
  };
}

function nodeArgs(n: TestNodeSettings, registriesYaml: string): string[] {
  return [
    "--bridge-name",
    n.bridge,
    "--cluster-cidr",
    n.clusterCIDR,
    "--pod-cidr",
    n.podCIDR,
    "--netns-dir",
    n.netnsDir,
    "--pod-log-dir",
    n.podLogDir,
    "--cgroup-parent",
    n.cgroupParent,
    "--kubelet-port",
    "0",
    "--private-registry",
    registriesYaml,
  ];
}

function launch(
  dataDir: string,
  kubeconfig: string,
  port: number,
  args: string[],
  logs: string[],
  agent: boolean,
) {
  const child = spawn(
    process.execPath,
    [
      kiteBin,
      "server",
      "--data-dir",
      dataDir,
      "--https-listen-port",
      String(port),
      "--write-kubeconfig",
      kubeconfig,
      ...(agent ? [] : ["--disable-agent"]),
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const ready = new Promise<{ server: string }>((resolveReady, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on("line", (line) => {
      logs.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; server?: string };
        if (rec.msg === "kite is ready" && rec.server) resolveReady({ server: rec.server });
      } catch {
        // not JSON: an error message before the logger started
      }
    });
    child.once("exit", (code, sig) =>
      reject(new Error(`kite server exited (${code ?? sig}): ${logs.join("\n")}`)),
    );
  });
  return { child, ready };
}

export async function startKite(opts: StartOptions = {}): Promise<KiteServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "kite-e2e-"));
  const home = mkdtempSync(join(tmpdir(), "kite-home-"));
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  const logs: string[] = [];
  let port = opts.port ?? 0;
  let proc: ChildProcess;
  const node = opts.agent ? { ...testNodeSettings(dataDir), ...opts.agent.node } : undefined;
  const args = [
    ...(opts.args ?? []),
    ...(node && opts.agent ? nodeArgs(node, opts.agent.registriesYaml) : []),
  ];
  const start = async () => {
    const { child, ready } = launch(dataDir, kubeconfig, port, args, logs, node !== undefined);
    proc = child;
    const { server } = await ready;
    port = Number(new URL(server).port);
    return server;
  };
  const waitExit = (p: ChildProcess) =>
    new Promise<void>((r) => {
      if (p.exitCode !== null || p.signalCode !== null) r();
      else p.once("exit", () => r());
    });
  let server: string;
  try {
    server = await start();
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const k: KiteServer = {
    node,
    dataDir,
    kubeconfig,
    server,
    port,
    home,
    logs,
    get pid() {
      return proc.pid!;
    },
    async stop() {
      proc.kill("SIGTERM");
      await waitExit(proc);
    },
    async kill() {
      proc.kill("SIGKILL");
      await waitExit(proc);
    },
    async restart() {
      await start();
    },
    async cleanup() {
      if (node && proc.exitCode === null && proc.signalCode === null) await removeAllPods(k);
      if (proc.exitCode === null && proc.signalCode === null) await k.stop();
      if (node) await removeNodeLeftovers(k.dataDir, node);
      rmSync(home, { recursive: true, force: true });
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return k;
}

/** Deletes every pod through the API and waits until the agent has finished them all. */
async function removeAllPods(k: KiteServer): Promise<void> {
  const { kubectl } = await import("./kubectl.js");
  await kubectl(
    k,
    "1.33",
    ["delete", "pods", "--all", "--all-namespaces", "--grace-period=1", "--wait=true", "--timeout=60s"],
    {
      timeoutMs: 90_000,
    },
  );
}

/** Anything the node left on the host: sandboxes the API no longer knew, the bridge, cgroups, netns. */
async function removeNodeLeftovers(dataDir: string, n: TestNodeSettings): Promise<void> {
  const { openImageStore } = await import("../../src/image/store.js");
  const { newOciRuntime } = await import("../../src/runtime/oci/oci-runtime.js");
  const { newCniNetwork, removeNetwork } = await import("../../src/network/cni.js");
  const netCfg = {
    bridge: n.bridge,
    clusterCIDR: n.clusterCIDR,
    podCIDR: n.podCIDR,
    stateDir: join(dataDir, "agent", "network"),
    cniBinDir: "/usr/lib/cni",
  };
  const images = await openImageStore({ dataDir });
  const runtime = newOciRuntime({
    rootDir: join(dataDir, "agent", "runtime"),
    images,
    network: newCniNetwork(netCfg),
    netnsDir: n.netnsDir,
    cgroupParent: n.cgroupParent,
  });
  for (const s of await runtime.listPodSandbox().catch(() => [])) {
    await runtime.stopPodSandbox(s.id).catch(() => {});
    await runtime.removePodSandbox(s.id).catch(() => {});
  }
  images.close();
  await removeNetwork(netCfg);
  // The netns dir was made its own shared mount (as `ip netns` does): let it go before removal.
  const { run } = await import("../../src/util/exec.js");
  const mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  if (mountinfo.split("\n").some((l) => l.split(" ")[4] === n.netnsDir)) {
    await run("umount", ["--lazy", n.netnsDir]).catch(() => {});
  }
  removeCgroupParent(n.cgroupParent);
}

/** Removes a test's parent cgroup from every hierarchy (v1 controllers and the v2 tree). */
export function removeCgroupParent(parent: string): void {
  removeCgroupTree(join("/sys/fs/cgroup", parent));
  for (const controller of readdirSync("/sys/fs/cgroup"))
    removeCgroupTree(join("/sys/fs/cgroup", controller, parent));
}

/** cgroupfs directories go with rmdir, children first. */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still has a process in it; nothing more a test can do
  }
}
