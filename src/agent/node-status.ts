// Node registration, status and heartbeat, as the kubelet does them: register the Node with
// capacity, addresses and nodeInfo read from this machine; renew its Lease in kube-node-lease
// every 10 s (a quarter of the 40 s lease); post status when it changes, and at least every
// 5 minutes (nodeStatusReportFrequency) so the node lifecycle controller sees a live node.
import { readFileSync, statfsSync } from "node:fs";
import { arch, cpus, hostname, networkInterfaces, release, totalmem } from "node:os";
import type { Node, NodeAddress, NodeCondition, NodeSystemInfo } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { Client } from "../client/client.js";
import type { Logger } from "../util/log.js";

export interface NodeStatusOptions {
  nodeName: string;
  /** this node's pod CIDR (spec.podCIDR) */
  podCIDR: string;
  /** e.g. "runc://1.1.5" */
  containerRuntimeVersion: string;
  kubeletVersion: string;
  /** filesystem the agent keeps pods and images on, for ephemeral-storage */
  dataDir: string;
  /** port of the agent's streaming endpoint (the kubelet's 10250) */
  kubeletPort: number;
  /** the maximum number of pods (kubelet --max-pods) */
  maxPods: number;
  labels?: Record<string, string>;
  leaseDurationSeconds?: number;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const microTime = (d: Date) => d.toISOString().replace(/Z$/, "000Z");

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOr("/etc/os-release", ""));
  return m?.[1] ?? "Linux";
}

/** The node's addresses: the first non-loopback IPv4 as InternalIP, and the hostname. */
export function nodeAddresses(nodeName: string): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name.startsWith("kite") || name.startsWith("veth") || name.startsWith("cni")) continue;
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) {
      out.push({ type: "InternalIP", address: v4.address });
      break;
    }
  }
  out.push({ type: "Hostname", address: nodeName });
  return out;
}

export function machineInfo(o: NodeStatusOptions): {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: NodeSystemInfo;
} {
  let storage = 0n;
  try {
    const fs = statfsSync(o.dataDir, { bigint: true });
    storage = fs.blocks * fs.bsize;
  } catch {
    // the data dir may not exist yet; report none rather than guess
  }
  const memKi = BigInt(totalmem()) / 1024n;
  const capacity = {
    cpu: String(cpus().length),
    memory: `${memKi}Ki`,
    pods: String(o.maxPods),
    "ephemeral-storage": `${storage / 1024n}Ki`,
    "hugepages-2Mi": "0",
  };
  // kubelet's default eviction threshold: memory.available<100Mi; storage keeps 10% back.
  const allocatable = {
    ...capacity,
    memory: `${memKi - 100n * 1024n}Ki`,
    "ephemeral-storage": String((storage * 9n) / 10n),
  };
  const goArch = arch() === "x64" ? "amd64" : arch() === "arm64" ? "arm64" : arch();
  return {
    capacity,
    allocatable,
    nodeInfo: {
      machineID: readOr("/etc/machine-id", ""),
      systemUUID: readOr("/sys/class/dmi/id/product_uuid", readOr("/etc/machine-id", "")),
      bootID: readOr("/proc/sys/kernel/random/boot_id", ""),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: o.containerRuntimeVersion,
      kubeletVersion: o.kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: goArch,
    },
  };
}

function readyConditions(now: Date, previous: NodeCondition[] | undefined): NodeCondition[] {
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : rfc3339(now),
    } as NodeCondition;
  };
  return [
    make("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    make("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    make("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    make("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

export interface NodeStatusManager {
  /** resolves once the node is registered */
  ready: Promise<void>;
  stop(): void;
}

export function startNodeStatus(client: Client, log: Logger, o: NodeStatusOptions): NodeStatusManager {
  const leaseDuration = o.leaseDurationSeconds ?? 40;
  const renewMs = (leaseDuration * 1000) / 4;
  const reportMs = 5 * 60 * 1000;
  const nodePath = `/api/v1/nodes/${encodeURIComponent(o.nodeName)}`;
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(o.nodeName)}`;
  let stopped = false;
  let lastReport = 0;
  const timers: NodeJS.Timeout[] = [];

  function desired(now: Date, prev?: Node): Node {
    const info = machineInfo(o);
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: o.nodeName,
        labels: {
          ...prev?.metadata?.labels,
          "kubernetes.io/hostname": o.nodeName,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": info.nodeInfo.architecture,
          "beta.kubernetes.io/os": "linux",
          "beta.kubernetes.io/arch": info.nodeInfo.architecture,
          ...o.labels,
        },
      },
      spec: { ...prev?.spec, podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] },
      status: {
        capacity: info.capacity,
        allocatable: info.allocatable,
        conditions: readyConditions(now, prev?.status?.conditions),
        addresses: nodeAddresses(o.nodeName),
        daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
        nodeInfo: info.nodeInfo,
      },
    };
  }

  async function register(): Promise<void> {
    const now = new Date();
    try {
      await client.request<Node>("POST", "/api/v1/nodes", desired(now));
      lastReport = now.getTime();
      log.info({ node: o.nodeName }, "node registered");
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
      await postStatus(true);
    }
  }

  async function postStatus(force = false): Promise<void> {
    const now = new Date();
    const current = await client.request<Node>("GET", nodePath);
    const want = desired(now, current);
    const comparable = (s: Node["status"]) =>
      JSON.stringify({
        ...s,
        conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
      });
    const changed = comparable(want.status) !== comparable(current.status);
    if (!force && !changed && now.getTime() - lastReport < reportMs) return;
    if (
      JSON.stringify(current.spec?.podCIDRs) !== JSON.stringify([o.podCIDR]) ||
      JSON.stringify(current.metadata?.labels) !== JSON.stringify(want.metadata?.labels)
    ) {
      await client.request(
        "PATCH",
        nodePath,
        { metadata: { labels: want.metadata?.labels }, spec: { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] } },
        "application/merge-patch+json",
      );
    }
    await client.request(
      "PATCH",
      `${nodePath}/status`,
      { status: want.status },
      "application/merge-patch+json",
    );
    lastReport = now.getTime();
  }

  async function renewLease(): Promise<void> {
    const now = new Date();
    const spec = {
      holderIdentity: o.nodeName,
      leaseDurationSeconds: leaseDuration,
      renewTime: microTime(now),
    };
    try {
      await client.request("PATCH", leasePath, { spec }, "application/merge-patch+json");
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
      const node = await client.request<Node & { metadata: { uid: string } }>("GET", nodePath);
      await client.request("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: o.nodeName,
          namespace: "kube-node-lease",
          // The lease goes with its node, as the kubelet sets it up.
          ownerReferences: [{ apiVersion: "v1", kind: "Node", name: o.nodeName, uid: node.metadata.uid }],
        },
        spec,
      });
    }
  }

  const loop = (fn: () => Promise<void>, every: number, what: string) => {
    const tick = async () => {
      if (stopped) return;
      try {
        await fn();
      } catch (err) {
        log.warn({ err: String(err) }, what);
      }
      if (!stopped) timers.push(setTimeout(() => void tick(), every).unref());
    };
    void tick();
  };

  const ready = (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await register();
        break;
      } catch (err) {
        if (stopped) return;
        log.warn({ err: String(err), attempt }, "node registration failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 7000)));
      }
    }
    loop(renewLease, renewMs, "lease renewal failed");
    loop(() => postStatus(false), 10_000, "node status update failed");
  })();

  return {
    ready,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}

export function defaultNodeName(): string {
  return hostname().toLowerCase();
}
