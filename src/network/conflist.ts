// The pure half of the CNI backend: the network configuration list kite hands to the plugins, the
// per-plugin stdin a runtime derives from it (CNI spec 1.0 "Section 4: Plugin Delegation" and
// libcni's runtimeConfig injection), CNI_ARGS as the kubelet sends them, and the pod status read
// back from a result.
import { createHash } from "node:crypto";
import type { NetworkConfig, PodNetworkRequest, PodNetworkStatus, PortMapping } from "./plugin.js";

export const cniVersion = "1.0.0";

export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIPConfig {
  interface?: number;
  address: string;
  gateway?: string;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIPConfig[];
  routes?: { dst: string; gw?: string }[];
  dns?: Record<string, unknown>;
}

// The kubelet, CRI-O and containerd all bring up "lo" through a network of its own, before the pod
// network, so a failure of the pod network never leaves the pod without loopback.
export const loopbackNetwork: CniNetworkList = {
  cniVersion,
  name: "cni-loopback",
  plugins: [{ type: "loopback" }],
};

export function defaultNetworkConfig(stateDir: string): NetworkConfig {
  return {
    bridge: "kite0",
    clusterCIDR: "10.42.0.0/16",
    podCIDR: "10.42.0.0/24",
    stateDir,
    cniBinDir: "/usr/lib/cni",
  };
}

export interface IPv4Net {
  addr: number;
  prefix: number;
}

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseCIDR(s: string): IPv4Net | undefined {
  const [a, p, extra] = s.split("/");
  if (a === undefined || p === undefined || extra !== undefined || !/^\d{1,2}$/.test(p)) return undefined;
  const addr = parseIPv4(a);
  const prefix = Number(p);
  if (addr === undefined || prefix > 32) return undefined;
  return { addr, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrContains(outer: IPv4Net, inner: IPv4Net): boolean {
  return inner.prefix >= outer.prefix && (inner.addr & mask(outer.prefix)) >>> 0 === outer.addr;
}

/** Problems with a network config, as messages; empty when it is usable. */
export function validateNetworkConfig(cfg: NetworkConfig): string[] {
  const errs: string[] = [];
  // IFNAMSIZ is 16 with the NUL; the kernel refuses longer names.
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(cfg.bridge))
    errs.push(`invalid bridge name ${JSON.stringify(cfg.bridge)}`);
  const cluster = parseCIDR(cfg.clusterCIDR);
  const pod = parseCIDR(cfg.podCIDR);
  if (!cluster || (cluster.addr & mask(cluster.prefix)) >>> 0 !== cluster.addr) {
    errs.push(`invalid cluster CIDR ${JSON.stringify(cfg.clusterCIDR)}`);
  }
  if (!pod || (pod.addr & mask(pod.prefix)) >>> 0 !== pod.addr || pod.prefix > 30) {
    errs.push(`invalid pod CIDR ${JSON.stringify(cfg.podCIDR)}`);
  }
  if (cluster && pod && !cidrContains(cluster, pod)) {
    errs.push(`pod CIDR ${cfg.podCIDR} is not inside the cluster CIDR ${cfg.clusterCIDR}`);
  }
  if (cfg.mtu !== undefined && !(Number.isInteger(cfg.mtu) && cfg.mtu >= 576 && cfg.mtu <= 65535)) {
    errs.push(`invalid MTU ${cfg.mtu}`);
  }
  return errs;
}

/**
 * The pod network as a CNI network configuration list: bridge (host-local IPAM), then portmap.
 * The network is named after its bridge: host-local keeps allocations under <dataDir>/<name>/ and
 * the plugins tag their iptables rules with it, so two kite networks on one host (tests, or a
 * second instance) never collect each other's rules.
 */
export function buildNetworkList(cfg: NetworkConfig, ipamDataDir: string): CniNetworkList {
  const bridge: CniPluginConf = {
    type: "bridge",
    bridge: cfg.bridge,
    isGateway: true,
    // Egress masquerading is kite's one rule set per network (masquerade.ts), not bridge's per-pod
    // chains: those cost ~11 ms per ADD and ~40 ms per DEL, exempt only the podCIDR, and leak when
    // DEL runs after the netns is gone.
    ipMasq: false,
    hairpinMode: true,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet: cfg.podCIDR }]],
      routes: [{ dst: "0.0.0.0/0" }],
      dataDir: ipamDataDir,
    },
  };
  if (cfg.mtu !== undefined) bridge.mtu = cfg.mtu;
  return {
    cniVersion,
    name: cfg.bridge,
    plugins: [bridge, { type: "portmap", capabilities: { portMappings: true }, snat: true }],
  };
}

/** What the runtime passes for the plugins' declared capabilities (libcni's RuntimeConf.CapabilityArgs). */
export interface CapabilityArgs {
  portMappings?: CniPortMapping[];
}

export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP?: string;
}

// As the kubelet's network plugin and containerd do: lower-case protocols, no hostIP when unset, and
// mappings without a host port dropped (containerPort alone publishes nothing).
export function toCniPortMappings(ports: readonly PortMapping[] | undefined): CniPortMapping[] {
  const out: CniPortMapping[] = [];
  for (const p of ports ?? []) {
    if (!p.hostPort) continue;
    const m: CniPortMapping = {
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol.toLowerCase(),
    };
    if (p.hostIP) m.hostIP = p.hostIP;
    out.push(m);
  }
  return out;
}

/**
 * One plugin's stdin: the list's name and cniVersion, the previous plugin's result, and
 * `runtimeConfig` holding only the capabilities the plugin declares (libcni's injectRuntimeConfig).
 */
export function pluginStdin(
  list: CniNetworkList,
  plugin: CniPluginConf,
  prevResult: CniResult | undefined,
  caps: CapabilityArgs,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    const v = (caps as Record<string, unknown>)[cap];
    if (on && v !== undefined) runtimeConfig[cap] = v;
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  if (prevResult) conf.prevResult = prevResult;
  return conf;
}

/** CNI_ARGS exactly as the kubelet sends it; IgnoreUnknown because host-local rejects unknown keys. */
export function cniArgs(req: Pick<PodNetworkRequest, "namespace" | "name" | "uid" | "sandboxId">): string {
  const pairs: [string, string][] = [
    ["IgnoreUnknown", "1"],
    ["K8S_POD_NAMESPACE", req.namespace],
    ["K8S_POD_NAME", req.name],
    ["K8S_POD_INFRA_CONTAINER_ID", req.sandboxId],
    ["K8S_POD_UID", req.uid],
  ];
  for (const [k, v] of pairs) {
    if (/[;=\0]/.test(v)) throw new Error(`invalid CNI_ARGS value for ${k}: ${JSON.stringify(v)}`);
  }
  return pairs.map(([k, v]) => `${k}=${v}`).join(";");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Check the shape of a plugin's ADD output (what kite reads of it) and return it typed. */
export function parseResult(v: unknown): CniResult {
  if (!isObject(v) || typeof v.cniVersion !== "string") throw new Error("CNI result without cniVersion");
  if (v.interfaces !== undefined) {
    if (
      !Array.isArray(v.interfaces) ||
      !v.interfaces.every((i) => isObject(i) && typeof i.name === "string")
    ) {
      throw new Error("CNI result has malformed interfaces");
    }
  }
  if (v.ips !== undefined) {
    if (!Array.isArray(v.ips) || !v.ips.every((i) => isObject(i) && typeof i.address === "string")) {
      throw new Error("CNI result has malformed ips");
    }
  }
  return v as unknown as CniResult;
}

/** The pod's IPv4 address, gateway and host veth from the final result of the pod network. */
export function statusFromResult(result: CniResult, bridge: string): PodNetworkStatus {
  const ifaces = result.interfaces ?? [];
  const ip = (result.ips ?? []).find((c) => {
    const i = c.interface === undefined ? undefined : ifaces[c.interface];
    return (i === undefined || i.sandbox !== undefined) && parseCIDR(c.address) !== undefined;
  });
  if (!ip) throw new Error("CNI result has no IPv4 address for the pod");
  const [addr, prefix] = ip.address.split("/") as [string, string];
  const status: PodNetworkStatus = {
    ip: addr,
    prefixLength: Number(prefix),
    gateway: ip.gateway ?? "",
    bridge,
  };
  const veth = ifaces.find((i) => i.sandbox === undefined && i.name !== bridge);
  if (veth) status.hostVeth = veth.name;
  return status;
}

/**
 * The iptables chain name the reference plugins derive from the network name and container id
 * (pkg/utils.FormatChainNameWithPrefix: "CNI-" + prefix + hex(sha512(name+id)), cut to 28).
 */
export function cniChainName(name: string, id: string, prefix = ""): string {
  const hash = createHash("sha512")
    .update(name + id)
    .digest("hex");
  return `CNI-${prefix}${hash}`.slice(0, 28);
}
