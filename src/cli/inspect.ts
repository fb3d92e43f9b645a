// `kite inspect pod NAME`: what the chapter draws, for a real pod on this node — the pause process
// and each container's process, their namespaces side by side (the shared ones are the same
// inode), the pod IP, the veth pair and the bridge, cgroups, and where volumes live on the host.
import { readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Pod } from "kubernetes-types/core/v1.js";
import { parse } from "yaml";
import { PodUIDLabel } from "../agent/labels.js";
import { newClient } from "../client/client.js";
import { openImageStore } from "../image/store.js";
import { newOciRuntime } from "../runtime/oci/oci-runtime.js";
import { run } from "../util/exec.js";

const namespaceKinds = ["net", "ipc", "uts", "pid", "mnt", "cgroup"] as const;

export interface ProcessView {
  role: "pause" | "container";
  name: string;
  containerId?: string;
  pid?: number;
  namespaces: Record<string, string>;
  cgroup?: string;
}

export interface PodView {
  namespace: string;
  name: string;
  uid: string;
  node?: string;
  podIP?: string;
  sandboxId: string;
  processes: ProcessView[];
  network?: { interface: string; hostVeth?: string; bridge?: string };
  volumes: Array<{ name: string; type: string; hostPath?: string }>;
}

function namespacesOf(pid: number | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!pid) return out;
  for (const kind of namespaceKinds) {
    try {
      out[kind] = readlinkSync(`/proc/${pid}/ns/${kind}`);
    } catch {
      // the process is gone or the kernel lacks this namespace
    }
  }
  return out;
}

function cgroupOf(pid: number | undefined): string | undefined {
  if (!pid) return undefined;
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    // cgroup v2 line (0::/path), else the memory controller's path (v1).
    const v2 = lines.find((l) => l.startsWith("0::"));
    const mem = lines.find((l) => /:memory:/.test(l));
    return (mem ?? v2)?.split(":").slice(2).join(":");
  } catch {
    return undefined;
  }
}

async function vethOf(pid: number): Promise<{ hostVeth?: string; bridge?: string }> {
  // eth0@ifN inside the pod names its peer's index on the host.
  const inside = await run("nsenter", [
    `--net=/proc/${pid}/ns/net`,
    "ip",
    "-o",
    "link",
    "show",
    "eth0",
  ]).catch(() => undefined);
  const peer = /eth0@if(\d+)/.exec(inside?.stdout ?? "")?.[1];
  if (!peer) return {};
  const host = await run("ip", ["-o", "link", "show"]);
  const line = host.stdout.split("\n").find((l) => l.startsWith(`${peer}: `));
  const hostVeth = line ? /^\d+: ([^:@]+)/.exec(line)?.[1] : undefined;
  const bridge = line ? /master (\S+)/.exec(line)?.[1] : undefined;
  return { hostVeth, bridge };
}

export async function inspectPod(o: {
  kubeconfig: string;
  dataDir: string;
  namespace: string;
  name: string;
}): Promise<PodView> {
  const cfg = parse(readFileSync(o.kubeconfig, "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? "", "base64");
  const client = newClient({
    server: cfg.clusters[0]!.cluster.server!,
    ca: b(cfg.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(cfg.users[0]!.user["client-certificate-data"]),
    key: b(cfg.users[0]!.user["client-key-data"]),
  });
  try {
    const pod = await client.request<Pod>(
      "GET",
      `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.name)}`,
    );
    const uid = pod.metadata?.uid ?? "";
    const images = await openImageStore({ dataDir: o.dataDir });
    const runtime = newOciRuntime({ rootDir: join(o.dataDir, "agent", "runtime"), images });
    try {
      const sandboxes = (await runtime.listPodSandbox({ labelSelector: { [PodUIDLabel]: uid } })).filter(
        (s) => s.state === "SANDBOX_READY",
      );
      const sandbox = sandboxes[0];
      if (!sandbox)
        throw new Error(
          `pod ${o.namespace}/${o.name} has no running sandbox on this node (data dir ${o.dataDir})`,
        );
      const status = await runtime.podSandboxStatus(sandbox.id);
      const processes: ProcessView[] = [
        {
          role: "pause",
          name: "pause (catatonit -P)",
          pid: status.pid,
          namespaces: namespacesOf(status.pid),
          cgroup: cgroupOf(status.pid),
        },
      ];
      for (const c of await runtime.listContainers({ podSandboxId: sandbox.id })) {
        if (c.state !== "CONTAINER_RUNNING") continue;
        const cs = await runtime.containerStatus(c.id);
        processes.push({
          role: "container",
          name: cs.metadata.name,
          containerId: cs.id,
          pid: cs.pid,
          namespaces: namespacesOf(cs.pid),
          cgroup: cgroupOf(cs.pid),
        });
      }
      const network =
        status.pid && !status.hostNetwork ? { interface: "eth0", ...(await vethOf(status.pid)) } : undefined;
      const volumes = (pod.spec?.volumes ?? []).map((v) => {
        const type = Object.keys(v).find((k) => k !== "name") ?? "unknown";
        const hostPath =
          type === "hostPath"
            ? v.hostPath?.path
            : join(o.dataDir, "agent", "pods", uid, "volumes", type, v.name);
        return { name: v.name, type, hostPath };
      });
      return {
        namespace: o.namespace,
        name: o.name,
        uid,
        node: pod.spec?.nodeName,
        podIP: pod.status?.podIP,
        sandboxId: sandbox.id,
        processes,
        network,
        volumes,
      };
    } finally {
      images.close();
    }
  } finally {
    client.close();
  }
}

function render(v: PodView): string {
  const lines = [
    `Pod:        ${v.namespace}/${v.name} (uid ${v.uid})`,
    `Node:       ${v.node ?? "<none>"}`,
    `Pod IP:     ${v.podIP ?? "<none>"}`,
    `Sandbox:    ${v.sandboxId}`,
  ];
  if (v.network) {
    lines.push(
      `Network:    ${v.network.interface} in the pod <-> ${v.network.hostVeth ?? "?"} on the host, on bridge ${v.network.bridge ?? "?"}`,
    );
  }
  lines.push("", "Processes and their namespaces (the same inode = shared):");
  const header = ["PROCESS", "PID", ...namespaceKinds.map((k) => k.toUpperCase())];
  const rows = v.processes.map((p) => [
    p.role === "pause" ? p.name : `container ${p.name}`,
    String(p.pid ?? "-"),
    ...namespaceKinds.map((k) => p.namespaces[k] ?? "-"),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) lines.push(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`);
  lines.push("", "Cgroups:");
  for (const p of v.processes) lines.push(`  ${p.role === "pause" ? "pause" : p.name}: ${p.cgroup ?? "-"}`);
  lines.push("", "Volumes:");
  if (v.volumes.length === 0) lines.push("  <none>");
  for (const vol of v.volumes) lines.push(`  ${vol.name} (${vol.type}): ${vol.hostPath ?? "-"}`);
  return `${lines.join("\n")}\n`;
}

export function registerInspectCommand(program: Command): void {
  program
    .command("inspect")
    .description("Show what a pod is made of on this node: processes, namespaces, network, cgroups, volumes")
    .argument("<kind>", "pod")
    .argument("<name>", "the pod's name")
    .option("-n, --namespace <ns>", "the pod's namespace", "default")
    .option("--data-dir <dir>", "kite's data directory on this node", "/var/lib/kite")
    .option("--kubeconfig <file>", "kubeconfig of the cluster", "/etc/kite/kubeconfig.yaml")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (kind: string, name: string, o: Record<string, string>) => {
      try {
        if (kind !== "pod" && kind !== "pods" && kind !== "po")
          throw new Error(`kite inspect knows pods, not ${kind}`);
        const view = await inspectPod({
          kubeconfig: o.kubeconfig!,
          dataDir: o.dataDir!,
          namespace: o.namespace!,
          name,
        });
        process.stdout.write(o.output === "json" ? `${JSON.stringify(view, null, 2)}\n` : render(view));
      } catch (err) {
        process.stderr.write(`kite inspect: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}
