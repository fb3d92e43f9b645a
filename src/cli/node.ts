// The node half of kite, shared by `kite server` (embedded agent) and `kite agent`: the image
// store, the CNI network, the OCI runtime and the agent, built from one NodeConfig.
import { hostname } from "node:os";
import { join } from "node:path";
import { type Agent, startAgent } from "../agent/agent.js";
import { nodeAddresses } from "../agent/node-status.js";
import { startStreamingServer } from "../agent/server/server.js";
import { quantityToBytes } from "../api/quantity.js";
import type { Client } from "../client/client.js";
import { loadRegistriesConfig } from "../image/registries.js";
import { openImageStore } from "../image/store.js";
import { newCniNetwork } from "../network/cni.js";
import { newOciRuntime } from "../runtime/oci/oci-runtime.js";
import { run } from "../util/exec.js";
import type { Logger } from "../util/log.js";
import { requirePrograms, requireWritableDir } from "./preflight.js";

export interface NodeConfig {
  dataDir: string;
  nodeName: string;
  clusterCIDR: string;
  podCIDR: string;
  bridge: string;
  netnsDir: string;
  podLogDir: string;
  cgroupParent: string;
  runtime: "auto" | "runc" | "crun";
  privateRegistry: string;
  kubeletPort: number;
  kubeletVersion: string;
  maxPods: number;
  /** where local-path volumes live on this node (k3s --default-local-storage-path) */
  localStoragePath: string;
  /** rotate a container's log at this size, in bytes (the kubelet's containerLogMaxSize) */
  containerLogMaxSize: number;
  /** log files kept per container, the live one included (containerLogMaxFiles) */
  containerLogMaxFiles: number;
}

/** The node flags, named as k3s and the kubelet name them; both `kite server` and `kite agent` take them. */
export const nodeFlags: Array<[string, string, string]> = [
  ["--node-name <name>", "this node's name", ""],
  ["--cluster-cidr <cidr>", "pod addresses of the whole cluster", "10.42.0.0/16"],
  ["--pod-cidr <cidr>", "this node's pod subnet (default: the first /24 of --cluster-cidr)", ""],
  ["--bridge-name <name>", "the host bridge pods attach to", "kite0"],
  ["--netns-dir <dir>", "where pod network namespaces are pinned", "/run/netns"],
  ["--pod-log-dir <dir>", "root of container logs (the kubelet's /var/log/pods)", "/var/log/pods"],
  ["--cgroup-parent <name>", "parent cgroup of pod cgroups", "kite"],
  [
    "--container-runtime <name>",
    "auto, runc or crun (auto: crun on pure cgroup v2 hosts, runc otherwise)",
    "auto",
  ],
  ["--kubelet-port <port>", "port of the node's streaming endpoint (0 picks a free one)", "10250"],
  ["--max-pods <n>", "pods this node accepts", "110"],
  ["--default-local-storage-path <dir>", "where local-path volumes live (default <data-dir>/storage)", ""],
  ["--container-log-max-size <quantity>", "rotate a container's log when it reaches this size", "10Mi"],
  ["--container-log-max-files <n>", "log files kept per container, the live one included (at least 2)", "5"],
];

/** The kubelet's checks of containerLogMaxSize and containerLogMaxFiles, with its words. */
function containerLogPolicy(size: string, files: string): { maxSize: number; maxFiles: number } {
  let maxSize: number;
  try {
    maxSize = Number(quantityToBytes(size));
  } catch {
    throw new Error(`invalid --container-log-max-size ${JSON.stringify(size)}: not a quantity such as 10Mi`);
  }
  if (maxSize <= 0) throw new Error(`invalid --container-log-max-size ${size}: must be a positive quantity`);
  const maxFiles = Number(files);
  if (!Number.isInteger(maxFiles) || maxFiles <= 1)
    throw new Error(`invalid --container-log-max-files ${files}: must be greater than 1`);
  return { maxSize, maxFiles };
}

export function nodeConfigFrom(
  o: Record<string, unknown>,
  dataDir: string,
  privateRegistry: string,
  kubeletVersion: string,
): NodeConfig {
  const clusterCIDR = String(o.clusterCidr ?? "10.42.0.0/16");
  const base = clusterCIDR.split("/")[0]!.split(".");
  const logPolicy = containerLogPolicy(
    String(o.containerLogMaxSize ?? "10Mi"),
    String(o.containerLogMaxFiles ?? "5"),
  );
  return {
    dataDir,
    nodeName: String(o.nodeName || hostname().toLowerCase()),
    clusterCIDR,
    podCIDR: String(o.podCidr || `${base[0]}.${base[1]}.0.0/24`),
    bridge: String(o.bridgeName ?? "kite0"),
    netnsDir: String(o.netnsDir ?? "/run/netns"),
    podLogDir: String(o.podLogDir ?? "/var/log/pods"),
    cgroupParent: String(o.cgroupParent ?? "kite"),
    runtime: String(o.containerRuntime ?? "auto") as NodeConfig["runtime"],
    privateRegistry,
    kubeletPort: Number(o.kubeletPort ?? 10250),
    kubeletVersion,
    maxPods: Number(o.maxPods ?? 110),
    localStoragePath: String(o.defaultLocalStoragePath || join(dataDir, "storage")),
    containerLogMaxSize: logPolicy.maxSize,
    containerLogMaxFiles: logPolicy.maxFiles,
  };
}

/** The Debian packages the agent execs, checked before anything starts. */
export function nodePreflight(cfg: NodeConfig): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the node agent runs pods and needs root: run kite as root, or start `kite server --disable-agent`",
    );
  }
  requirePrograms([
    { file: cfg.runtime === "crun" ? "crun" : "runc", pkg: cfg.runtime === "crun" ? "crun" : "runc" },
    { file: "conmon", pkg: "conmon" },
    { file: "catatonit", pkg: "catatonit" },
    { file: "/usr/lib/cni/bridge", pkg: "containernetworking-plugins" },
    { file: "iptables", pkg: "iptables" },
    { file: "ip", pkg: "iproute2" },
    { file: "nsenter", pkg: "util-linux" },
  ]);
  requireWritableDir(join(cfg.dataDir, "agent"), "--data-dir");
}

async function runtimeVersion(name: string): Promise<string> {
  try {
    const { stdout } = await run(name, ["--version"]);
    return /version\s+(\S+)/.exec(stdout)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export interface RunningNode {
  agent: Agent;
  stop(): Promise<void>;
}

/**
 * Starts the node: images, network, runtime, the streaming endpoint the API server proxies exec,
 * logs and port-forward to (it trusts only clients `clusterCA` signed), and the agent.
 */
export async function startNode(
  cfg: NodeConfig,
  client: Client,
  clusterCA: string,
  log: Logger,
): Promise<RunningNode> {
  nodePreflight(cfg);
  // The same store `kite images --data-dir` works on, so an imported image is there for pods.
  const images = await openImageStore({
    dataDir: cfg.dataDir,
    registries: await loadRegistriesConfig(cfg.privateRegistry),
  });
  const network = newCniNetwork(
    {
      bridge: cfg.bridge,
      clusterCIDR: cfg.clusterCIDR,
      podCIDR: cfg.podCIDR,
      stateDir: join(cfg.dataDir, "agent", "network"),
      cniBinDir: "/usr/lib/cni",
    },
    log,
  );
  const runtime = newOciRuntime({
    rootDir: join(cfg.dataDir, "agent", "runtime"),
    images,
    network,
    netnsDir: cfg.netnsDir,
    runtime: cfg.runtime,
    cgroupParent: cfg.cgroupParent,
    log,
  });
  const version = await runtimeVersion(runtime.ociRuntime);
  const internalIPs = nodeAddresses(cfg.nodeName)
    .filter((a) => a.type === "InternalIP")
    .map((a) => a.address);
  const streaming = await startStreamingServer({
    runtime,
    clientCA: clusterCA,
    certDir: join(cfg.dataDir, "agent", "tls"),
    port: cfg.kubeletPort,
    sans: { dns: [cfg.nodeName], ips: internalIPs },
    log,
  });
  const agent = startAgent(
    {
      nodeName: cfg.nodeName,
      podCIDR: cfg.podCIDR,
      dataDir: join(cfg.dataDir, "agent"),
      logDir: cfg.podLogDir,
      kubeletVersion: cfg.kubeletVersion,
      containerRuntimeVersion: `${runtime.ociRuntime}://${version}`,
      kubeletPort: streaming.port,
      maxPods: cfg.maxPods,
      localStoragePath: cfg.localStoragePath,
      containerLogs: { maxSize: cfg.containerLogMaxSize, maxFiles: cfg.containerLogMaxFiles },
    },
    { client, runtime, images, network, log },
  );
  return {
    agent,
    async stop() {
      await agent.stop();
      await streaming.close();
      images.close();
    },
  };
}
